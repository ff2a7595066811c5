package viz

import (
	"errors"
	"fmt"
	"image"
	"math"

	ogl "github.com/go-gl/gl/v4.3-core/gl"

	"github.com/iplgpu/iplgpu/engine/gl"
	"github.com/iplgpu/iplgpu/engine/glbackend"
	"github.com/iplgpu/iplgpu/engine/model"
)

// Style says what a frame shows and how.
type Style struct {
	// Threshold is the islet threshold: links are drawn where the structural
	// weight w is above it.
	Threshold float32
	Links     bool // draw links (edges with w > Threshold)
	Spines    bool // draw spines
	Somata    bool // draw somata
	Legend    bool // draw the orientation colour key (bottom left)

	SpineUm   float32 // diameter (um) of a resting spine's point
	SomaUm    float32 // diameter (um) of a soma's ring
	SRef      float32 // spine potential s drawn at full brightness and size
	LinkPx    float32 // link width (pixels) at w = 1
	LinkGain  float32 // link brightness at w = 1
	SpineGain float32 // spine brightness
	SomaGain  float32 // soma brightness

	Background [3]float32 // clear colour (linear RGB in [0, 1])
}

// DefaultThreshold is the islet threshold on w that the viewer starts with.
const DefaultThreshold = 0.2

// DefaultStyle shows spines, links above DefaultThreshold, somata and the key
// on a dark background.
func DefaultStyle() Style {
	return Style{
		Threshold:  DefaultThreshold,
		Links:      true,
		Spines:     true,
		Somata:     true,
		Legend:     true,
		SpineUm:    6,
		SomaUm:     12,
		SRef:       0.3,
		LinkPx:     3.5,
		LinkGain:   1.2,
		SpineGain:  0.9,
		SomaGain:   0.12,
		Background: [3]float32{0.012, 0.014, 0.028},
	}
}

// Renderer draws a network straight from a GL backend's device buffers (spine
// positions, potentials s, edge ends and state w): it must live in the
// backend's Context. Its methods that say so run inside Context.Do; the others
// call Do themselves. A Renderer is not safe for concurrent use.
type Renderer struct {
	c *gl.Context

	spines, somata, links, legend *gl.Program
	count                         *gl.Program
	vao                           uint32

	net      *model.Network
	phi      *gl.Buffer // spine tuning (rad), float per spine
	soma     *gl.Buffer // (x, y, z, theta) per neuron
	sShown   *gl.Buffer // the spine potentials to show (a snapshot), nil: the backend's S
	linked   *gl.Buffer // uint per spine: 1 if in a link (viz_links.comp)
	linkBuf  *gl.Buffer // the draw command of the links: 6 x their count, 1, 0, 0 (viz_links.comp)
	linkList *gl.Buffer // (A, B, w) per link, up to linkCap (viz_links.comp)
	linkCap  int
	hasShown bool

	ov   overlay
	hud  *HUD // drawn over the scene when set (SetHUD)
	help bool

	fbo                 uint32 // offscreen target of Image
	fboColour, fboDepth uint32
	fboW, fboH          int
}

// Storage block names of viz_common.glsl and viz_links.comp.
const (
	blockSpineX   = "VizSpineX"
	blockSpineY   = "VizSpineY"
	blockSpineZ   = "VizSpineZ"
	blockSpineS   = "VizSpineS"
	blockSpinePhi = "VizSpinePhi"
	blockSomata   = "VizSomata"
	blockLinked   = "VizLinked"
	blockLinkList = "VizLinkList"
)

// NewRenderer compiles the render shaders in c. It fails, saying what is
// missing, where the GL cannot read storage buffers in vertex shaders.
func NewRenderer(c *gl.Context) (*Renderer, error) {
	r := &Renderer{c: c}
	err := c.Do(func() error {
		var blocks int32
		ogl.GetIntegerv(ogl.MAX_VERTEX_SHADER_STORAGE_BLOCKS, &blocks)
		if blocks < 6 {
			return fmt.Errorf("viz: drawing from the simulation's buffers needs 6 shader storage blocks in vertex shaders; %s has %d (GL_MAX_VERTEX_SHADER_STORAGE_BLOCKS)", c.Info().Renderer, blocks)
		}
		var err error
		if r.spines, err = newProgram(c, "viz_spines.vert", "viz_points.frag"); err != nil {
			return err
		}
		if r.somata, err = newProgram(c, "viz_somata.vert", "viz_points.frag"); err != nil {
			return err
		}
		if r.links, err = newProgram(c, "viz_links.vert", "viz_links.frag"); err != nil {
			return err
		}
		if r.legend, err = newProgram(c, "viz_legend.vert", "viz_legend.frag"); err != nil {
			return err
		}
		if r.ov.prog, err = newProgram(c, "viz_overlay.vert", "viz_overlay.frag"); err != nil {
			return err
		}
		if r.count, err = c.NewProgram("viz_links.comp", nil); err != nil {
			return err
		}
		if r.linkBuf, err = c.NewBuffer("viz link draw command", 16); err != nil {
			return err
		}
		// Core profiles draw only with a vertex array bound, even one without
		// attributes: every vertex here reads storage buffers by gl_VertexID.
		ogl.GenVertexArrays(1, &r.vao)
		return c.CheckError("creating the renderer")
	})
	if err != nil {
		r.Delete()
		return nil, err
	}
	return r, nil
}

// Delete frees the renderer's GL objects. Safe on a partly built Renderer and
// after the Context closed.
func (r *Renderer) Delete() {
	// On a closed Context (ErrClosed) the objects died with it.
	_ = r.c.Do(func() error {
		for _, p := range []*gl.Program{r.spines, r.somata, r.links, r.legend, r.count} {
			if p != nil {
				p.Delete()
			}
		}
		r.freeNetwork()
		r.ov.delete()
		if r.linkBuf != nil {
			r.linkBuf.Delete()
			r.linkBuf = nil
		}
		if r.vao != 0 {
			ogl.DeleteVertexArrays(1, &r.vao)
			r.vao = 0
		}
		r.freeTarget()
		return nil
	})
}

func (r *Renderer) freeNetwork() {
	for _, b := range []**gl.Buffer{&r.phi, &r.soma, &r.sShown, &r.linked, &r.linkList} {
		if *b != nil {
			(*b).Delete()
			*b = nil
		}
	}
	r.net, r.hasShown, r.linkCap = nil, false, 0
}

// maxListedLinks caps the link list (16 bytes a link): links beyond it are
// counted but not drawn. Islets are a small share of the candidate contacts.
const maxListedLinks = 1 << 22

// SetNetwork uploads the static anatomy the backend's buffers lack (spine
// tuning, somata) for net, the network loaded into the backend. Call inside Do.
func (r *Renderer) SetNetwork(net *model.Network) error {
	r.freeNetwork()
	S, N := net.Spines(), net.N
	var err error
	if r.phi, err = r.c.NewBuffer("viz spine tuning", 4*S); err != nil {
		return err
	}
	if r.soma, err = r.c.NewBuffer("viz somata", 16*N); err != nil {
		return err
	}
	if r.sShown, err = r.c.NewBuffer("viz spine potentials shown", 4*S); err != nil {
		return err
	}
	if r.linked, err = r.c.NewBuffer("viz linked spines", 4*S); err != nil {
		return err
	}
	r.linkCap = max(1, min(net.Edges(), maxListedLinks))
	if r.linkList, err = r.c.NewBuffer("viz link list", 16*r.linkCap); err != nil {
		return err
	}
	soma := make([]float32, 4*N)
	for i := 0; i < N; i++ {
		soma[4*i], soma[4*i+1], soma[4*i+2], soma[4*i+3] = net.SomaX[i], net.SomaY[i], net.SomaZ[i], net.Theta[i]
	}
	if err := errors.Join(gl.Upload(r.phi, 0, net.Phi), gl.Upload(r.soma, 0, soma)); err != nil {
		return err
	}
	r.net = net
	return nil
}

// SetHUD makes Draw draw the heads-up display of h over the scene (nil: none),
// with the list of keys when help is set. Call inside Do.
func (r *Renderer) SetHUD(h *HUD, help bool) {
	r.hud, r.help = h, help
}

// Network is the network set by SetNetwork (nil before).
func (r *Renderer) Network() *model.Network { return r.net }

// SnapshotPotentials copies the backend's spine potentials s, on the device, into
// the renderer's own buffer, which Draw shows from then on: the viewer takes
// them at the end of a trial's stimulus, before the inter-trial interval
// relaxes them. Call inside Do.
func (r *Renderer) SnapshotPotentials(bufs glbackend.Buffers) {
	if r.sShown == nil || bufs.S == nil {
		return
	}
	r.sShown.CopyFrom(bufs.S, min(bufs.S.Size(), r.sShown.Size()))
	r.hasShown = true
}

// findLinks runs viz_links.comp: it lists the edges with w above threshold
// in linkList, counts them in the draw command linkBuf and marks their spines
// in linked. Call inside Do.
func (r *Renderer) findLinks(bufs glbackend.Buffers, threshold float32) error {
	if err := gl.Upload(r.linkBuf, 0, []uint32{0, 1, 0, 0}); err != nil {
		return err
	}
	r.linked.Clear()
	if r.net.Edges() == 0 {
		return nil
	}
	ogl.MemoryBarrier(ogl.SHADER_STORAGE_BARRIER_BIT | ogl.BUFFER_UPDATE_BARRIER_BIT)
	if err := errors.Join(
		r.count.Bind("VizCountEdgeState", bufs.EdgeState),
		r.count.Bind("VizCountEdgeSpines", bufs.EdgeSpines),
		r.count.Bind("VizLinkCount", r.linkBuf),
		r.count.Bind("VizLinkedSpines", r.linked),
		r.count.Bind("VizLinkListOut", r.linkList),
	); err != nil {
		return err
	}
	r.count.SetFloat("uThreshold", threshold)
	r.count.SetUint("uLinkCap", uint32(r.linkCap))
	r.count.Dispatch1D(r.net.Edges())
	r.c.Barrier()
	return nil
}

// LinkCount returns the number of links (edges with w above the threshold) in
// the last frame drawn; four bytes come back from the device. Call inside Do.
func (r *Renderer) LinkCount() (int, error) {
	n := []uint32{0}
	if err := gl.Download(r.linkBuf, 0, n); err != nil {
		return 0, err
	}
	return int(n[0] / 6), nil
}

// bind binds buf at the program's binding point of block, if the program uses
// the block (the compiler drops unused ones) and buf is not nil.
func bind(p *gl.Program, block string, buf *gl.Buffer) {
	if buf != nil {
		_ = p.Bind(block, buf) // an error means only that the block was dropped
	}
}

// useCamera makes p the current program and sets the per-frame uniforms of
// viz_common.glsl.
func useCamera(p *gl.Program, cam Camera, width, height int) {
	ogl.UseProgram(p.ID())
	eye := cam.Eye()
	p.SetMat4("uViewProj", cam.ViewProj(float32(width)/float32(height)))
	p.SetVec3("uEye", eye[0], eye[1], eye[2])
	p.SetVec2("uViewport", float32(width), float32(height))
	p.SetFloat("uPxPerUm", cam.PixelsPerUm(height))
	p.SetVec2("uFog", cam.Distance-cam.Radius, cam.Distance+cam.Radius)
}

// Draw draws a frame of the loaded network into the bound framebuffer, whose
// size is width x height pixels, reading positions, potentials and w from
// bufs (Backend.Buffers()). Call inside Do, after SetNetwork.
func (r *Renderer) Draw(bufs glbackend.Buffers, st Style, cam Camera, width, height int) error {
	if width <= 0 || height <= 0 {
		return nil
	}
	ogl.Viewport(0, 0, int32(width), int32(height))
	bg := st.Background
	ogl.ClearColor(bg[0], bg[1], bg[2], 1)
	ogl.Clear(ogl.COLOR_BUFFER_BIT | ogl.DEPTH_BUFFER_BIT)
	if r.net == nil || bufs.SpineX == nil {
		return r.c.CheckError("drawing an empty frame")
	}
	// The compute passes wrote the buffers as storage; make the writes visible to
	// the vertex shaders' storage reads.
	ogl.MemoryBarrier(ogl.SHADER_STORAGE_BARRIER_BIT)
	// Additive blending of premultiplied colours, no depth test: the drawing
	// order does not matter and overlapping spines add up like light.
	ogl.Disable(ogl.DEPTH_TEST)
	ogl.Disable(ogl.CULL_FACE)
	ogl.Enable(ogl.BLEND)
	ogl.BlendEquation(ogl.FUNC_ADD)
	ogl.BlendFunc(ogl.ONE, ogl.ONE)
	ogl.Enable(ogl.PROGRAM_POINT_SIZE)
	ogl.BindVertexArray(r.vao)
	s := bufs.S
	if r.hasShown {
		s = r.sShown
	}
	S, E, N := r.net.Spines(), r.net.Edges(), r.net.N
	if err := r.findLinks(bufs, st.Threshold); err != nil {
		return err
	}

	if st.Somata && N > 0 {
		p := r.somata
		useCamera(p, cam, width, height)
		p.SetFloat("uSomaUm", st.SomaUm)
		p.SetFloat("uSomaGain", st.SomaGain)
		bind(p, blockSomata, r.soma)
		ogl.DrawArrays(ogl.POINTS, 0, int32(N))
	}
	if st.Links && E > 0 && st.Threshold < 1 {
		p := r.links
		useCamera(p, cam, width, height)
		p.SetUint("uLinkCap", uint32(r.linkCap))
		p.SetFloat("uLinkGain", st.LinkGain)
		p.SetFloat("uLinkPx", st.LinkPx)
		bind(p, blockSpineX, bufs.SpineX)
		bind(p, blockSpineY, bufs.SpineY)
		bind(p, blockSpineZ, bufs.SpineZ)
		bind(p, blockSpinePhi, r.phi)
		bind(p, blockLinkList, r.linkList)
		// Six vertices per link found this frame: the command viz_links.comp
		// wrote, read by the device without a trip to the host.
		ogl.MemoryBarrier(ogl.COMMAND_BARRIER_BIT | ogl.SHADER_STORAGE_BARRIER_BIT)
		ogl.BindBuffer(ogl.DRAW_INDIRECT_BUFFER, r.linkBuf.ID())
		ogl.DrawArraysIndirect(ogl.TRIANGLES, nil)
		ogl.BindBuffer(ogl.DRAW_INDIRECT_BUFFER, 0)
	}
	if st.Spines && S > 0 {
		p := r.spines
		useCamera(p, cam, width, height)
		p.SetFloat("uSpineUm", st.SpineUm)
		p.SetFloat("uSRef", st.SRef)
		p.SetFloat("uSpineGain", st.SpineGain)
		highlight := float32(0)
		if st.Links && E > 0 {
			highlight = 1
		}
		p.SetFloat("uHighlight", highlight)
		bind(p, blockSpineX, bufs.SpineX)
		bind(p, blockSpineY, bufs.SpineY)
		bind(p, blockSpineZ, bufs.SpineZ)
		bind(p, blockSpineS, s)
		bind(p, blockSpinePhi, r.phi)
		bind(p, blockLinked, r.linked)
		ogl.DrawArrays(ogl.POINTS, 0, int32(S))
	}
	if st.Legend {
		r.drawLegend(width, height)
	}
	if r.hud != nil {
		p := OverlayParams{Width: width, Height: height, HUD: *r.hud, Help: r.help, Legend: st.Legend,
			PxPerUm: float64(cam.PixelsPerUm(height) / max(cam.Distance, 1e-6))}
		if err := r.ov.draw(p); err != nil {
			return err
		}
	}
	ogl.BindVertexArray(0)
	ogl.UseProgram(0)
	ogl.Disable(ogl.BLEND)
	return r.c.CheckError("drawing a frame")
}

// drawLegend draws the orientation colour key: a half ring whose colour at
// screen angle a (0 to 180 deg, counter-clockwise from the right) is the colour
// of orientation a, in the bottom-left corner. Call inside Do.
func (r *Renderer) drawLegend(width, height int) {
	const segments = 90
	p := r.legend
	radius := float32(math.Round(float64(min(width, height)) * 0.07))
	if radius < 12 {
		return
	}
	ogl.UseProgram(p.ID())
	p.SetVec2("uViewport", float32(width), float32(height))
	p.SetVec2("uCentre", radius+14, 14)
	p.SetFloat("uRadius", radius)
	p.SetInt("uSegments", segments)
	ogl.DrawArrays(ogl.TRIANGLES, 0, 6*segments)
}

// Image draws a frame as Draw does into an offscreen framebuffer of width x
// height pixels and reads it back as an image (top row first, alpha 255).
// Call inside Do.
func (r *Renderer) Image(bufs glbackend.Buffers, st Style, cam Camera, width, height int) (*image.RGBA, error) {
	if width <= 0 || height <= 0 {
		return nil, fmt.Errorf("viz: image of %d x %d pixels", width, height)
	}
	if err := r.target(width, height); err != nil {
		return nil, err
	}
	var prev int32
	ogl.GetIntegerv(ogl.DRAW_FRAMEBUFFER_BINDING, &prev)
	ogl.BindFramebuffer(ogl.FRAMEBUFFER, r.fbo)
	defer ogl.BindFramebuffer(ogl.FRAMEBUFFER, uint32(prev))
	if err := r.Draw(bufs, st, cam, width, height); err != nil {
		return nil, err
	}
	return readPixels(width, height)
}

// readPixels reads the bound read framebuffer's colour into an image. Call
// inside Do.
func readPixels(width, height int) (*image.RGBA, error) {
	pix := make([]byte, 4*width*height)
	ogl.PixelStorei(ogl.PACK_ALIGNMENT, 1)
	ogl.ReadPixels(0, 0, int32(width), int32(height), ogl.RGBA, ogl.UNSIGNED_BYTE, ogl.Ptr(pix))
	if code := ogl.GetError(); code != ogl.NO_ERROR {
		return nil, fmt.Errorf("viz: glReadPixels of %d x %d: GL error 0x%04x", width, height, code)
	}
	img := image.NewRGBA(image.Rect(0, 0, width, height))
	row := 4 * width
	for y := 0; y < height; y++ { // GL's first row is the bottom one
		copy(img.Pix[y*img.Stride:y*img.Stride+row], pix[(height-1-y)*row:(height-y)*row])
	}
	for i := 3; i < len(img.Pix); i += 4 {
		img.Pix[i] = 255
	}
	return img, nil
}

// target (re)makes the offscreen framebuffer at width x height. Call inside Do.
func (r *Renderer) target(width, height int) error {
	if r.fbo != 0 && r.fboW == width && r.fboH == height {
		return nil
	}
	r.freeTarget()
	ogl.GenFramebuffers(1, &r.fbo)
	ogl.BindFramebuffer(ogl.FRAMEBUFFER, r.fbo)
	ogl.GenRenderbuffers(1, &r.fboColour)
	ogl.BindRenderbuffer(ogl.RENDERBUFFER, r.fboColour)
	ogl.RenderbufferStorage(ogl.RENDERBUFFER, ogl.RGBA8, int32(width), int32(height))
	ogl.FramebufferRenderbuffer(ogl.FRAMEBUFFER, ogl.COLOR_ATTACHMENT0, ogl.RENDERBUFFER, r.fboColour)
	ogl.GenRenderbuffers(1, &r.fboDepth)
	ogl.BindRenderbuffer(ogl.RENDERBUFFER, r.fboDepth)
	ogl.RenderbufferStorage(ogl.RENDERBUFFER, ogl.DEPTH_COMPONENT24, int32(width), int32(height))
	ogl.FramebufferRenderbuffer(ogl.FRAMEBUFFER, ogl.DEPTH_ATTACHMENT, ogl.RENDERBUFFER, r.fboDepth)
	ogl.BindRenderbuffer(ogl.RENDERBUFFER, 0)
	status := ogl.CheckFramebufferStatus(ogl.FRAMEBUFFER)
	ogl.BindFramebuffer(ogl.FRAMEBUFFER, 0)
	if status != ogl.FRAMEBUFFER_COMPLETE {
		r.freeTarget()
		return fmt.Errorf("viz: offscreen framebuffer of %d x %d pixels is incomplete (status 0x%04x)", width, height, status)
	}
	r.fboW, r.fboH = width, height
	return r.c.CheckError(fmt.Sprintf("making a %d x %d offscreen framebuffer", width, height))
}

func (r *Renderer) freeTarget() {
	if r.fbo != 0 {
		ogl.DeleteFramebuffers(1, &r.fbo)
		r.fbo = 0
	}
	for _, rb := range []*uint32{&r.fboColour, &r.fboDepth} {
		if *rb != 0 {
			ogl.DeleteRenderbuffers(1, rb)
			*rb = 0
		}
	}
	r.fboW, r.fboH = 0, 0
}

// Render draws one frame of net, loaded into be, into a width x height image:
// the spines' potentials as they are now in the backend's buffers, the links
// as w is now. It makes a Renderer on the backend's context and deletes it.
// Call from any goroutine but the context's (not inside Do).
func Render(be *glbackend.Backend, net *model.Network, st Style, cam Camera, width, height int) (*image.RGBA, error) {
	r, err := NewRenderer(be.Context())
	if err != nil {
		return nil, err
	}
	defer r.Delete()
	var img *image.RGBA
	err = be.Context().Do(func() error {
		if err := r.SetNetwork(net); err != nil {
			return err
		}
		var err error
		img, err = r.Image(be.Buffers(), st, cam, width, height)
		return err
	})
	return img, err
}
