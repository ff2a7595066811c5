package viz

import "math"

// TuningColour is the colour of orientation phi (rad): a cyclic map with period
// pi (180 deg), so phi and phi + pi look the same. It mirrors tuningColour in
// shaders/viz_common.glsl: a smooth colour wheel whose channels are raised
// cosines 120 deg apart (red at 0 deg, yellow near 30 deg, green near 60 deg,
// cyan near 90 deg, blue near 120 deg, magenta near 150 deg).
func TuningColour(phi float32) [3]float32 {
	t := float64(phi) / math.Pi
	var c [3]float32
	for i := range c {
		c[i] = float32(0.5 + 0.5*math.Cos(2*math.Pi*(t-float64(i)/3)))
	}
	return c
}

// Hue returns the HSV hue (deg in [0, 360)) of an RGB colour, and false when the
// colour is grey (no hue).
func Hue(r, g, b float64) (float64, bool) {
	hi, lo := max(r, g, b), min(r, g, b)
	d := hi - lo
	if d <= 0 {
		return 0, false
	}
	var h float64
	switch hi {
	case r:
		h = math.Mod((g-b)/d, 6)
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	h *= 60
	if h < 0 {
		h += 360
	}
	return h, true
}

// HueDistance is the difference of two hues (deg), in [0, 180].
func HueDistance(a, b float64) float64 {
	d := math.Mod(math.Abs(a-b), 360)
	return min(d, 360-d)
}
