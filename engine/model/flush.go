package model

import "math"

// Flush32 is x with a subnormal flushed to a zero of its sign. The backends
// apply it wherever a stored float32 (or a value that one is computed from)
// can fall below the normal range, which geometric decay does: a GPU that
// flushes subnormals (NVIDIA) and one that keeps them (llvmpipe, Go) then
// store the same bits. The shaders' flush32 (common.glsl) is the same.
func Flush32(x float32) float32 {
	b := math.Float32bits(x)
	if b&0x7f800000 == 0 {
		return math.Float32frombits(b & 0x80000000)
	}
	return x
}
