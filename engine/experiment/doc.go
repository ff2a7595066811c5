// Package experiment analyses a finished (or interrupted) run directory the way
// Liu et al. (Science 2026) analysed their recordings, and writes the tables,
// figures and the one-page report of the learning experiment (MODEL.md sections
// 6 and 7).
//
// # Use
//
//	sum, err := experiment.Analyse("runs/a", experiment.Options{})
//	for _, b := range sum.ControlBlocks("task") { // the learning curve
//		fmt.Println(b.Session, b.Headline().RedundancyPct.Mean)
//	}
//
// Analyse reads config.yaml, run.json, trials.csv, responses.npy, frames.npy,
// theta.npy, spine_owner.npy, edges.npy, soma_pos.npy (without it the spatial
// analysis is skipped with a note) and w_sessions.npy (w_final.npy when the run
// kept no snapshots) and writes, into the same directory, the files below.
// Every file is written whole or not at all (temporary file, then rename), so
// an analysis can be rerun on the same directory at any time
// (iplgpu analyse DIR). The returned Summary holds the same numbers.
//
// # Definitions
//
// A block is one block of the protocol (trials.csv's block column); session 0
// is before training, 1..S the training sessions, S+1 the blocks after the last
// session. A control task block is a recorded task-mode block with learning
// off, no ablation and noise frames; passive blocks likewise in passive mode.
// Information is in units of 1/coherence^2: the two conditions are +c and -c,
// so ds = 2c (package fisher). Intervals are the 16th-84th percentiles over
// random neuron subsets (68% intervals): they show the spread over subsets of n
// neurons, not a confidence interval of a mean.
//
// Where a block has several coherence levels, its headline estimate is the
// level with the most trials (ties: the larger c); every level is in info.csv
// and timecourse.csv.
//
// Islets are the connected components, of two or more spines, of the spine
// graph whose edges are the candidate contacts with structural weight w >=
// Options.IsletThreshold (default DefaultIsletThreshold = 0.5). The coupling is
// alpha = w m e with the fast efficacy e transient (it decays within a trial)
// and the gate m = 1 in task mode, so an islet is defined on w alone: the
// contacts that couple at least half as strongly as a saturated link whenever
// they are co-active. Components of a single spine are not islets.
//
// Tuning curves: the spike count of each bin is attributed to the frame shown
// at the bin's midpoint (frame f covers bins [f F/B, (f+1) F/B) for frame F and
// bin B ms) and to the absolute difference between that frame's orientation and
// the neuron's preferred orientation theta, folded with period 180 deg into
// [0, 90] deg and binned in TuningBins equal bins; the rate is spikes per second
// averaged over neurons, trials and frames.
//
// The tuning difference of an ablation block is the largest difference over
// bins between its tuning curve and its control's, relative to the control's
// peak rate; a block's control is the control block of the same mode in the
// same session, or else in the nearest session (an earlier one on a tie).
//
// Within-trial time courses use the spike counts summed over windows of the
// trial: each bin alone (bin_ms, 50 ms by default), 200 ms and 400 ms windows,
// and cumulative windows [0, t) growing in 200 ms steps (widths rounded to
// whole bins). Within the trial, "first" and "last" are the first and the last
// 400 ms window; the slope is the least-squares slope of the gap I_shuffle -
// I_real against time over the single bins, per second. Summary.Early and
// Summary.Late are the earliest and the latest control task block ("early and
// late learning"). The subsets of a block's time course are drawn from the
// neurons that respond (non-zero variance) in every window, with seed
// Options.Seed + 1, so all windows of a block, and blocks with the same
// responding neurons, use the same subsets; a window whose covariance is
// singular is skipped with a note.
//
// Figure 4 pairs each ablated block with its control. A run without ablated
// measurement blocks but whose training ran with an ablation (a training block
// with ablation: formation) shows its first and last task blocks instead; every
// block records the ablations of the training before it (Block.TrainedWith).
//
// # Spatial scale
//
// The spatial analysis (MODEL.md 7.5, prediction 1; Summary.Spatial) takes
// every control task and passive block with a Fisher estimate, at its headline
// coherence, and measures the information of pairs of units (n = 2) in the
// spike counts summed over the trial: f' and the 2 x 2 covariance pooled over
// +c and -c as in package fisher, I_real and I_shuffle bias-corrected with
// fisher.Design (N = 2), and the pair's redundancy I_shuffle - I_real. A pair
// with a unit of zero variance in a block, or two units perfectly correlated
// (1 - r^2 < 1e-12), has no estimate in that block. A pair needs more than 6
// trials at each sign (T > N + 4).
//
// The pairs, by kind:
//   - neurons: every pair of neurons when there are at most
//     Options.SpatialMaxPairs (200,000: up to 633 neurons), else that many
//     distinct pairs drawn uniformly with Options.Seed;
//   - linked: every pair of neurons sharing a link, a candidate contact with w
//     >= Options.IsletThreshold between a spine of each, in the last w snapshot
//     (after all training, so that the same pairs are compared before and after
//     learning; a seeded sample when there are more than SpatialMaxPairs);
//   - unlinked: the pairs of the neurons kind that share no link;
//   - electrodes: the pairs of electrodes of the virtual Utah array.
//
// Neuron pairs are binned by the 3-D distance of their somata (soma_pos.npy)
// in Options.SpatialBinUm bins (50 um) from 0: going outward, bins are merged
// with the next until each holds at least Options.SpatialMinPairs (50) pairs of
// the kind, and a remainder with fewer at the far end joins the last bin, so
// the bins cover [0, the farthest pair) without gaps and the farthest bins are
// wider; a kind with fewer pairs in all has no bins (a note says so). The bins
// are fixed per kind from the layout, so they are the same in every block;
// the pairs a bin reports in a block are those with an estimate.
//
// The virtual Utah array is Options.ArraySize x ArraySize electrodes (10 x
// 10) at Options.ArrayPitchUm (400 um) pitch centred on the slab (the slab's
// size from the config, model.SlabSize, stretched to cover every soma); the
// electrodes outside the slab are dropped. Each records the multi-unit
// activity: the summed counts of the neurons whose soma lies within
// Options.RecordingRadiusUm (100 um, about the reach of extracellular spikes
// and under half the pitch, so that electrodes share no neuron) horizontally,
// at any depth (VirtualArray); neurons elsewhere are unrecorded. Electrode
// pairs are binned by their distance in bins [k pitch, (k+1) pitch): 400 and
// 566 um in the first, 800, 894 and 1131 um in the second, and so on. The
// array needs a slab at least 2 pitches wide in x or y; otherwise the analysis
// notes "slab X um < 2 pitches: no virtual array" and the neuron part still
// runs.
//
// A bin's value is the mean over its pairs with the standard error of that
// mean (standard deviation over pairs / sqrt(pairs)); the x of a bin in figure
// 8 is its pairs' mean distance. The learning-induced increase is the latest
// minus the earliest control task block with a Fisher estimate
// (SpatialSummary.Early and Late), paired: the mean over the pairs with an estimate in both of the pair's
// difference, with its standard error. Near and far pairs (the report) are
// closer than SpatialNearUm (100 um) and at least one pitch apart. The
// unlinked increase at matched distances weights the unlinked pairs' mean in
// each SpatialBinUm bin by the number of linked pairs in it (bins with at least
// two unlinked pairs).
//
// # Files
//
// info.csv: one row per (block, coherence c > 0): the columns of
// fisher.InfoColumns (subset means and 68% intervals of I_real, I_shuffle,
// redundancy and redundancy %, mean noise correlation) followed by InfoExtra:
// group (before, session, after), learning (0/1), ablation, frames,
// trained_with (the ablations of the training so far, "none" if none),
// recorded_trials and mean_rate_hz (the block's mean rate over all neurons,
// bins and trials).
//
// timecourse.csv: TimeCourseColumns; kind is "bin", "200ms", "400ms" or
// "cumulative"; times in ms from stimulus onset.
//
// network.csv: NetworkColumns, one row per w snapshot (snapshot k is the state
// after the k-th session that ran: 0 before training, S+1, labelled "end",
// after the "after" blocks; with w_final.npy alone one row labelled "final"). link_cos2_weighted is the w-weighted mean of cos 2(theta_i -
// theta_j) over candidate contacts of neurons i and j; link_cos2_linked the
// plain mean over contacts with w >= threshold; candidate_cos2 the plain mean
// over all contacts (the reference, about 0 for random tuning).
//
// w_hist.csv: WHistColumns: counts of w in WHistBins equal bins on [0, 1] per
// snapshot (w = 1 in the last bin). islets.csv: IsletColumns: the islet size
// distribution (spines per islet -> number of islets) per snapshot.
//
// tuning.csv: TuningColumns: per block and orientation-difference bin, the
// mean rate in Hz, with the block's mean rate.
//
// spatial.csv: SpatialColumns, one row per kind and distance bin of each
// block (measure "block"), of the increase (measure "increase": block and
// session are the latest control task block's, base_block and base_session
// the earliest's; i_real and i_shuffle are increases too) and of the increase
// pooled over all distances (measure "increase_pooled", one row per kind).
// Distances in um, information in 1/coherence^2; redundancy_se is the standard
// error over pairs.
//
// Sessions on axes and in tables: 0 is before training, k the measurement
// blocks after training session k, "end" the blocks after the last session.
//
// Figures, each as .png (150 dpi) and .svg: fig1_information (I_real and
// I_shuffle of control task blocks across sessions), fig2_redundancy
// (redundancy %, task vs passive), fig3_within_trial (gap against time in the
// trial, earliest vs latest control task block; single bins, 200 ms windows,
// cumulative), fig4_ablation (control vs ablated blocks at the start and the
// end: redundancy %, redundancy, mean rate), fig5_network (w histogram, tuning
// similarity of links, islet count and size, islet size distribution, by
// session), fig6_noise_correlation (mean noise correlation and redundancy %
// across sessions, task and passive), fig7_tuning (tuning curves of control
// and ablated blocks), fig8_spatial (the learning-induced increase of pairwise
// redundancy against soma distance for all, linked and unlinked neuron pairs;
// the pairwise redundancy by distance in the earliest and latest task blocks
// and the latest passive block; the multi-unit increase against electrode
// distance when there is a virtual array). A figure without data in the run is
// not drawn; the report says so.
//
// report.md: what was run, the key results as sentences computed from the
// numbers, the figures, per-block and within-trial tables, the network
// summary and the resolved config.
package experiment
