// Package model is the description of a run: the configuration (Config:
// strict YAML over the embedded defaults of assets/, validated, each error
// naming the key, the value and the allowed range), the parameters derived
// from it once (Derive: the backends' float32 constants Params, the step
// counts Timing and the host's constants), the network builder (somata,
// spines, tuning, candidate contacts found with a uniform grid, CSR adjacency
// by target spine), the protocol (MakePlan: sessions -> blocks -> trials with
// seeded coherence order and frames) and the memory estimate that refuses a
// network larger than the machine before any work. It imports no backend and
// writes no file.
package model
