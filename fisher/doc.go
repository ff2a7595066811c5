// Package fisher measures linear Fisher information the way Liu et al. (Science
// 2026) did: bias-corrected I_real (Kanitscheider, Coen-Cagli, Kohn & Pouget
// 2015), I_shuffle, and their difference, the redundancy. It works on any pair
// of trials x neurons response matrices, simulated or recorded.
//
// # Units
//
// The two conditions differ by ds in the stimulus variable (for signed coherence
// +c versus -c, ds = 2c). f' = (mean(+) - mean(-))/ds is in response units per
// stimulus unit, and every information value is in units of 1/ds^2, that is, per
// squared stimulus unit; the noise correlation is dimensionless and the
// information-limiting variance (Saturation.Epsilon) is in ds^2.
//
// # Estimators
//
// With N neurons, T+ and T- trials and a covariance S with DF degrees of
// freedom (pooled over the two conditions, each centred on its own mean:
// DF = T+ + T- - 2; or from T0 zero-coherence trials: DF = T0 - 1), and
// eps = (1/T+ + 1/T-)/ds^2 the noise variance f' carries per unit of C:
//
//	I_real    = f'^T S^-1 f' (DF - N - 1)/DF - N eps
//	var       = 2/(DF - N - 3) [I^2 + 2 eps I (DF - 1) + N eps^2 (DF - 1)]
//	I_shuffle = sum_i f_i'^2/S_ii (DF - 2)/DF - N eps
//	redundancy = I_shuffle - I_real,  redundancy % = 100 redundancy / I_shuffle
//
// For T trials in each condition these are the formulas of docs/model.md sections 8.1-8.2
// (Kanitscheider's (2T - N - 3)/(2T - 2), 2N/(T ds^2) and (T - 2)/(T - 1)).
// Design documents the derivations; unequal T+ and T- and zero-coherence
// covariance follow from the same two facts (the inverse-Wishart mean and the
// noise of f'). All are unbiased for Gaussian noise. An estimate needs more than
// N + 4 trials in each condition (T0 > N + 4 with zero-coherence covariance).
//
// # Use
//
//	s, err := fisher.NewStats(plus, minus, nil, ds, true) // f', pooled covariance
//	e, err := s.Estimate()                               // all neurons
//	r, err := s.Subsets(fisher.SubsetSpec{Size: 20, Count: 200, Seed: 1}, nil)
//
// or in one call Analyse(plus, minus, zero, ds, Options{...}). Stats computes f'
// and the covariance of all neurons once (centred data and one parallel Dgemm);
// each subset's estimate takes the submatrix and a Cholesky solve, with buffers
// reused. Random subsets are drawn with the Philox stream of engine/rng and do
// not depend on the number of goroutines.
//
// For within-trial time courses, Responses wraps a trials x bins x neurons array
// and TimeCourse analyses the sums over each Window (Windows for single or
// w-bin windows, Cumulative for [0, b)). The per-session, block,
// mode and coherence analysis of a recording is analysis.InfoRows (its table:
// report.WriteFisherCSV). Combine merges coherence levels by inverse-variance weights.
// Saturation fits 1/I(n) = 1/(a n) + epsilon over subset sizes; epsilon, the
// variance of the noise along f' that limits information, is the
// information-limiting part of the covariance. ExactLinearGaussian is the
// ground truth for C = sigma^2 I + A Cu A^T.
//
// # Intervals over trials
//
// Bootstrap resamples the trials of each condition with replacement and
// redraws the subsets in every replicate; BootInterval turns the replicates
// into an interval, Compare into a test of a difference with its p-value,
// and RatioPct gives the redundancy % of subset means, blank where
// I_shuffle is not clearly positive. Resampling the raw trials samples a
// population with the plug-in (uncorrected, larger) information, whose
// estimates vary more than the data's; Bootstrap shrinks the resampled
// population's f' (by the square root of the bias-corrected over the plug-in
// information, separately for I_real and I_shuffle) so that it carries the
// estimate's information. On linear-Gaussian data the intervals then hold
// the exact values at their nominal rates for N small against the trials
// and are conservative (up to 1.5 times too wide) at N/DF about 0.3, where
// the repeated trials of a resample make its estimates vary more (see
// bootstrap_test.go).
//
// # Errors
//
// Bad data — NaN or infinite values, negative counts, mismatched shapes, ds <= 0,
// too few trials for the neurons, a singular covariance (a constant neuron, or a
// copy of others) — return errors wrapping ErrBadData, ErrTooFewTrials or
// ErrSingular whose text says what was wrong, with the values, and what to do.
// Programming mistakes (a subset index out of range, a Window outside the bins)
// panic. Inputs are never modified.
package fisher
