// Command iplgpu simulates inter-postsynaptic functional links (IPLs) between
// dendritic spines of different neurons and measures what they do to the linear
// Fisher information of a V4-like population (Liu et al., Science 2026).
//
// Usage:
//
//	iplgpu run     [-config FILE] [-preset NAME] [-out DIR] [-seed N] [-backend auto|cpu|gl] [-set key=value]...
//	iplgpu run     -resume DIR [-backend auto|cpu|gl]
//	iplgpu config  [-preset NAME] [-config FILE] [-set key=value]...
//	iplgpu fisher  -plus A.npy -minus B.npy -ds X [...] | -run DIR
//	iplgpu analyse [-subset n] [-sizes 14,52] [-subsets K] [-boot B] [-islet-threshold x] DIR [DIR...]
//	iplgpu export  -nwb FILE.nwb RUN
//	iplgpu compare [-out DIR | -plan DIR | -from-sweep DIR] [-seeds 1,2,3] [-sessions N] [-config FILE] [-set key=value]...
//	iplgpu design  -from DIR [-out DIR] [-replicates R] [-trials LIST] [-units LIST] [-repeats LIST] [-animals LIST]
//	iplgpu calibrate [-out DIR] [-target PCT] [-mechanism feedback|ipl] [-set key=value]...
//	iplgpu bench   [-backend LIST] [-n LIST] [-spines M] [-steps K] [-csv FILE]
//	iplgpu bench   -scaling [-backend LIST] [-n-min N] [-n-max N] [-max-time D] [-out DIR]
//	iplgpu view    [-config FILE] [-preset NAME] [-out DIR] [-seed N] [-set key=value]... [-screenshot FILE.png] [-frames N] [-fps N]
//	iplgpu view    [-session K] [-screenshot FILE.png] [-frames N] RUN
//	iplgpu sweep   plan SWEEP.yaml -dir DIR | local -dir DIR [-j N] | run -dir DIR [-index I] | status -dir DIR
//	iplgpu merge   [-j N] [-no-figures] SWEEPDIR
//	iplgpu version
//
// An example session:
//
//	$ iplgpu config > my.yaml            # the resolved default config, every key documented in assets/default.yaml
//	$ iplgpu run -config my.yaml -out runs/a -set network.neurons=300
//	$ ls runs/a
//	config.yaml  responses.npy  trials.csv  frames.npy  edges.npy  w_final.npy  ...
//	$ iplgpu fisher -run runs/a          # per-block I_real, I_shuffle, redundancy -> runs/a/fisher.csv
//	$ iplgpu analyse runs/seeds          # runs/seeds/s1, s2, ...: each run's report, and the spread across seeds
//
// Every subcommand takes -h. Exit status: 0 success, 1 failure, 2 usage error,
// 130 interrupted (Ctrl-C, SIGTERM or SIGUSR1 stops a run after the current
// trial and keeps what finished, with a checkpoint: iplgpu run -resume DIR
// continues it).
package main

import (
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `iplgpu: simulate inter-postsynaptic functional links (IPLs) and their effect on
linear Fisher information in a V4-like population.

Usage:
  iplgpu run     [-config FILE] [-preset NAME] [-out DIR] [-seed N] [-backend auto|cpu|gl] [-set key=value]...
  iplgpu run     -resume DIR [-backend auto|cpu|gl]
  iplgpu config  [-preset NAME] [-config FILE] [-set key=value]...
  iplgpu fisher  -plus A.npy -minus B.npy -ds X [...]  |  -run DIR
  iplgpu analyse [-subset n] [-sizes 14,52] [-subsets K] [-boot B] [-islet-threshold x] DIR [DIR...]
  iplgpu export  -nwb FILE.nwb RUN
  iplgpu compare [-out DIR | -plan DIR | -from-sweep DIR] [-seeds 1,2,3] [-sessions N] [-config FILE] [-set key=value]...
  iplgpu design  -from DIR [-out DIR] [-replicates R] [-trials LIST] [-units LIST] [-repeats LIST] [-animals LIST]
  iplgpu calibrate [-out DIR] [-target PCT] [-mechanism feedback|ipl] [-set key=value]...
  iplgpu bench   [-backend LIST] [-n LIST] [-spines M] [-steps K] [-csv FILE]
  iplgpu bench   -scaling [-backend LIST] [-n-min N] [-n-max N] [-max-time D] [-out DIR]
  iplgpu view    [-config FILE] [-preset NAME] [-out DIR] [-seed N] [-set key=value]... [-screenshot FILE.png] [-frames N] [-fps N]
  iplgpu view    [-session K] [-screenshot FILE.png] [-frames N] RUN
  iplgpu sweep   plan SWEEP.yaml -dir DIR | local -dir DIR [-j N] | run -dir DIR [-index I] | status -dir DIR
  iplgpu merge   [-j N] [-no-figures] SWEEPDIR
  iplgpu version

Run 'iplgpu <command> -h' for a command's flags.
`

// run is the whole program: it returns the exit status and never exits itself.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return cmdRun(args[1:], stdout, stderr)
	case "config":
		return cmdConfig(args[1:], stdout, stderr)
	case "fisher":
		return cmdFisher(args[1:], stdout, stderr)
	case "analyse", "analyze":
		return cmdAnalyse(args[1:], stdout, stderr)
	case "export":
		return cmdExport(args[1:], stdout, stderr)
	case "calibrate":
		return cmdCalibrate(args[1:], stdout, stderr)
	case "compare":
		return cmdCompare(args[1:], stdout, stderr)
	case "design":
		return cmdDesign(args[1:], stdout, stderr)
	case "bench":
		return cmdBench(args[1:], stdout, stderr)
	case "view":
		return cmdView(args[1:], stdout, stderr)
	case "sweep":
		return cmdSweep(args[1:], stdout, stderr)
	case "merge":
		return cmdMerge(args[1:], stdout, stderr)
	case "version", "-version", "--version":
		return cmdVersion(args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "iplgpu: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
}
