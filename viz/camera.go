package viz

import (
	"math"

	"github.com/iplgpu/iplgpu/engine/model"
)

// Camera is an orbit camera: it looks at Target from Distance um away, from
// the direction given by Yaw (about the z axis, from +x) and Pitch (above the
// x-y plane). World z (the slab's depth axis) is up on the screen.
type Camera struct {
	Target     Vec3    // the point looked at (um)
	Distance   float32 // eye to target (um)
	Yaw, Pitch float32 // viewing direction (rad)
	FovY       float32 // vertical field of view (rad)
	// Radius is the radius (um) of the scene around its centre: it sets the clip
	// planes and the depth cue, and bounds the zoom.
	Radius float32
}

// Default view angles of FitCamera: an oblique view from above the slab.
const (
	defaultYaw   = -55 * math.Pi / 180
	defaultPitch = 22 * math.Pi / 180
	defaultFovY  = 40 * math.Pi / 180
	maxPitch     = 89 * math.Pi / 180
)

// FitCamera returns the default view of a network: the box of its somata,
// padded by the spines' typical distance from their soma, centred and filling
// the view. (The spines' own extremes, Gaussian tails, would zoom out too far.)
func FitCamera(net *model.Network) Camera {
	if net.N == 0 {
		return fitBox(Vec3{}, Vec3{float32(net.SlabUm[0]), float32(net.SlabUm[1]), float32(net.SlabUm[2])})
	}
	lo := Vec3{net.SomaX[0], net.SomaY[0], net.SomaZ[0]}
	hi := lo
	for i := range net.SomaX {
		p := Vec3{net.SomaX[i], net.SomaY[i], net.SomaZ[i]}
		for j := range p {
			lo[j], hi[j] = min(lo[j], p[j]), max(hi[j], p[j])
		}
	}
	// The rms offset of spines from their soma, per axis.
	var ss float64
	for k := range net.SpineX {
		i := k / net.M
		d := Vec3{net.SpineX[k] - net.SomaX[i], net.SpineY[k] - net.SomaY[i], net.SpineZ[k] - net.SomaZ[i]}
		ss += float64(d.Dot(d))
	}
	if len(net.SpineX) > 0 {
		pad := float32(math.Sqrt(ss / float64(3*len(net.SpineX))))
		lo, hi = lo.Sub(Vec3{pad, pad, pad}), hi.Add(Vec3{pad, pad, pad})
	}
	return fitBox(lo, hi)
}

func fitBox(lo, hi Vec3) Camera {
	r := max(hi.Sub(lo).Len()/2, 1)
	return Camera{
		Target:   lo.Add(hi).Scale(0.5),
		Distance: r / float32(math.Sin(defaultFovY/2)) * 0.72, // the box's corners may leave the view
		Yaw:      defaultYaw,
		Pitch:    defaultPitch,
		FovY:     defaultFovY,
		Radius:   r,
	}
}

// Eye is the camera position (um).
func (c Camera) Eye() Vec3 {
	cp, sp := math.Cos(float64(c.Pitch)), math.Sin(float64(c.Pitch))
	cy, sy := math.Cos(float64(c.Yaw)), math.Sin(float64(c.Yaw))
	dir := Vec3{float32(cp * cy), float32(cp * sy), float32(sp)}
	return c.Target.Add(dir.Scale(c.Distance))
}

// View is the view matrix.
func (c Camera) View() Mat4 {
	return LookAt(c.Eye(), c.Target, Vec3{0, 0, 1})
}

// NearFar are the clip-plane distances: the scene's sphere with room to spare.
func (c Camera) NearFar() (near, far float32) {
	far = c.Distance + 3*c.Radius
	near = max(c.Distance-3*c.Radius, far/1000)
	return near, far
}

// ViewProj is the view-projection matrix for a viewport of the given aspect
// ratio (width / height).
func (c Camera) ViewProj(aspect float32) Mat4 {
	near, far := c.NearFar()
	return Perspective(c.FovY, aspect, near, far).Mul(c.View())
}

// PixelsPerUm is how many pixels one um spans at one um from the eye, for a
// viewport height px tall: a size s at distance d covers s*PixelsPerUm/d pixels.
func (c Camera) PixelsPerUm(heightPx int) float32 {
	return float32(heightPx) / (2 * float32(math.Tan(float64(c.FovY)/2)))
}

// Orbit turns the view about the target by dYaw and dPitch (rad); the pitch
// stays short of the poles.
func (c *Camera) Orbit(dYaw, dPitch float32) {
	c.Yaw = float32(math.Remainder(float64(c.Yaw+dYaw), 2*math.Pi))
	c.Pitch = min(max(c.Pitch+dPitch, -maxPitch), maxPitch)
}

// Zoom moves the eye towards the target by a factor 0.9 per step (negative steps
// move away), keeping the distance within [0.02, 20] scene radii.
func (c *Camera) Zoom(steps float32) {
	d := c.Distance * float32(math.Pow(0.9, float64(steps)))
	c.Distance = min(max(d, 0.02*c.Radius), 20*c.Radius)
}

// Pan moves the target with the screen by dx, dy pixels (x right, y down) of a
// viewport heightPx tall, so that the point under the cursor follows it.
func (c *Camera) Pan(dx, dy float32, heightPx int) {
	umPerPx := c.Distance / c.PixelsPerUm(heightPx)
	v := c.View()
	right := Vec3{v.At(0, 0), v.At(0, 1), v.At(0, 2)}
	up := Vec3{v.At(1, 0), v.At(1, 1), v.At(1, 2)}
	c.Target = c.Target.Sub(right.Scale(dx * umPerPx)).Add(up.Scale(dy * umPerPx))
}
