package glbackend

// DenseCouplingStep implements engine.DenseCoupler with the context's dense
// product (gl.Context.DenseMatVec).
func (b *Backend) DenseCouplingStep(n, reps int) (float64, error) {
	return b.c.DenseMatVec(n, reps)
}
