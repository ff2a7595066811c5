package analysis

import "gonum.org/v1/gonum/mat"

// FrozenGroupCorrelations is the estimate FrozenTaskCorrelations makes of one
// frozen-noise block, on counts (trials x units, summed over the window) whose
// rows seqs groups by frame sequence: the mean residual correlation within
// the A-preferring group, within the B-preferring group and between them
// (A vs B), with the default bins and groups (theta in rad, taskDeg the
// orientation A).
func FrozenGroupCorrelations(counts *mat.Dense, seqs [][]int, theta []float32, taskDeg float64) (withinA, withinB, aVsB float64) {
	bin, group := taskBins(theta, taskDeg, DefaultTaskCorrBins, DefaultTaskCorrGroupDeg)
	_, g, _ := frozenEstimate(counts, seqs, bin, group, DefaultTaskCorrBins)
	return g[0], g[1], g[2]
}
