package model

import "math"

// Exp32 and Cos32 are float32(math.Exp(float64(x))) and
// float32(math.Cos(float64(x))) of a float32 x, bit for bit, at a fraction of
// the cost: the CPU backend recomputes the event mean of every spine at every
// frame, three transcendentals per spine.
//
// Each evaluates the function in float64 by a short polynomial whose error is
// below 2^-44 relative, far inside the window of 2^-36 around the result that
// the rounding test checks. math.Exp and math.Cos are accurate to about one
// float64 ulp (2^-52), so their results lie in the same window. When both ends
// of the window round to the same float32, every value in it does, math's
// result included: that float32 is returned. Otherwise (about one call in
// 3,000, when the value lies near a float32 rounding boundary) the math
// package decides. Outside the ranges that the CPU backend needs (|x| < 87 for
// exp, |x| < 7 for cos, which holds 2 (phi - frame)) the math package decides
// too. TestExp32 and TestCos32 check the equality over millions of arguments;
// a one-off check over every float32 in [-88, 88] (exp) and [-7, 7] (cos), the
// whole of both fast paths, found no difference (the cpuopt report).

const (
	invLn2   = 1.4426950408889634
	pio2Hi   = 1.5707963267341256    // pi/2 to 33 bits: k * pio2Hi is exact for |k| < 2^20
	pio2Lo   = 6.077100506506192e-11 // pi/2 - pio2Hi
	twoOverP = 0.6366197723675814
	roundMag = 0x1.8p52 // adding and subtracting it rounds a float64 below 2^51 to an integer
	winLo    = 1 - 0x1p-36
	winHi    = 1 + 0x1p-36
)

// Exp32 is float32(math.Exp(float64(x32))).
func Exp32(x32 float32) float32 {
	x := float64(x32)
	if !(x > -87 && x < 88) { // float32 overflow, subnormal results, NaN
		return float32(math.Exp(x))
	}
	// x = (64 m + j) ln2/64 + r: exp(x) = 2^m 2^(j/64) exp(r), |r| <= ln2/128.
	k := (x*(64*invLn2) + roundMag) - roundMag
	r := (x - k*ln2o64Hi) - k*ln2o64Lo // error about 1e-14 absolute: ln2o64Lo is rounded
	ki := int64(k)
	// Taylor series to r^5: truncation below 4e-17 relative.
	p := 1 + r*(1+r*(0.5+r*(1.0/6+r*(1.0/24+r*(1.0/120)))))
	y := p * exp2Table[ki&63] * math.Float64frombits(uint64((ki>>6)+1023)<<52)
	if lo := float32(y * winLo); lo == float32(y*winHi) {
		return lo
	}
	return float32(math.Exp(x))
}

// ln2/64 split so that k ln2o64Hi is exact for |k| < 2^16 (31 bits), and
// 2^(j/64) for j = 0..63 (math.Exp2: within a float64 ulp).
var (
	ln2o64Hi  = math.Float64frombits(math.Float64bits(math.Ln2/64) &^ (1<<22 - 1))
	ln2o64Lo  = math.Ln2/64 - ln2o64Hi
	exp2Table = func() (t [64]float64) {
		for j := range t {
			t[j] = math.Exp2(float64(j) / 64)
		}
		return t
	}()
)

// Cos32 is float32(math.Cos(float64(x32))).
func Cos32(x32 float32) float32 {
	x := float64(x32)
	if !(x > -7 && x < 7) { // 2 (phi - frame) lies in (-2 pi, 2 pi)
		return float32(math.Cos(x))
	}
	k := (x*twoOverP + roundMag) - roundMag
	r := (x - k*pio2Hi) - k*pio2Lo // |r| <= pi/4 + a little, error about 1e-26
	r2 := r * r
	var y float64
	switch int64(k) & 3 {
	case 0:
		y = cosPoly(r, r2)
	case 1:
		y = -sinPoly(r, r2)
	case 2:
		y = -cosPoly(r, r2)
	default:
		y = sinPoly(r, r2)
	}
	// The window is relative: near a zero of the cosine both results keep
	// small absolute errors (about 1e-26 here), far below the value of the
	// cosine at the float32 nearest a zero (the one-off check covers every
	// float32 of this range).
	if lo := float32(y * winLo); lo == float32(y*winHi) {
		return lo
	}
	return float32(math.Cos(x))
}

// cosPoly and sinPoly: Taylor series for |r| <= pi/4 + a little, truncation
// below 1e-20 relative.
func cosPoly(r, r2 float64) float64 {
	p := 4.110317623312165e-19
	p = p*r2 - 1.5619206968586225e-16
	p = p*r2 + 4.779477332387385e-14
	p = p*r2 - 1.1470745597729725e-11
	p = p*r2 + 2.08767569878681e-09
	p = p*r2 - 2.755731922398589e-07
	p = p*r2 + 2.48015873015873e-05
	p = p*r2 - 0.001388888888888889
	p = p*r2 + 0.041666666666666664
	p = p*r2 - 0.5
	return 1 + r2*p
}

func sinPoly(r, r2 float64) float64 {
	p := -8.22063524662433e-18
	p = p*r2 + 2.8114572543455206e-15
	p = p*r2 - 7.647163731819816e-13
	p = p*r2 + 1.6059043836821613e-10
	p = p*r2 - 2.505210838544172e-08
	p = p*r2 + 2.7557319223985893e-06
	p = p*r2 - 0.0001984126984126984
	p = p*r2 + 0.008333333333333333
	p = p*r2 - 0.16666666666666666
	return r + r*(r2*p)
}
