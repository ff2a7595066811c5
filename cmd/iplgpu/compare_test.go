package main

import "testing"

// Bad flags of compare and calibrate are usage errors (exit 2) naming the
// flag; a bad -set fails (exit 1) before any run, naming the key.
func TestCompareCalibrateUsage(t *testing.T) {
	dir := t.TempDir()
	expectCLI(t, []string{"compare", "-seeds", "1,x"}, 2, nil, []string{"-seeds"})
	expectCLI(t, []string{"compare", "-mechanisms", "ipl,dendrites"}, 2, nil, []string{"-mechanisms"})
	expectCLI(t, []string{"compare", "-boot", "1"}, 2, nil, []string{"-boot"})
	expectCLI(t, []string{"compare", "-switch-pairs", "1000000000"}, 2, nil, []string{"-switch-pairs 1000000000: want 0 (30) to 1000"})
	expectCLI(t, []string{"compare", "-seeds", "1,2,1", "-out", dir}, 1, nil, []string{"seed 1 is given twice"})
	expectCLI(t, []string{"compare", "-out", dir, "-set", "feedback.k_max=-1"}, 1, nil, []string{"feedback.k_max"})
	expectCLI(t, []string{"calibrate", "-target", "150"}, 2, nil, []string{"-target"})
	expectCLI(t, []string{"calibrate", "-mechanism", "both"}, 2, nil, []string{"-mechanism"})
	expectCLI(t, []string{"calibrate", "-out", dir, "-set", "feedback.tau_d_ms=0"}, 1, nil, []string{"feedback.tau_d_ms"})
}

// Bad flags of design are usage errors (exit 2) naming the flag or the
// field, before any pool is read.
func TestDesignUsage(t *testing.T) {
	dir := t.TempDir()
	expectCLI(t, []string{"design"}, 2, nil, []string{"-from: give the directory"})
	expectCLI(t, []string{"design", "-from", dir + "/none"}, 2, nil, []string{"no such directory"})
	expectCLI(t, []string{"design", "-from", dir, "-mechanisms", "ipl,ipl"}, 2, nil, []string{"two different mechanisms"})
	expectCLI(t, []string{"design", "-from", dir, "-mechanisms", "ipl,dendrites"}, 2, nil, []string{"-mechanisms"})
	expectCLI(t, []string{"design", "-from", dir, "-replicates", "5"}, 2, nil, []string{"5 replicates; want 20 to 100000"})
	expectCLI(t, []string{"design", "-from", dir, "-alpha", "0"}, 2, nil, []string{"alpha 0"})
	expectCLI(t, []string{"design", "-from", dir, "-replicates", "30"}, 2, nil, []string{"30 replicates; the rank test at alpha 0.05 needs at least 39"})
	expectCLI(t, []string{"design", "-from", dir, "-within-boot", "5"}, 2, nil, []string{"within-boot 5", "want 0 (not run) or 10 to 10000"})
	expectCLI(t, []string{"design", "-from", dir, "-replicates", "100", "-within-replicates", "150"}, 2, nil, []string{"within-replicates 150", "to the 100 replicates"})
	expectCLI(t, []string{"design", "-from", dir, "-units", "20,10"}, 2, nil, []string{"units sizes [20 10]"})
	expectCLI(t, []string{"design", "-from", dir, "-trials", "x"}, 2, nil, []string{"-trials"})
	expectCLI(t, []string{"design", "-from", dir, "-base-units", "-1"}, 2, nil, []string{"-base-units -1"})
	expectCLI(t, []string{"design", "-from", dir}, 1, nil, []string{"ipl-seed1"})
}

// Bad read-out flags of design are usage errors naming the flag.
func TestDesignReadoutUsage(t *testing.T) {
	dir := t.TempDir()
	expectCLI(t, []string{"design", "-from", dir, "-readout", "tetrodes"}, 2, nil, []string{"-readout \"tetrodes\": allowed neurons, electrodes"})
	expectCLI(t, []string{"design", "-from", dir, "-readout", "electrodes", "-units-per-electrode", "0"}, 2, nil, []string{"-units-per-electrode 0: want 1 to 20 (0 to 20 with -mua)"})
	expectCLI(t, []string{"design", "-from", dir, "-readout", "electrodes", "-mua", "-units-per-electrode", "21"}, 2, nil, []string{"-units-per-electrode 21: want 1 to 20 (0 to 20 with -mua)"})
	expectCLI(t, []string{"design", "-from", dir, "-mua"}, 2, nil, []string{"-mua: only with -readout electrodes"})
	expectCLI(t, []string{"design", "-from", dir, "-units-per-electrode", "2"}, 2, nil, []string{"-units-per-electrode: only with -readout electrodes"})
	// Accepted: 0 sorted units with -mua reaches the pools (none here).
	expectCLI(t, []string{"design", "-from", dir, "-readout", "electrodes", "-mua", "-units-per-electrode", "0"}, 1, nil, []string{"ipl-seed1"})
}
