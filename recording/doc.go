// Package recording is what the analysis reads: a recording, whatever file it
// came from. A run directory (package rundir) and an NWB file (package nwb)
// are two readers of it, and export writes a run as NWB.
//
// A Recording holds the spike counts (Responses: trials x bins x units, in
// bins of BinMs from stimulus onset), the trials table (Trial, one per trial
// run, recorded or not: a recorded trial's Row is its row of the counts), and
// what is known of the units and the stimulus: preferred orientations, soma
// positions, the electrodes and the units each records, and the stimulus
// frames of each trial. Fields that a recording does not have are nil (or
// zero), and each analysis says which it needs.
package recording
