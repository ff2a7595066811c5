package p

func longTest(a, b, c, d, e, f, g int) {}
