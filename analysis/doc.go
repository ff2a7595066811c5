// Package analysis analyses a finished (or interrupted) run directory the way
// Liu et al. (Science 2026) analysed their recordings (docs/model.md sections 8 and
// 10). It computes and writes nothing: package report renders its Summary into
// the tables, figures and report.md, and package rundir's documentation says
// what each file holds.
//
// # Use
//
//	sum, run, err := analysis.Load("runs/a", analysis.Options{})
//	for _, b := range sum.ControlBlocks("task") { // the learning curve
//		fmt.Println(b.Session, b.Headline().RedundancyPct.Mean)
//	}
//
//	_, err = report.Write(sum, run, report.WriteOptions{}) // tables, figures, report.md
//
// Load reads the run directory with rundir.Open (config.yaml, run.json,
// trials.csv, responses.npy, frames.npy, theta.npy, spine_owner.npy, edges.npy,
// soma_pos.npy, without which the spatial analysis is skipped with a note, and
// w_sessions.npy, or w_final.npy when the run kept no snapshots) and Compute
// analyses it. InfoRows is the Fisher analysis alone, on any recording in the
// run-directory layout (rundir.OpenRecording). AnalyseRecording analyses a
// recording.Recording without an iplgpu protocol (an NWB file's, package
// nwb): the Fisher table and the distance signature, as far as it allows.
//
// # Definitions
//
// A recording of more than Options.MaxNeurons neurons (model.AnalysisNeurons,
// 2,000, by default) is analysed on a seeded random sample of that many for
// everything that needs a noise covariance (information, time courses,
// consistency, reversibility), as an electrode array samples a population;
// Summary.FisherNeurons lists the sample and a note says so.
//
// A block is one block of the protocol (trials.csv's block column); session 0
// is before training, 1..S the training sessions, S+1 the blocks after the last
// session. A control task block is a recorded task-mode block with learning
// off, no ablation and noise frames; passive blocks likewise in passive mode.
// Information is in units of 1/coherence^2: the two conditions are +c and -c,
// so ds = 2c (package fisher).
//
// # Uncertainty
//
// Every estimate is a Value: the mean over random neuron subsets (Est), the
// 16th-84th percentiles over those subsets (SubLo, SubHi: the spread over
// subsets drawn from the same trials, not an error bar) and the 95% interval
// over trials (Lo, Hi) from the bootstrap of package fisher: each block's
// trials resampled with replacement within each stimulus class,
// Options.BootReplicates times (default 200), with Options.BootSubsets
// subsets of each size drawn anew in every replicate (default 10; the
// spread their fewer subsets add is removed), the replicate seeds offset by
// the block index so that blocks are resampled independently. The
// replicates are kept (Value.Reps), and every comparison is a bootstrap test
// of the difference (Compare; fisher.Compare): independent replicates for
// two blocks, paired ones for two windows of one block. Redundancy % is
// 100 (mean gap)/(mean I_shuffle) over the subsets, NaN (blank) unless the
// lower end of I_shuffle's interval lies above 0. Without a bootstrap
// (Options.NoBootstrap) there are no intervals over trials, no tests and no
// redundancy %.
//
// Subset sizes: the headline size (Options.SubsetSize, default 20) and
// Options.Sizes (default 14 and 52, Liu et al.'s monkeys R and G); a size
// the block's trials do not allow (T must exceed n + 4 in each condition) or
// its usable neurons is left out with a note. The information-limiting
// variance epsilon is the intercept of 1/I(n) = 1/(a n) + epsilon fitted
// (fisher.FitSaturation) over the mean I_real at Options.SaturationSizes
// (default 5, 10, 14, 20, 30, 40, 52, those the trials allow; at least 3 with
// I_real > 0), with the interval of the fits to the bootstrap replicates.
// The Fano factor of a block is the median over its usable neurons of the
// within-condition variance over the mean of the trial's count.
//
// The cost: most of the analysis's time goes to the bootstraps of the time
// courses (100 replicates of 5 subsets for each window of each block); the
// time of the default run's analysis, with the command that measured it, is in
// BENCHMARKS.md ("Analysis of the default run").
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
// # Task-aligned correlations, consistency and reversibility
//
// TaskCorrelations (taskcorr.go) computes, for any recording in the
// run-directory layout, the mean pairwise noise correlation with both
// neurons binned by preferred orientation relative to A (Bondy, Haefner &
// Cumming 2018), raw and conditioned on the stimulus (each trial's counts
// regressed on its frames); Summary.TaskCorr holds every recorded block.
//
// Consistency (prediction 3, docs/model.md section 10.4) needs task blocks with
// persistent signal frames: each is compared with the independent-frames
// task block of its session (ConsistencyPair): the within-trial slope of the
// gap, and the regression of the per-bin gap on the number of signal frames
// just before (RegressOnSignal). When there is a pair before training
// (session 0, no links yet) and one after, ConsistencyLearning tests the
// difference of their slope differences: the part of the effect the links
// make.
//
// Reversibility (prediction 2, docs/model.md section 10.3): a switch is a recorded block
// that follows a recorded block of another condition (task, passive, or
// passive with the task gain kept; learning off, no ablation, noise frames)
// directly; the k-th trials after every switch of one kind are pooled into
// position k (SwitchCourse), and the gap against the time since the switch
// is fitted with an exponential whose time constant is compared with the
// gate's, tau_m.
//
// Figure 4 pairs each ablated block with its control. A run without ablated
// measurement blocks but whose training ran with an ablation (a training block
// with ablation: formation) shows its first and last task blocks instead; every
// block records the ablations of the training before it (Block.TrainedWith).
//
// # The rival hypothesis: signatures on any recording
//
// FrozenTaskCorrelations and DistanceAtMatchedTuning (rival.go) compute
// signatures (c) and (b) of docs/model.md section 10.7 on any recording in the
// run-directory layout, so that array data can be held against both
// mechanisms (package compare runs them side by side). Frozen-noise blocks
// are found by their repeated frame sequences (identical signed coherence
// and frames.npy row); residuals are taken from each sequence's mean (at
// least FrozenMinRepeats trials), so that the stimulus is held fixed
// exactly, not by a regression on frame histograms, and the task-aligned
// group means (within A, within B, A vs B) come with a bootstrap over trials
// within sequences. DistanceAtMatchedTuning takes the pair redundancy
// I_shuffle - I_real (fisher.PairStats, counts summed over the trial) in an
// early and a late block, and regresses the increase on unit distance with
// one intercept per stratum of tuning similarity cos 2(theta_i - theta_j),
// so that distance is not confounded with similar tuning; pass electrode
// positions (z = 0) and multi-unit preferences to use it on an array.
//
// # Spatial scale
//
// The spatial analysis (docs/model.md section 10.5, prediction 1; Summary.Spatial) takes
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
package analysis
