package fisher

import (
	"fmt"
	"math"
)

// Design is what the bias corrections depend on: the population size, the trial
// counts behind f' and the degrees of freedom of the covariance.
//
// With pooled covariance DF = TPlus + TMinus - 2; with covariance from TZero
// zero-coherence trials DF = TZero - 1.
type Design struct {
	N      int     // neurons
	TPlus  int     // trials in the + condition
	TMinus int     // trials in the - condition
	TZero  int     // zero-coherence trials the covariance came from; 0 when pooled
	DF     int     // degrees of freedom of the covariance estimate S
	DS     float64 // stimulus difference between the conditions (> 0)
}

// noiseF returns the variance of each whitened component of the estimated f',
// eps = (1/T+ + 1/T-)/ds^2: f'_est = f' + delta with Cov(delta) = eps C.
func (d Design) noiseF() float64 {
	return (1/float64(d.TPlus) + 1/float64(d.TMinus)) / (d.DS * d.DS)
}

// CorrectReal returns the bias-corrected I_real from the naive f'^T S^-1 f'.
//
// With Gaussian noise S = W/DF, W ~ Wishart(C, DF), independent of f'_est, so
// E[S^-1] = DF/(DF - N - 1) C^-1, and E[f'_est^T C^-1 f'_est] = I + N eps. Hence
//
//	I_bc = I_naive (DF - N - 1)/DF - N eps,
//
// which for T trials in each condition (DF = 2T - 2, eps = 2/(T ds^2)) is
// Kanitscheider et al. (2015): I_naive (2T - N - 3)/(2T - 2) - 2N/(T ds^2).
func (d Design) CorrectReal(naive float64) float64 {
	return naive*float64(d.DF-d.N-1)/float64(d.DF) - float64(d.N)*d.noiseF()
}

// RealVariance returns the sampling variance of I_bc for true information i.
//
// I_naive = DF |g|^2 / X with g the whitened f'_est (|g|^2/eps noncentral
// chi-square with N degrees of freedom) and X ~ chi-square(DF - N + 1) independent;
// the moments E[1/X] = 1/(m-2), E[1/X^2] = 1/((m-2)(m-4)), m = DF - N + 1, give
//
//	var = 2/(DF - N - 3) [i^2 + 2 eps i (DF - 1) + N eps^2 (DF - 1)],
//
// which for T trials per condition is Kanitscheider et al.'s
// 2 i^2/(2T-N-5) [1 + 4(2T-3)/(T i ds^2) + 4N(2T-3)/(T^2 i^2 ds^4)].
// The plug-in use passes the estimate; a negative estimate is taken as 0 since
// the true information is not negative (the bracket can turn negative below 0).
func (d Design) RealVariance(i float64) float64 {
	if i < 0 {
		i = 0
	}
	eps := d.noiseF()
	df := float64(d.DF)
	n := float64(d.N)
	return 2 / (df - n - 3) * (i*i + 2*eps*i*(df-1) + n*eps*eps*(df-1))
}

// CorrectShuffle returns the bias-corrected I_shuffle from the naive
// sum f_i'^2/S_ii.
//
// Each S_ii = C_ii X_i/DF with X_i ~ chi-square(DF), so E[1/S_ii] = DF/(DF - 2)/C_ii,
// and E[f'_i,est^2] = f_i'^2 + eps C_ii. Hence
//
//	I_shuffle_bc = I_shuffle_naive (DF - 2)/DF - N eps.
//
// For pooled covariance with T trials per condition (DF = 2T - 2) the factor is
// (2T - 4)/(2T - 2) = (T - 2)/(T - 1), as in docs/model.md section 8.2; for zero-coherence
// covariance from T0 trials it is (T0 - 3)/(T0 - 1).
func (d Design) CorrectShuffle(naive float64) float64 {
	return naive*float64(d.DF-2)/float64(d.DF) - float64(d.N)*d.noiseF()
}

// minTrials is the number of trials each sample behind the estimate must exceed
// for N neurons: T > N + 4 per condition (and T0 > N + 4 for zero-coherence
// covariance). The estimator needs DF > N + 3 for a finite variance; asking the
// same of each condition, as the issue does, keeps the bias correction (a factor
// (DF - N - 1)/DF) from dominating the estimate.
func minTrials(n int) int { return n + 4 }

// check returns an error when the design cannot carry an estimate.
func (d Design) check() error {
	if !(d.DS > 0) || math.IsInf(d.DS, 0) {
		return fmt.Errorf("%w: ds = %v; the stimulus difference between the conditions must be a positive number", ErrBadData, d.DS)
	}
	m := minTrials(d.N)
	if d.TZero > 0 {
		if d.TZero <= m {
			return fmt.Errorf("%w: covariance from T0 = %d zero-coherence trials for N = %d neurons; need T0 > N + 4 = %d: use fewer neurons (at most %d, e.g. subsets) or more trials",
				ErrTooFewTrials, d.TZero, d.N, m, max(d.TZero-5, 0))
		}
		if d.TPlus < 2 || d.TMinus < 2 {
			return fmt.Errorf("%w: T+ = %d and T- = %d trials; f' needs at least 2 trials in each condition", ErrTooFewTrials, d.TPlus, d.TMinus)
		}
		return nil
	}
	if t := min(d.TPlus, d.TMinus); t <= m {
		return fmt.Errorf("%w: T = %d trials per condition (T+ = %d, T- = %d) for N = %d neurons; need T > N + 4 = %d: use fewer neurons (at most %d, e.g. subsets) or more trials",
			ErrTooFewTrials, t, d.TPlus, d.TMinus, d.N, m, max(t-5, 0))
	}
	return nil
}

// Combine returns the inverse-variance weighted mean of estimates (for instance
// I_real at several coherence levels, with RealVar as the variances) and the
// variance of that mean, 1/sum(1/var_k).
func Combine(values, variances []float64) (mean, variance float64, err error) {
	if len(values) != len(variances) {
		panic(fmt.Sprintf("fisher: Combine: %d values but %d variances", len(values), len(variances)))
	}
	if len(values) == 0 {
		return math.NaN(), math.NaN(), fmt.Errorf("%w: no estimates to combine", ErrBadData)
	}
	var sw, swx float64
	for k, v := range variances {
		if !(v > 0) || math.IsInf(v, 0) || math.IsNaN(values[k]) {
			return math.NaN(), math.NaN(), fmt.Errorf("%w: estimate %d is %v with variance %v; each needs a finite value and a positive finite variance", ErrBadData, k, values[k], v)
		}
		sw += 1 / v
		swx += values[k] / v
	}
	return swx / sw, 1 / sw, nil
}
