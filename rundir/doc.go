// Package rundir owns the run directory: every file's name, dtype, shape,
// columns and units, the one writer (Writer, the engine.Recorder of a run
// directory; package simrun hands it to engine.Simulate), the one
// reader (Open, OpenRecording: a Run holds a recording.Recording, what the
// analysis reads whatever its format), the one trial table (TrialRecord, the
// recording's Trial; ReadTrials)
// and the one atomic write (WriteFileAtomic). Every other package, and the
// command line, reads and writes runs through it. This comment is the
// contract; numpy and pandas read every file (np.load, pd.read_csv).
//
// # Written by iplgpu run
//
//	config.yaml      the resolved configuration, a header naming the engine
//	                 version and the seed; iplgpu run -config config.yaml reruns it
//	run.json         Status: version, seed, backend, status (running | complete |
//	                 interrupted | failed), error, trials_done, trials_total,
//	                 recorded_trials, neurons, spines, edges,
//	                 contact_distance_um, build_seconds, simulate_seconds,
//	                 started, finished (RFC 3339)
//	responses.npy    uint16, recorded trials x bins x neurons: spike counts per
//	                 bin (stimulus.bin_ms, 50 ms by default) from stimulus onset
//	trials.csv       TrialsColumns, one line per trial run, in order (below)
//	frames.npy       float32, trials x frames: the orientation (deg, [0, 180))
//	                 of each frame; row k is line k of trials.csv
//	soma_pos.npy     float32, neurons x 3: soma position x, y, z (um)
//	theta.npy        float32, neurons: preferred orientation (rad, [0, pi))
//	spine_pos.npy    float32, spines x 3: spine position (um)
//	spine_phi.npy    float32, spines: spine tuning (rad, [0, pi))
//	spine_owner.npy  int32, spines: owner neuron (spine k belongs to k / M)
//	edges.npy        int32, edges x 2: the two spines of each candidate contact,
//	                 a < b, sorted
//	w_sessions.npy   float32, snapshots x edges: structural weight w after each
//	                 session (snapshot 0 before training; written when
//	                 output.w_snapshots is on)
//	w_final.npy      float32, edges: w at the end of the run
//	gain_final.npy   float32, neurons: homeostatic gain h at the end
//	checkpoint.npz   the state at the last checkpoint (see Checkpoints); gone
//	                 once the run is complete
//	manifest.json    Manifest: format, the run's identity (version, seed,
//	                 config_sha256, network_sha256), state (checkpoint |
//	                 complete), trials_done and files: the size and SHA-256
//	                 of every file above (run.json aside), the growing ones at
//	                 a checkpoint as the bytes [offset, size) written by then
//	                 (prefix); written atomically with every checkpoint and
//	                 when the run completes
//	.iplgpu.lock     empty; the lock a writer holds (see Create)
//
// trials.csv columns: trial (running index), session (0 before training,
// 1..S the training sessions, S+1 the blocks after the last), block (block
// index in the run), block_name, mode (task | passive), coherence (signed: +
// orientation A, - orientation B), learning (0/1: structural plasticity on),
// ablation (none | formation | lateral), frames (noise | consistent |
// persistent | frozen: every trial of a signed condition shows one of a few
// fixed sequences, as frames.npy records; a persistent block's rho, a frozen
// block's sequences and a passive block's task_gain are
// in config.yaml, block by block of the protocol), recorded (0/1), row (the trial's row of responses.npy, -1 when not
// recorded), gate_start (the top-down gate m at the trial's first step).
// ReadTrials also reads tables that hold only session, block, mode,
// coherence and recorded, so that any recording laid out this way (a user's
// array data) can be analysed with iplgpu fisher -run.
//
// # Partial runs
//
// Writer appends each finished trial as its line of trials.csv first, then
// its row of responses.npy (when recorded) and of frames.npy, rewriting each
// .npy header after its rows, so that after every trial each file is valid
// and they describe the same trials. The line comes first so that the arrays
// never hold a row that trials.csv does not describe, however the run stops.
// An interrupted run (Ctrl-C, SIGTERM, SIGUSR1) stops between trials with a
// checkpoint and status "interrupted" (also during the network build, before
// any trial, then without one). run.json says "running" from the first trial
// on, so a run killed outright (kill -9) is recognised; it may leave
// trials.csv one line ahead of responses.npy or frames.npy, or the last line
// of trials.csv cut (no newline), and Open leaves either out with a note.
// Every prefix of a run is a run directory that Open reads and the analysis
// analyses, down to one stopped in session 0 with a w_sessions.npy of 0 rows
// (then no w snapshot, unless w_final.npy exists).
//
// # Checkpoints
//
// checkpoint.npz holds everything a run carries from one trial to the next:
// an uncompressed .npz archive (np.load reads it) of checkpoint.json
// (CheckpointInfo: format, engine version, the SHA-256 of config.yaml, seed,
// backend; the protocol position: trials_done, block, trial_in_block; what
// the recorder had written: trial_lines of trials.csv and the rows of
// responses.npy, frames.npy and w_sessions.npy; absent: the variables that
// were empty) and one .npy per variable: state/NAME, every array of the
// backend's dynamic state (engine.State.Arrays: s, x, events, w, e, b, h), and
// host/NAME, the host's (the global step counter, the gate m, the shared
// gain's OU variable z, the feedback gain k_fb, the homeostasis sums, targets, running rates and
// gains). engine.Simulate
// writes it before the first trial, every output.checkpoint_trials trials
// and when stopped by a signal, after syncing the streamed files, through
// WriteCheckpoint (whole or not at all), and removes it once run.json says
// complete.
//
// iplgpu run -resume DIR continues a stopped run (Reopen, ResumeRecording):
// it holds the directory's lock like Create, removes the temporary files
// that a kill during an atomic write leaves (.checkpoint.npz-DIGITS,
// .run.json-DIGITS, .config.yaml-DIGITS), refuses a complete run, a
// config.yaml that changed (its SHA-256 differs from the checkpoint's, or it
// is not the file this engine version writes for the configuration it holds)
// and a checkpoint of another engine version or seed, then cuts
// responses.npy, frames.npy, w_sessions.npy and trials.csv back to the
// checkpoint's counts (dropping the trials finished after it, which are run
// again) and runs on. The finished directory is byte for byte the one an
// uninterrupted run writes, run.json's timing fields (TimingFields) aside;
// CompareDirs checks that. A run stopped before its first checkpoint starts
// again from the first trial.
//
// Reopen also checks, before changing anything: the checkpoint's CRCs, the
// sums it records (config.yaml, the network files, the prefixes of the
// growing files) against the files, and manifest.json's identity and sum of
// the checkpoint; Simulate then checks the network config.yaml builds
// against the network files and the restored state's values. A refusal
// leaves the directory as it was.
//
// Open first checks the files against manifest.json (OpenWith: Unverified
// turns each difference into a note); a directory without one opens with a
// note. Open cross-checks: config.yaml must describe the arrays (network.neurons,
// the spines, the bins and frames per trial, the protocol's blocks, which
// every trials.csv line must match in session, name, mode, learning,
// ablation, frames and coherence, whose sign its signal frames must show,
// and the recorded trials must fill the rows in order) and run.json
// must agree with them; an empty config.yaml, one from another run, and a
// repeated trials.csv line are refused. Arrays whose headers declare more
// than the memory this process can allocate are refused before reading.
//
// config.yaml, run.json, and every table, figure and report written by the
// analysis, is written whole or not at all (WriteFileAtomic: a temporary
// file synced and renamed), so a full disk or a crash leaves the previous
// version.
//
// # One writer per directory
//
// Create refuses a directory that holds any file, so no earlier run is
// overwritten, and takes an flock(2) on .iplgpu.lock before writing; Reopen,
// which continues a stopped run, takes the same lock: two processes can never
// write one directory, and the lock dies with its process (kill -9 included).
//
// # Written by the analysis (iplgpu analyse, package report)
//
// Intervals in the analysis's tables: for a quantity X, X is the estimate
// (the mean over the random neuron subsets; redundancy_pct the ratio of the
// means), X_lo and X_hi the 16th and 84th percentiles over the subsets (their
// spread: the subsets share the trials, so this is not an error bar), and
// X_boot_lo and X_boot_hi the 95% bootstrap interval over trials (trials
// resampled within each stimulus class, subsets drawn anew in every
// replicate: package fisher, Bootstrap). An empty cell is a value that does
// not exist (NaN): no bootstrap, too few trials, or a blank redundancy %.
//
// info.csv: InfoColumns, one row per (block, coherence c > 0, subset size):
// the columns of FisherColumns, then group (before, session, after),
// learning (0/1), ablation, frames, persistence (rho of persistent frames),
// task_gain (0/1), trained_with (the ablations of the training so far,
// "none" if none), recorded_trials and mean_rate_hz (the block's mean rate
// over all neurons, bins and trials). Information is in 1/coherence^2 (ds =
// 2c). The sizes are the headline size (default 20; headline = 1, clipped to
// T - 5 and to the usable neurons where needed) and Liu et al.'s 14 and 52
// where T exceeds n + 4 in both conditions (a note names the blocks left
// out). redundancy_pct = 100 redundancy / i_shuffle (of the subset means),
// empty unless i_shuffle_boot_lo > 0. noise_corr is the mean pairwise noise
// correlation of the usable neurons (each condition centred on its own mean);
// fano the median over neurons of the within-condition variance over the
// mean of the trial's count; epsilon the information-limiting variance
// (coherence^2), the intercept of 1/I(n) = 1/(a n) + epsilon fitted over the
// mean I_real at the subset sizes epsilon_sizes (space-separated; empty:
// fewer than 3 sizes with I_real > 0). These block-level columns repeat on
// each size's row. boot_replicates and boot_subsets describe the bootstrap.
//
// fisher.csv: FisherColumns, written by iplgpu fisher -run alone, never by the
// analysis: the two never overwrite each other.
//
// timecourse.csv: TimeCourseColumns; kind is "bin", "200ms", "400ms" or
// "cumulative"; times in ms from stimulus onset; gap is I_shuffle - I_real;
// the intervals as in info.csv (the bootstrap of a window draws the same
// trials in replicate r for every window of a block).
//
// taskcorr.csv: TaskCorrColumns: per recorded block, kind raw (each signed
// coherence centred on its own mean) or conditioned (each neuron's trial
// count regressed on the signed coherence and on the trial's frames, counted
// in 8 orientation bins), the mean pairwise correlation of the residuals
// for each pair of preferred-orientation bins (measure "bin"; bin k centred
// on A + k 22.5 deg, a_centre_deg and b_centre_deg relative to A; bins on
// the diagonal hold the pairs within a bin) and for the groups within 22.5
// deg of A or of B (measure within_a, within_b, a_vs_b); neurons_a and
// neurons_b count the neurons of each side; corr_boot_lo and _hi the 95%
// bootstrap interval over trials.
//
// consistency.csv: ConsistencyColumns, for runs with persistent-signal
// blocks, per task block with independent (noise) or persistent frames:
// measure slope_per_s (the least-squares slope of the gap over single bins,
// 1/coherence^2 per s), beta_per_frame (the per-bin gap regressed on k, the
// number of signal frames among the frames of the last lag_ms up to the
// bin's end, with one intercept per bin) and gap_by_k (the fit's adjusted
// mean gap at each k); subset_n and cells: the neurons per subset and the
// (bin, k) cells behind beta; signal_frac and run_frames: the fraction of
// signal frames and their mean run length.
//
// reversibility.csv: ReversibilityColumns, for runs of alternating blocks:
// per kind of switch (from, to: task, passive or "passive (task gain
// kept)") and trial position after the switch (measure "position"; time_s
// from the switch to the middle of the trial; gate: the mean gate m at the
// trial's start from trials.csv), the estimates pooled over the switches; and
// the fits gap(t) = yinf + (y0 - yinf) exp(-t/tau) (measure fit_gap) and of
// the gate (fit_gate), with tau_m_s of the config.
//
// calibration.csv: CalibrationColumns, the model against Liu et al. (docs/model.md
// section 9; analysis.Calibration): one row per quantity (key): the
// late-learning task redundancy % at n = 14 (monkey R) and at n = 52 (monkey
// G), then, at the subset size of the run's target, the rise over learning,
// I_shuffle late/early minus I_real late/early, I_real late/early, the
// smallest task - passive redundancy % over the sessions after training; the
// mean noise correlation before training and its change, the lowest and the
// highest median Fano factor over the control blocks, and the within-trial
// slope of the gap late - early. "Early" is the control task block before
// training, "late" the mean of those after the last two sessions. role is
// target (of this run's configuration) or reference (the other monkey's
// row); calibrated_to the target's monkey (R: the defaults, G: preset liu-g,
// recognised by its dynamics); liu and target in words, target_lo and
// target_hi the target's bounds (inf for an open end); model with its 95%
// bootstrap interval over trials (model_boot_lo, _hi: the blocks' replicates
// combined replicate by replicate); status pass, fail or n.a. (the reason in
// note); ci_vs_target inside, outside or straddles (the interval against the
// target; empty without one); note the values and blocks behind the row.
//
// network.csv: NetworkColumns, one row per w snapshot (snapshot k is the state
// after the k-th session that ran: 0 before training, S+1, labelled "end",
// after the "after" blocks; with w_final.npy alone one row labelled "final").
// link_cos2_weighted is the w-weighted mean of cos 2(theta_i - theta_j) over
// candidate contacts of neurons i and j; link_cos2_linked the plain mean over
// contacts with w >= threshold; candidate_cos2 the plain mean over all
// contacts (the reference, about 0 for random tuning).
//
// w_hist.csv: WHistColumns: counts of w in equal bins on [0, 1] per snapshot
// (w = 1 in the last bin). islets.csv: IsletColumns: the islet size
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
// The figures (fig1_information ... fig11_reversibility, .png at 150 dpi and
// .svg) and report.md are described in package report.
//
// # Written by iplgpu analyse on a directory of runs
//
// Given several run directories of one configuration with different seeds
// (or a directory holding them), iplgpu analyse writes into that directory
// (not itself a run directory): seeds.csv, SeedsColumns, one row per block,
// coherence, subset size (empty for block-level quantities) and quantity
// (i_real, i_shuffle, redundancy, redundancy_pct, noise_corr, epsilon, fano,
// mean_rate_hz): condition, seeds (runs with a value), mean, sd (n - 1),
// ci_lo and ci_hi (the 95% t interval of the mean across seeds),
// within_halfwidth (the mean over the runs of the half-width of their 95%
// bootstrap intervals) and values (per run, space-separated, in the order of
// seeds.md); seeds_calibration.csv, SeedsCalibrationColumns, the model
// against Liu et al. (docs/model.md section 9) on the mean over the seeds: per
// quantity (the keys of calibration.csv) the runs with a value, mean, sd,
// the 95% t interval of the mean, status and ci_vs_target judged on the mean
// and its interval, runs_passed (runs whose own row passes) and values (per
// run, in the order of seeds.md); seeds.md and fig_seeds (.png, .svg).
//
// # Written by iplgpu merge on a sweep directory
//
// A sweep directory (package sweep: manifest.json, runs/NNNN-.../, one run
// directory per point) gets, from the points that are done: merged.csv, one
// column per swept parameter (named by its -set key, the value as the sweep
// file wrote it), then MergedColumns: one row per condition (grid point
// without the seed) and headline number (analysis.HeadlineNames:
// redundancy_pct_n14, _n20, _n52, i_real, i_shuffle, redundancy,
// task_minus_passive_pct, learning_pct, ablation_pct), with the seeds that
// have a value, their mean, sd (n - 1) and 95% t interval of the mean, and
// the values per seed (space-separated, in seed order, empty for none);
// merged_points.csv, MergedPointsColumns (index, dir relative to the sweep
// directory, seed), the parameters and every headline number, one row per
// point; fig_merge_KEY (.png, .svg) per swept parameter; and merged.md.
package rundir
