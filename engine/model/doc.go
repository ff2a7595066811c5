// Package model is the description of a run: the configuration (Config:
// strict YAML over the embedded defaults of assets/, validated, each error
// naming the key, the value and the allowed range), the parameters derived
// from it once (Derive: the backends' float32 constants Params, the step
// counts Timing and the host's constants), the network builder (somata,
// spines, tuning, candidate contacts found with a uniform grid, CSR adjacency
// by target spine), the protocol (MakePlan: sessions -> blocks -> trials with
// seeded coherence order and frames), what a config implies (Imply: the slab,
// the expected contacts, the steps, the trials and the bytes of every large
// array; Validate refuses implications that cannot run, naming the key) and
// the checks that refuse a run larger than the machine's memory or disk
// before any work (CheckMemory, CheckAnalysisMemory, CheckDisk). Integer keys
// are parsed strictly: YAML's silent truncation, octal and wrap-around are
// refused, as are empty values and a second document. It imports no backend and
// writes no file.
package model
