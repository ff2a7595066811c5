// Package engine runs the IPL model of docs/model.md: the Backend interface that
// every backend implements (engine/cpu, the reference, and engine/glbackend),
// the Segment a backend steps, and Simulate, the run loop that turns a
// configuration into a run directory.
//
// Data flow: model.LoadConfig (YAML, strict, validated, defaults embedded from
// assets/) -> model.Derive (the backends' constants and the step counts, once)
// -> model.BuildNetwork (somata, spines, tuning, candidate contacts by a
// uniform grid, CSR adjacency by target spine) -> model.MakePlan (sessions ->
// blocks -> trials with seeded coherence order and frames) -> a Backend
// stepping one Segment (a trial) at a time -> a Recorder taking each trial's
// counts, the checkpoints and the status. Simulate does all of it; the engine
// writes no file itself: rundir.Writer is the Recorder that writes a run
// directory (package simrun joins the two), and analysis and report read the
// directory afterwards.
//
// Contracts:
//   - Every random number comes from engine/rng (Philox4x32-10) keyed by the run
//     seed and indexed by (step, element, purpose): a run is reproducible bit for
//     bit on one backend, and the GL backend draws the same numbers.
//   - The host owns the protocol, the top-down gate m (a deterministic function of
//     the mode history, handed to the backend per step), the shared gain G (one
//     OU process for the population, handed over per step) and homeostasis; the
//     backend owns the per-spine, per-edge and per-neuron state.
//   - State is float32 on every backend; model.Params holds the float32
//     constants that every backend uses, rounded once.
//   - Spines are sorted by owner: spine k belongs to neuron k / M.
//   - Units: positions um, orientations rad in [0, pi), times in the config carry
//     their unit in the key (dt_ms, tau_m_s), rates Hz.
//   - engine imports no GL: the GL layer (engine/gl) and the GL backend
//     (engine/glbackend) are the only importers of go-gl besides viz/.
package engine
