package viz

import "math"

// Vec3 is a point or direction in world units (um).
type Vec3 [3]float32

// Add returns a + b.
func (a Vec3) Add(b Vec3) Vec3 { return Vec3{a[0] + b[0], a[1] + b[1], a[2] + b[2]} }

// Sub returns a - b.
func (a Vec3) Sub(b Vec3) Vec3 { return Vec3{a[0] - b[0], a[1] - b[1], a[2] - b[2]} }

// Scale returns s a.
func (a Vec3) Scale(s float32) Vec3 { return Vec3{s * a[0], s * a[1], s * a[2]} }

// Dot returns a . b.
func (a Vec3) Dot(b Vec3) float32 { return a[0]*b[0] + a[1]*b[1] + a[2]*b[2] }

// Cross returns a x b.
func (a Vec3) Cross(b Vec3) Vec3 {
	return Vec3{a[1]*b[2] - a[2]*b[1], a[2]*b[0] - a[0]*b[2], a[0]*b[1] - a[1]*b[0]}
}

// Len returns |a|.
func (a Vec3) Len() float32 { return float32(math.Sqrt(float64(a.Dot(a)))) }

// Normalize returns a / |a|, or a itself when it is zero.
func (a Vec3) Normalize() Vec3 {
	l := a.Len()
	if l == 0 {
		return a
	}
	return a.Scale(1 / l)
}

// Mat4 is a 4x4 matrix in OpenGL's column-major order: element (row r, column c)
// is m[4c+r], so a Mat4 goes to glUniformMatrix4fv without transposing.
type Mat4 [16]float32

// Identity returns the identity matrix.
func Identity() Mat4 {
	return Mat4{0: 1, 5: 1, 10: 1, 15: 1}
}

// At returns the element in row r, column c.
func (m Mat4) At(r, c int) float32 { return m[4*c+r] }

// Mul returns the product m n (n is applied first to a column vector).
func (m Mat4) Mul(n Mat4) Mat4 {
	var p Mat4
	for c := 0; c < 4; c++ {
		for r := 0; r < 4; r++ {
			var s float32
			for k := 0; k < 4; k++ {
				s += m[4*k+r] * n[4*c+k]
			}
			p[4*c+r] = s
		}
	}
	return p
}

// MulVec4 returns m v.
func (m Mat4) MulVec4(v [4]float32) [4]float32 {
	var p [4]float32
	for r := 0; r < 4; r++ {
		p[r] = m[r]*v[0] + m[4+r]*v[1] + m[8+r]*v[2] + m[12+r]*v[3]
	}
	return p
}

// Perspective is gluPerspective: a right-handed view looking down -z, vertical
// field of view fovyRad, aspect width/height, near and far planes at distances
// near and far (> 0), mapped to clip-space depth -1 and +1.
func Perspective(fovyRad, aspect, near, far float32) Mat4 {
	f := float32(1 / math.Tan(float64(fovyRad)/2))
	return Mat4{
		0:  f / aspect,
		5:  f,
		10: (far + near) / (near - far),
		11: -1,
		14: 2 * far * near / (near - far),
	}
}

// LookAt is gluLookAt: the view matrix of an eye at eye looking at center, with
// up giving the screen's vertical direction.
func LookAt(eye, center, up Vec3) Mat4 {
	f := center.Sub(eye).Normalize()
	s := f.Cross(up).Normalize()
	u := s.Cross(f)
	return Mat4{
		s[0], u[0], -f[0], 0,
		s[1], u[1], -f[1], 0,
		s[2], u[2], -f[2], 0,
		-s.Dot(eye), -u.Dot(eye), f.Dot(eye), 1,
	}
}

// Project maps a world point through the view-projection m to window pixels of
// a width x height viewport, with y growing downwards as in an image. ok is false
// for a point behind the eye.
func (m Mat4) Project(p Vec3, width, height int) (x, y float32, ok bool) {
	c := m.MulVec4([4]float32{p[0], p[1], p[2], 1})
	if c[3] <= 0 {
		return 0, 0, false
	}
	nx, ny := c[0]/c[3], c[1]/c[3]
	return (nx + 1) / 2 * float32(width), (1 - ny) / 2 * float32(height), true
}
