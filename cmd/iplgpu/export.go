package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/iplgpu/iplgpu/nwb"
	"github.com/iplgpu/iplgpu/rundir"
)

const exportSynopsis = `-nwb FILE.nwb [-unverified] RUN

Writes run directory RUN as one NWB 2.x file (Neurodata Without Borders, the
DANDI archive's format; pynwb and nwbinspector read it): the units (spike
times, soma position, preferred orientation, electrodes of the virtual Utah
array), every column of trials.csv as the trials table, the array as
electrodes, the stimulus frames, and the resolved config, seed and engine
version. The run records counts per bin: each count's spike times are drawn
within its bin from the run's seed, so binning them again ('iplgpu analyse
FILE.nwb', 'iplgpu fisher -nwb FILE.nwb') gives the counts back exactly.
Needs the HDF5 library (built with -tags hdf5, as make builds it).`

// cmdExport is the export subcommand.
func cmdExport(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("export", exportSynopsis, stderr)
	out := fs.String("nwb", "", "the NWB file to write (default: RUN/recording.nwb)")
	unverified := fs.Bool("unverified", false, "export a run whose files differ from its manifest.json instead of refusing it")
	dirs, code, done := parseWithDirs(fs, args)
	if done {
		return code
	}
	if len(dirs) != 1 {
		fmt.Fprintf(stderr, "iplgpu export: give one run directory (got %d)\n", len(dirs))
		fs.Usage()
		return 2
	}
	if !nwb.Available {
		fmt.Fprintf(stderr, "iplgpu export: %v\n", nwb.ErrNoHDF5)
		return 1
	}
	path := *out
	if path == "" {
		path = filepath.Join(dirs[0], "recording.nwb")
	}
	if !strings.HasSuffix(path, ".nwb") {
		fmt.Fprintf(stderr, "iplgpu export: -nwb %s: give a file name ending in .nwb\n", path)
		return 2
	}
	t0 := time.Now()
	d, err := rundir.OpenWith(dirs[0], func(format string, a ...any) {
		fmt.Fprintf(stderr, "iplgpu export: note: "+format+"\n", a...)
	}, rundir.OpenOptions{Unverified: *unverified})
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu export: %v\n", err)
		return 1
	}
	st, err := nwb.Export(d, path)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu export: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %d units, %d spikes, %d trials, %d electrodes, %.1f MB in %.1f s\n", path, st.Units, st.Spikes, st.Trials, st.Electrodes, float64(st.Bytes)/1e6, time.Since(t0).Seconds())
	return 0
}
