package rundir

// FisherColumns are the columns of fisher.csv (iplgpu fisher -run), and the
// first columns of info.csv: one row per block, coherence and subset size.
// Information in 1/coherence^2 (ds = 2c). Each quantity has its estimate
// (the mean over the subsets; redundancy_pct the ratio of the means), the
// 16th-84th percentiles over the subsets (_lo, _hi: the spread over subsets
// drawn from the same trials, not an error bar) and the 95% bootstrap
// interval over trials (_boot_lo, _boot_hi; empty without a bootstrap).
var FisherColumns = []string{
	"session", "block", "block_name", "mode", "coherence", "n_neurons", "n_trials_plus", "n_trials_minus",
	"subset_n", "subsets", "headline",
	"i_real", "i_real_lo", "i_real_hi", "i_real_boot_lo", "i_real_boot_hi",
	"i_shuffle", "i_shuffle_lo", "i_shuffle_hi", "i_shuffle_boot_lo", "i_shuffle_boot_hi",
	"redundancy", "redundancy_lo", "redundancy_hi", "redundancy_boot_lo", "redundancy_boot_hi",
	"redundancy_pct", "redundancy_pct_boot_lo", "redundancy_pct_boot_hi",
	"noise_corr", "noise_corr_boot_lo", "noise_corr_boot_hi", "fano",
	"epsilon", "epsilon_boot_lo", "epsilon_boot_hi", "epsilon_sizes",
	"boot_replicates", "boot_subsets",
}

// InfoColumns are the columns of info.csv: FisherColumns, then the block's
// description and mean rate.
var InfoColumns = append(append([]string{}, FisherColumns...), []string{"group", "learning", "ablation", "frames", "persistence", "task_gain", "trained_with", "recorded_trials", "mean_rate_hz"}...)

// TimeCourseColumns are the columns of timecourse.csv: as FisherColumns for
// each window (gap is the redundancy I_shuffle - I_real).
var TimeCourseColumns = []string{
	"session", "block", "block_name", "mode", "ablation", "coherence", "kind", "start_bin", "end_bin",
	"t_start_ms", "t_end_ms", "width_ms", "pool", "subset_n", "subsets",
	"i_real", "i_real_lo", "i_real_hi", "i_real_boot_lo", "i_real_boot_hi",
	"i_shuffle", "i_shuffle_lo", "i_shuffle_hi", "i_shuffle_boot_lo", "i_shuffle_boot_hi",
	"gap", "gap_lo", "gap_hi", "gap_boot_lo", "gap_boot_hi",
	"redundancy_pct", "redundancy_pct_boot_lo", "redundancy_pct_boot_hi", "noise_corr",
}

// NetworkColumns are the columns of network.csv.
var NetworkColumns = []string{
	"snapshot", "session", "label", "threshold", "mean_w", "linked_frac",
	"link_cos2_weighted", "link_cos2_linked", "candidate_cos2",
	"islets", "islet_mean_spines", "islet_max_spines", "islet_mean_neurons", "spines_in_islets_frac",
}

// WHistColumns are the columns of w_hist.csv.
var WHistColumns = []string{"snapshot", "session", "label", "w_lo", "w_hi", "count", "fraction"}

// IsletColumns are the columns of islets.csv.
var IsletColumns = []string{"snapshot", "session", "label", "size_spines", "count"}

// TuningColumns are the columns of tuning.csv.
var TuningColumns = []string{"session", "block", "block_name", "mode", "ablation", "bin", "dtheta_lo_deg", "dtheta_hi_deg", "dtheta_mid_deg", "rate_hz", "mean_rate_hz"}

// SpatialColumns are the columns of spatial.csv.
var SpatialColumns = []string{
	"measure", "block", "session", "base_block", "base_session", "mode", "kind",
	"dist_lo_um", "dist_hi_um", "mean_dist_um", "pairs",
	"redundancy", "redundancy_se", "i_real", "i_shuffle",
}

// TaskCorrColumns are the columns of taskcorr.csv: the task-aligned noise
// correlations of each recorded block; measure "bin" rows hold one pair of
// preferred-orientation bins (bin 0 centred on A), the others the groups.
var TaskCorrColumns = []string{
	"session", "block", "block_name", "mode", "kind", "measure", "bin_a", "bin_b", "a_centre_deg", "b_centre_deg",
	"neurons_a", "neurons_b", "corr", "corr_boot_lo", "corr_boot_hi",
}

// ConsistencyColumns are the columns of consistency.csv.
var ConsistencyColumns = []string{
	"session", "block", "block_name", "frames", "persistence", "measure", "k", "value", "boot_lo", "boot_hi",
	"lag_ms", "subset_n", "cells", "signal_frac", "run_frames",
}

// ReversibilityColumns are the columns of reversibility.csv.
var ReversibilityColumns = []string{
	"from", "to", "switches", "measure", "position", "time_s", "trials_plus", "trials_minus", "gate", "subset_n",
	"i_real", "i_real_boot_lo", "i_real_boot_hi", "i_shuffle", "i_shuffle_boot_lo", "i_shuffle_boot_hi",
	"gap", "gap_boot_lo", "gap_boot_hi", "redundancy_pct", "redundancy_pct_boot_lo", "redundancy_pct_boot_hi",
	"tau_s", "tau_boot_lo", "tau_boot_hi", "y0", "y0_boot_lo", "y0_boot_hi", "yinf", "yinf_boot_lo", "yinf_boot_hi", "tau_m_s",
}

// SeedsColumns are the columns of seeds.csv: one row per block, coherence,
// subset size and quantity, over the runs of one config with different
// seeds.
var SeedsColumns = []string{
	"session", "block", "block_name", "mode", "condition", "coherence", "subset_n", "quantity",
	"seeds", "mean", "sd", "ci_lo", "ci_hi", "within_halfwidth", "values",
}

// SeedsCalibrationColumns are the columns of seeds_calibration.csv: the
// model against Liu et al. (docs/model.md section 9) on the mean over the runs of
// one config with different seeds, one row per quantity (key).
var SeedsCalibrationColumns = []string{
	"key", "quantity", "subset_n", "role", "calibrated_to", "liu", "target", "target_lo", "target_hi",
	"seeds", "mean", "sd", "ci_lo", "ci_hi", "status", "ci_vs_target", "runs_passed", "values",
}

// MergedColumns are the columns of merged.csv after one column per swept
// parameter (named by its -set key): one row per condition and headline
// number (analysis.HeadlineNames) across the condition's seeds.
var MergedColumns = []string{"quantity", "seeds", "mean", "sd", "ci_lo", "ci_hi", "values"}

// MergedPointsColumns are the first columns of merged_points.csv, one row
// per merged point; one column per swept parameter and one per headline
// number follow.
var MergedPointsColumns = []string{"index", "dir", "seed"}

// CalibrationColumns are the columns of calibration.csv: the model against
// Liu et al. (docs/model.md section 9), one row per quantity.
var CalibrationColumns = []string{
	"key", "quantity", "subset_n", "role", "calibrated_to", "liu", "target", "target_lo", "target_hi",
	"model", "model_boot_lo", "model_boot_hi", "status", "ci_vs_target", "note",
}
