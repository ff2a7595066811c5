// Package engine is the IPL model of MODEL.md: configuration, network
// construction, the protocol, the Backend interface with the pure-Go CPU
// reference backend, and the recording of a run directory.
//
// Data flow: LoadConfig (YAML, strict, validated, defaults embedded from assets/)
// -> BuildNetwork (somata, spines, tuning, candidate contacts by a uniform grid,
// CSR adjacency by target spine) -> MakePlan (sessions -> blocks -> trials with
// seeded coherence order and frames) -> a Backend stepping one Segment (a trial)
// at a time -> the recorder streaming responses.npy, trials.csv and the rest.
// Simulate does all of it.
//
// Contracts:
//   - Every random number comes from engine/rng (Philox4x32-10) keyed by the run
//     seed and indexed by (step, element, purpose): a run is reproducible bit for
//     bit on one backend, and the GL backend draws the same numbers.
//   - The host owns the protocol, the top-down gate m (a deterministic function of
//     the mode history, handed to the backend per step) and homeostasis; the
//     backend owns the per-spine, per-edge and per-neuron state.
//   - State is float32 on every backend; Params holds the float32 constants that
//     every backend uses, rounded once.
//   - Spines are sorted by owner: spine k belongs to neuron k / M.
//   - Units: positions um, orientations rad in [0, pi), times in the config carry
//     their unit in the key (dt_ms, tau_m_s), rates Hz.
package engine
