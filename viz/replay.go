package viz

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
)

// Replay is a finished or interrupted run read back for viewing: its network
// from the run directory's arrays and its w after each session
// (w_sessions.npy), without simulating.
type Replay struct {
	Dir       string
	Run       *rundir.Run
	Net       *model.Network
	Threshold float64 // islet threshold of the HUD's counts

	// Snapshots[k] describes Run.WSnapshots[k].
	Snapshots []Snapshot
	// Blocks are the task blocks of the redundancy plot, in run order.
	Blocks []RedundancyPoint
	// FromInfo says that Blocks' values are the run's own info.csv (else
	// they are computed, see Redundancy).
	FromInfo bool
}

// Snapshot is one w snapshot of a replayed run.
type Snapshot struct {
	Session int    // the session after which it was taken (-1 unknown)
	Label   string // as network.csv labels it
	Trials  int    // trials done when it was taken
	Net     NetworkCounts
	Last    rundir.TrialRecord // the last trial before it (zero when none)
}

// OpenReplay reads the run directory dir for replay. It refuses, naming the
// file, a directory that is not a run (no config.yaml), one without
// w_sessions.npy (the run had output.w_snapshots off) or with no snapshot in
// it, and one whose files disagree. threshold is the islet threshold of the
// HUD's counts (0: analysis.DefaultIsletThreshold).
func OpenReplay(dir string, threshold float64, notef rundir.Notef) (*Replay, error) {
	if threshold == 0 {
		threshold = analysis.DefaultIsletThreshold
	}
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		switch {
		case err == nil:
			return nil, fmt.Errorf("%s is a file, not a run directory", dir)
		case errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("run directory %s does not exist", dir)
		}
		return nil, fmt.Errorf("run directory %s: %w", dir, err)
	}
	cfgPath := filepath.Join(dir, rundir.ConfigFile)
	if _, err := os.Stat(cfgPath); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s is not an iplgpu run directory: it has no %s (iplgpu run and iplgpu view write one first)", dir, rundir.ConfigFile)
	}
	wsPath := filepath.Join(dir, rundir.WSessionsFile)
	if _, err := os.Stat(wsPath); errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: missing: the run kept no w snapshots (output.w_snapshots was false), so there is nothing to replay; rerun it with -set output.w_snapshots=true", wsPath)
	}
	d, err := rundir.Open(dir, notef)
	if err != nil {
		return nil, err
	}
	if d.WFinalOnly || len(d.WSnapshots) == 0 {
		return nil, fmt.Errorf("%s holds no snapshot: the run stopped before its first session ended; nothing to replay", wsPath)
	}
	net, err := replayNetwork(d)
	if err != nil {
		return nil, err
	}
	rp := &Replay{Dir: dir, Run: d, Net: net, Threshold: threshold}
	// Trials done at the end of each session, in run order.
	ends := map[int]int{}
	last := map[int]rundir.TrialRecord{}
	for i, t := range d.Trials {
		ends[t.Session] = i + 1
		last[t.Session] = t
	}
	for k, w := range d.WSnapshots {
		s := Snapshot{Net: NetworkOf(len(d.Owner), d.EdgeA, d.EdgeB, w, threshold)}
		s.Session, s.Label = analysis.SnapshotSession(d, k)
		s.Trials, s.Last = ends[s.Session], last[s.Session]
		rp.Snapshots = append(rp.Snapshots, s)
	}
	seen := map[int]bool{}
	for _, t := range d.Trials {
		if !seen[t.Block] && IsRedundancyBlock(t.Mode, t.Ablation, t.Recorded) {
			seen[t.Block] = true
			rp.Blocks = append(rp.Blocks, RedundancyPoint{Session: t.Session, Block: t.Block, Pct: math.NaN()})
		}
	}
	if pct, ok, err := readInfoRedundancy(filepath.Join(dir, rundir.InfoFile)); err != nil {
		return nil, err
	} else if ok {
		rp.FromInfo = true
		for k := range rp.Blocks {
			if v, ok := pct[rp.Blocks[k].Block]; ok {
				rp.Blocks[k].Pct = v
			}
		}
	}
	return rp, nil
}

// replayNetwork builds the network the renderer draws from the run's arrays:
// somata, spines, their tuning and the candidate contacts.
func replayNetwork(d *rundir.Run) (*model.Network, error) {
	path := func(name string) string { return filepath.Join(d.Dir, name) }
	pos, err := readNpyFloat32(path(rundir.SpinePosFile), 2)
	if err != nil {
		return nil, err
	}
	phi, err := readNpyFloat32(path(rundir.SpinePhiFile), 1)
	if err != nil {
		return nil, err
	}
	S, N := len(d.Owner), len(d.Theta)
	if len(pos) != 3*S || len(phi) != S {
		return nil, fmt.Errorf("%s and %s hold %d positions and %d tunings; %s has %d spines", path(rundir.SpinePosFile), path(rundir.SpinePhiFile), len(pos)/3, len(phi), path(rundir.SpineOwnerFile), S)
	}
	if d.SomaPos == nil {
		return nil, fmt.Errorf("%s: missing: the soma positions, which the view draws", path(rundir.SomaPosFile))
	}
	if N == 0 || S%N != 0 {
		return nil, fmt.Errorf("%s: %d spines for %d neurons; want the same number per neuron", path(rundir.SpineOwnerFile), S, N)
	}
	net := &model.Network{N: N, M: S / N, Theta: d.Theta, Phi: phi, EdgeA: d.EdgeA, EdgeB: d.EdgeB}
	net.SomaX, net.SomaY, net.SomaZ = make([]float32, N), make([]float32, N), make([]float32, N)
	for i := range N {
		net.SomaX[i], net.SomaY[i], net.SomaZ[i] = d.SomaPos[3*i], d.SomaPos[3*i+1], d.SomaPos[3*i+2]
	}
	net.SpineX, net.SpineY, net.SpineZ = make([]float32, S), make([]float32, S), make([]float32, S)
	for k := range S {
		net.SpineX[k], net.SpineY[k], net.SpineZ[k] = pos[3*k], pos[3*k+1], pos[3*k+2]
	}
	return net, nil
}

func readNpyFloat32(path string, axes int) ([]float32, error) {
	shape, data, err := npy.Read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: missing; the view draws the network from it", path)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	v, ok := data.([]float32)
	if !ok || len(shape) != axes {
		return nil, fmt.Errorf("%s: %T of shape %v; want a %d-axis float32 array", path, data, shape, axes)
	}
	return v, nil
}

// readInfoRedundancy reads the redundancy % at n = RedundancyN of each block
// from info.csv (at the block's largest coherence; NaN where the cell is
// empty); ok is false when the file does not exist.
func readInfoRedundancy(path string) (map[int]float64, bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", path, err)
	}
	if len(recs) == 0 {
		return nil, false, fmt.Errorf("%s: empty; want the header %v", path, rundir.InfoColumns)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	for _, name := range []string{"block", "coherence", "subset_n", "redundancy_pct"} {
		if _, ok := col[name]; !ok {
			return nil, false, fmt.Errorf("%s: no column %q; is it an info.csv of iplgpu analyse?", path, name)
		}
	}
	pct, coh := map[int]float64{}, map[int]float64{}
	for line, r := range recs[1:] {
		if len(r) != len(recs[0]) {
			return nil, false, fmt.Errorf("%s line %d: %d fields, want %d", path, line+2, len(r), len(recs[0]))
		}
		n, err1 := strconv.Atoi(r[col["subset_n"]])
		b, err2 := strconv.Atoi(r[col["block"]])
		c, err3 := strconv.ParseFloat(r[col["coherence"]], 64)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, false, fmt.Errorf("%s line %d: %w", path, line+2, err)
		}
		if n != RedundancyN {
			continue
		}
		if old, ok := coh[b]; ok && old >= c {
			continue
		}
		v := math.NaN()
		if s := r[col["redundancy_pct"]]; s != "" {
			if v, err = strconv.ParseFloat(s, 64); err != nil {
				return nil, false, fmt.Errorf("%s line %d: redundancy_pct: %w", path, line+2, err)
			}
		}
		pct[b], coh[b] = v, c
	}
	return pct, true, nil
}

// HUD returns the HUD of snapshot k: its session, trials, numbers, and the
// task blocks' redundancy up to its session.
func (rp *Replay) HUD(k int, drawThreshold float64) HUD {
	s := rp.Snapshots[k]
	h := HUD{
		Source:        "replay " + rp.Dir,
		Session:       s.Session,
		SessionLabel:  fmt.Sprintf("snapshot %d/%d: after session %s", k, len(rp.Snapshots)-1, s.Label),
		Trial:         s.Trials,
		Trials:        len(rp.Run.Trials),
		Block:         s.Last.Block,
		BlockName:     s.Last.BlockName,
		LastBlock:     true,
		Mode:          s.Last.Mode,
		Ablation:      s.Last.Ablation,
		Net:           s.Net,
		DrawThreshold: drawThreshold,
		TaskADeg:      rp.Run.Config.Stimulus.TaskOrientationDeg,
	}
	if k == 0 && s.Session == 0 {
		h.SessionLabel = fmt.Sprintf("snapshot 0/%d: before training (after session 0)", len(rp.Snapshots)-1)
	}
	h.RedundancySource = "computed"
	if rp.FromInfo {
		h.RedundancySource = rundir.InfoFile
	}
	for _, b := range rp.Blocks {
		if s.Session >= 0 && b.Session <= s.Session {
			h.Redundancy = append(h.Redundancy, b)
		}
	}
	return h
}

// ComputeRedundancy fills the Blocks that info.csv did not give (all of them
// without info.csv) with BlockRedundancyPct of the run's responses.
func (rp *Replay) ComputeRedundancy() error {
	if rp.FromInfo {
		return nil
	}
	d := rp.Run
	for k := range rp.Blocks {
		var trials []rundir.TrialRecord
		for _, t := range d.Trials {
			if t.Block == rp.Blocks[k].Block && t.Row >= 0 {
				trials = append(trials, t)
			}
		}
		v, err := BlockRedundancyPct(d.Responses, trials)
		if err != nil {
			return fmt.Errorf("%s: block %d: %w", rp.Dir, rp.Blocks[k].Block, err)
		}
		rp.Blocks[k].Pct = v
	}
	return nil
}
