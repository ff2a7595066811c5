package viz

import (
	"math"
	"testing"
)

func near(a, b, tol float32) bool { return float32(math.Abs(float64(a-b))) <= tol }

func checkMat(t *testing.T, name string, got, want Mat4) {
	t.Helper()
	for i := range got {
		if !near(got[i], want[i], 1e-6) {
			t.Errorf("%s: element %d (row %d, column %d) = %g, want %g\ngot  %v\nwant %v", name, i, i%4, i/4, got[i], want[i], got, want)
			return
		}
	}
}

func checkVec(t *testing.T, name string, got, want [4]float32) {
	t.Helper()
	for i := range got {
		if !near(got[i], want[i], 1e-5) {
			t.Errorf("%s = %v, want %v", name, got, want)
			return
		}
	}
}

// The helpers against values worked out by hand.
func TestMat4(t *testing.T) {
	// Perspective(90 deg, aspect 2, near 1, far 3): f = 1/tan(45 deg) = 1,
	// [f/2 0 0 0; 0 f 0 0; 0 0 (3+1)/(1-3) 2*3*1/(1-3); 0 0 -1 0], column-major.
	checkMat(t, "Perspective", Perspective(math.Pi/2, 2, 1, 3), Mat4{
		0.5, 0, 0, 0,
		0, 1, 0, 0,
		0, 0, -2, -1,
		0, 0, -3, 0,
	})
	p := Perspective(math.Pi/2, 2, 1, 3)
	checkVec(t, "near plane point", p.MulVec4([4]float32{0, 0, -1, 1}), [4]float32{0, 0, -1, 1})
	checkVec(t, "far plane point", p.MulVec4([4]float32{0, 0, -3, 1}), [4]float32{0, 0, 3, 3})

	// An eye at (0, 0, 5) looking at the origin with y up is a translation by -5 in z.
	checkMat(t, "LookAt along -z", LookAt(Vec3{0, 0, 5}, Vec3{}, Vec3{0, 1, 0}), Mat4{
		1, 0, 0, 0,
		0, 1, 0, 0,
		0, 0, 1, 0,
		0, 0, -5, 1,
	})
	// An eye at (1, 0, 0) looking at the origin with z up: forward f = (-1, 0, 0),
	// side s = f x up = (0, 1, 0), up u = s x f = (0, 0, 1); rows s, u, -f and the
	// translation (-s.eye, -u.eye, f.eye) = (0, 0, -1).
	l := LookAt(Vec3{1, 0, 0}, Vec3{}, Vec3{0, 0, 1})
	checkMat(t, "LookAt along -x", l, Mat4{
		0, 0, 1, 0,
		1, 0, 0, 0,
		0, 1, 0, 0,
		0, 0, -1, 1,
	})
	checkVec(t, "world +y in view", l.MulVec4([4]float32{0, 1, 0, 1}), [4]float32{1, 0, -1, 1})

	// Scale(2, 3, 4) times Translate(1, 2, 3): the translation is scaled.
	scale := Mat4{0: 2, 5: 3, 10: 4, 15: 1}
	translate := Identity()
	translate[12], translate[13], translate[14] = 1, 2, 3
	checkMat(t, "Scale*Translate", scale.Mul(translate), Mat4{
		2, 0, 0, 0,
		0, 3, 0, 0,
		0, 0, 4, 0,
		2, 6, 12, 1,
	})
	checkMat(t, "Translate*Scale", translate.Mul(scale), Mat4{
		2, 0, 0, 0,
		0, 3, 0, 0,
		0, 0, 4, 0,
		1, 2, 3, 1,
	})
	// A general product: A = [1 2 0 0; 0 1 0 0; 0 0 1 0; 0 0 0 1], B = its
	// transpose; A B = [5 2 0 0; 2 1 0 0; ...].
	a := Identity()
	a[4] = 2 // row 0, column 1
	b := Identity()
	b[1] = 2 // row 1, column 0
	checkMat(t, "A*B", a.Mul(b), Mat4{5, 2, 0, 0, 2, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1})
	checkMat(t, "I*A", Identity().Mul(a), a)

	// Project: 90 deg square view from the origin down -z, 100 x 100 pixels.
	vp := Perspective(math.Pi/2, 1, 1, 10)
	for _, tc := range []struct {
		p    Vec3
		x, y float32
		ok   bool
	}{
		{Vec3{0, 0, -2}, 50, 50, true},
		{Vec3{1, 1, -2}, 75, 25, true},     // ndc (0.5, 0.5): right and up
		{Vec3{-2, -1, -4}, 25, 62.5, true}, // ndc (-0.5, -0.25)
		{Vec3{0, 0, 2}, 0, 0, false},       // behind the eye
	} {
		x, y, ok := vp.Project(tc.p, 100, 100)
		if ok != tc.ok || (ok && (!near(x, tc.x, 1e-4) || !near(y, tc.y, 1e-4))) {
			t.Errorf("Project(%v) = (%g, %g, %v), want (%g, %g, %v)", tc.p, x, y, ok, tc.x, tc.y, tc.ok)
		}
	}
}

func TestCamera(t *testing.T) {
	c := fitBox(Vec3{0, 0, 0}, Vec3{200, 200, 100})
	if c.Target != (Vec3{100, 100, 50}) || !near(c.Radius, 150, 1e-3) {
		t.Fatalf("fitBox: target %v radius %g", c.Target, c.Radius)
	}
	const w, h = 800, 600
	vp := c.ViewProj(float32(w) / h)
	x, y, ok := vp.Project(c.Target, w, h)
	if !ok || !near(x, w/2, 1e-3) || !near(y, h/2, 1e-3) {
		t.Errorf("the target projects to (%g, %g, %v), want the centre", x, y, ok)
	}
	if d := c.Eye().Sub(c.Target).Len(); !near(d, c.Distance, 1e-2) {
		t.Errorf("eye %g um from the target, want %g", d, c.Distance)
	}
	// Panning by (dx, dy) pixels moves what was at the centre by (dx, dy).
	p := c
	p.Pan(40, -30, h)
	x, y, _ = p.ViewProj(float32(w)/h).Project(c.Target, w, h)
	if !near(x, w/2+40, 0.05) || !near(y, h/2-30, 0.05) {
		t.Errorf("after Pan(40, -30) the old target is at (%g, %g), want (%g, %g)", x, y, float32(w/2+40), float32(h/2-30))
	}
	o := c
	o.Orbit(0.3, 10)
	if !near(o.Pitch, maxPitch, 1e-6) || !near(o.Yaw, c.Yaw+0.3, 1e-6) {
		t.Errorf("Orbit: yaw %g pitch %g, want %g and the pole limit %g", o.Yaw, o.Pitch, c.Yaw+0.3, float32(maxPitch))
	}
	z := c
	z.Zoom(1)
	if !near(z.Distance, 0.9*c.Distance, 1e-3) {
		t.Errorf("Zoom(1): distance %g, want %g", z.Distance, 0.9*c.Distance)
	}
	z.Zoom(-1000)
	if !near(z.Distance, 20*c.Radius, 1e-2) {
		t.Errorf("Zoom(-1000): distance %g, want the limit %g", z.Distance, 20*c.Radius)
	}
}

func TestTuningColour(t *testing.T) {
	for _, deg := range []float64{0, 10, 45, 90, 135, 170} {
		phi := float32(deg * math.Pi / 180)
		a, b := TuningColour(phi), TuningColour(phi+math.Pi)
		for i := range a {
			if !near(a[i], b[i], 1e-5) || a[i] < 0 || a[i] > 1 {
				t.Errorf("TuningColour(%g deg) = %v, of +180 deg %v: want equal, in [0, 1]", deg, a, b)
			}
		}
	}
	// The hue goes once round the wheel over 180 deg of orientation.
	prev := -1.0
	for deg := 0.0; deg < 180; deg += 5 {
		c := TuningColour(float32(deg * math.Pi / 180))
		h, ok := Hue(float64(c[0]), float64(c[1]), float64(c[2]))
		if !ok {
			t.Fatalf("TuningColour(%g deg) = %v has no hue", deg, c)
		}
		if HueDistance(h, 2*deg) > 8 {
			t.Errorf("TuningColour(%g deg) has hue %.1f, want about %g", deg, h, 2*deg)
		}
		if h < prev {
			t.Errorf("hue not increasing at %g deg: %.1f after %.1f", deg, h, prev)
		}
		prev = h
	}
	if h, _ := Hue(0, 0, 1); h != 240 {
		t.Errorf("Hue(blue) = %g", h)
	}
	if HueDistance(350, 10) != 20 {
		t.Errorf("HueDistance(350, 10) = %g", HueDistance(350, 10))
	}
}
