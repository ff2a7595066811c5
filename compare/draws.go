package compare

import (
	"bytes"
	"os"
	"path/filepath"

	"github.com/iplgpu/iplgpu/rundir"
)

// DrawFiles are the files of a run directory that hold the network and the
// stimulus draws: equal bytes in two runs mean the same network and frames.
var DrawFiles = []string{rundir.SomaPosFile, rundir.ThetaFile, rundir.SpinePosFile, rundir.SpinePhiFile, rundir.SpineOwnerFile, rundir.EdgesFile, rundir.FramesFile}

// SeedDraws says, for one seed, whether the two mechanisms' runs share the
// network and the frame draws (Differ lists the files that differ or are
// missing).
type SeedDraws struct {
	Seed   uint64
	Same   bool
	Differ []string
}

// CompareDraws checks, seed by seed, that the runs of mechanisms a and b
// (run directories dirOf) share their network and frames byte for byte.
func CompareDraws(dirOf func(mech string, seed uint64) string, a, b string, seeds []uint64) []SeedDraws {
	var res []SeedDraws
	for _, s := range seeds {
		d := SeedDraws{Seed: s, Same: true}
		for _, f := range DrawFiles {
			x, err1 := os.ReadFile(filepath.Join(dirOf(a, s), f))
			y, err2 := os.ReadFile(filepath.Join(dirOf(b, s), f))
			if err1 != nil || err2 != nil || !bytes.Equal(x, y) {
				d.Same = false
				d.Differ = append(d.Differ, f)
			}
		}
		res = append(res, d)
	}
	return res
}
