// Package cpu is the pure-Go reference backend of engine.Backend: every
// equation of MODEL.md section 4 on float32 state, parallel over a fixed number
// of workers, with results bit-identical for any worker count. The GL backend
// is tested against it (engine/glbackend's parity tests); both pass
// engine/enginetest.
package cpu
