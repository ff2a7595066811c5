// Package report renders an analysis (package analysis) into its run
// directory: the CSV tables whose columns package rundir defines, the figures
// and report.md. Write does it all; every file is written whole or not at all
// (rundir.WriteFileAtomic), so it can be rerun on the same directory at any
// time (iplgpu analyse DIR).
//
// Every interval in the figures, the tables and the text is the 95%
// bootstrap interval over trials of package analysis (the report's
// "Uncertainty" paragraph says so), and every claimed difference comes with
// its bootstrap test; no sentence rests on the overlap of intervals.
//
// Figures, each as .png (150 dpi) and .svg: fig1_information (I_real and
// I_shuffle of control task blocks across sessions), fig2_redundancy
// (redundancy %, task vs passive, one panel per subset size), fig3_within_trial (gap against time in the
// trial, earliest vs latest control task block; single bins, 200 ms windows,
// cumulative), fig4_ablation (control vs ablated blocks at the start and the
// end: redundancy %, redundancy, mean rate), fig5_network (w histogram, tuning
// similarity of links, islet count and size, islet size distribution, by
// session), fig6_noise_correlation (mean noise correlation, the
// information-limiting variance epsilon, redundancy % and the median Fano
// factor across sessions, task and passive), fig7_tuning (tuning curves of control
// and ablated blocks), fig8_spatial (the learning-induced increase of pairwise
// redundancy against soma distance for all, linked and unlinked neuron pairs;
// the pairwise redundancy by distance in the earliest and latest task blocks
// and the latest passive block; the multi-unit increase against electrode
// distance when there is a virtual array), fig9_taskcorr (the task-aligned
// correlation matrices, raw and conditioned on the frames, earliest and latest
// control task block), fig10_consistency (gap over the trial with a
// persistent and an independent signal; gap against the recent signal),
// fig11_reversibility (gap and gate trial by trial after each kind of
// switch, with the fitted exponential). A figure without data in the run is
// not drawn; the report says so. WriteSeeds renders a summary across seeds
// (seeds.csv, seeds.md, fig_seeds).
//
// report.md: what was run, the model against Liu et al. (docs/model.md section 9:
// the calibration table of analysis.Calibration, also calibration.csv, with
// the targets missed named in words), the key results as sentences computed
// from the numbers, the figures, per-block and within-trial tables, the network
// summary and the resolved config.
package report
