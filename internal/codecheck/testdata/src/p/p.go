package p

func short(a, b int) int {
	return a + b
}

type T struct{}

func (t *T) method(a, b, c int, d string, e, f float64, _ bool) {
	_ = a
	_ = d
	_ = e
}
