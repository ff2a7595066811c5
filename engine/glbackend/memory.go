package glbackend

// DeviceBytes is the device memory that Load allocates for a network of the
// given size (the arrays of specs: nine floats and a row pointer per spine,
// two CSR entries of 8 bytes, the endpoints and (w, e) per edge, three floats per
// neuron), so that a size can be checked before its network is built. A
// segment's counts and gate values come on top (kilobytes to megabytes).
func DeviceBytes(spines, edges, neurons int64) int64 {
	return spines*11*4 + 4*(spines+1) + 2*edges*8 + edges*8 + edges*8 + neurons*3*4
}

// DeviceMemory returns the device's memory and the part free now, where the
// driver says (see gl.Context.DeviceMemory).
func (b *Backend) DeviceMemory() (total, free int64, ok bool) {
	return b.c.DeviceMemory()
}
