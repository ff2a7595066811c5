package rundir

// FisherColumns are the columns of fisher.csv (iplgpu fisher -run), and the
// first columns of info.csv. Information in 1/coherence^2 (ds = 2c); each
// quantity has its subset mean and the 16th-84th percentile interval over
// subsets (_lo, _hi).
var FisherColumns = []string{
	"session", "block", "block_name", "mode", "coherence", "n_neurons", "n_trials_plus", "n_trials_minus",
	"subset_n", "subsets",
	"i_real", "i_real_lo", "i_real_hi", "i_shuffle", "i_shuffle_lo", "i_shuffle_hi",
	"redundancy", "redundancy_lo", "redundancy_hi", "redundancy_pct", "redundancy_pct_lo", "redundancy_pct_hi",
	"noise_corr",
}

// InfoColumns are the columns of info.csv: FisherColumns, then the block's
// description and mean rate.
var InfoColumns = append(append([]string{}, FisherColumns...), []string{"group", "learning", "ablation", "frames", "trained_with", "recorded_trials", "mean_rate_hz"}...)

// TimeCourseColumns are the columns of timecourse.csv.
var TimeCourseColumns = []string{
	"session", "block", "block_name", "mode", "ablation", "coherence", "kind", "start_bin", "end_bin",
	"t_start_ms", "t_end_ms", "width_ms", "pool", "subset_n", "subsets",
	"i_real", "i_real_lo", "i_real_hi", "i_shuffle", "i_shuffle_lo", "i_shuffle_hi",
	"gap", "gap_lo", "gap_hi", "redundancy_pct", "redundancy_pct_lo", "redundancy_pct_hi", "noise_corr",
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
