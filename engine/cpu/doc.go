// Package cpu is the pure-Go reference backend of engine.Backend: every
// equation of docs/model.md sections 5 and 6 on float32 state, parallel over a fixed number
// of workers, with results bit-identical for any worker count. The GL backend
// is tested against it (engine/glbackend's parity tests); both pass
// engine/enginetest.
package cpu
