package viz

import (
	"fmt"
	"image"
	"image/color"
	"image/draw"
	"math"
	"sync"

	ogl "github.com/go-gl/gl/v4.3-core/gl"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomono"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"

	"github.com/iplgpu/iplgpu/engine/gl"
)

// The heads-up display is drawn on the CPU into a window-sized RGBA image
// (text with golang.org/x/image/font: the Go Mono TrueType font, rasterised
// by opentype at the size the window calls for; lines and points by hand),
// uploaded as a texture when its content changes, and drawn over the scene as
// one screen-space quad (viz_overlay.vert, .frag).

// OverlayParams is everything the overlay image depends on.
type OverlayParams struct {
	Width, Height int
	HUD           HUD
	Help          bool    // list the keys
	Legend        bool    // label the colour key (A and B at their orientations)
	PxPerUm       float64 // pixels per um at the view's centre (scale bar); 0: none
}

var (
	monoOnce sync.Once
	monoFont *opentype.Font
	monoErr  error
	faceMu   sync.Mutex
	faces    = map[int]font.Face{}
)

// monoFace returns Go Mono at px pixels.
func monoFace(px int) (font.Face, error) {
	monoOnce.Do(func() { monoFont, monoErr = opentype.Parse(gomono.TTF) })
	if monoErr != nil {
		return nil, fmt.Errorf("viz: the Go Mono font: %w", monoErr)
	}
	faceMu.Lock()
	defer faceMu.Unlock()
	if f, ok := faces[px]; ok {
		return f, nil
	}
	f, err := opentype.NewFace(monoFont, &opentype.FaceOptions{Size: float64(px), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("viz: Go Mono at %d px: %w", px, err)
	}
	cf := &cachedFace{Face: f, glyphs: map[glyphKey]glyph{}}
	faces[px] = cf
	return cf, nil
}

// cachedFace keeps the masks that its Face rasterised, so that the HUD's
// text, composed again after every trial, costs a copy per glyph rather than
// a rasterisation. Only the glyph's position within a pixel is part of the
// key (hinted Go Mono advances by whole pixels).
type cachedFace struct {
	font.Face
	mu     sync.Mutex
	glyphs map[glyphKey]glyph
}

type glyphKey struct {
	r      rune
	dx, dy fixed.Int26_6 // the dot's position within its pixel
}

type glyph struct {
	dr      image.Rectangle // relative to the dot's pixel
	mask    *image.Alpha
	advance fixed.Int26_6
	ok      bool
}

func (f *cachedFace) Glyph(dot fixed.Point26_6, r rune) (image.Rectangle, image.Image, image.Point, fixed.Int26_6, bool) {
	px := image.Pt(dot.X.Floor(), dot.Y.Floor())
	k := glyphKey{r, dot.X - fixed.I(px.X), dot.Y - fixed.I(px.Y)}
	f.mu.Lock()
	defer f.mu.Unlock()
	g, ok := f.glyphs[k]
	if !ok {
		dr, mask, mp, adv, gok := f.Face.Glyph(fixed.Point26_6{X: k.dx, Y: k.dy}, r)
		g = glyph{dr: dr, advance: adv, ok: gok, mask: image.NewAlpha(image.Rect(0, 0, dr.Dx(), dr.Dy()))}
		if gok && mask != nil {
			// The face reuses its mask buffer: keep a copy.
			draw.Draw(g.mask, g.mask.Rect, mask, mp, draw.Src)
		}
		f.glyphs[k] = g
	}
	return g.dr.Add(px), g.mask, image.Point{}, g.advance, g.ok
}

// Colours of the overlay (premultiplied RGBA).
var (
	textColour  = color.RGBA{225, 228, 235, 255}
	dimColour   = color.RGBA{150, 155, 165, 255}
	panelColour = color.RGBA{7, 8, 16, 255} // opaque: drawn without blending
	plotColour  = color.RGBA{255, 210, 90, 255}
	axisColour  = color.RGBA{110, 115, 125, 255}
)

// HUDPanel is the rectangle that holds the HUD's panel (top left) in an
// overlay of the given size, for tests that look for it in a screenshot: the
// panel is as wide as its text needs, up to this width.
func HUDPanel(width, height int) image.Rectangle {
	l := overlayLayout(width, height)
	return image.Rect(l.margin, l.margin, l.margin+l.panelW, l.margin+l.panelH)
}

type layout struct {
	px, line, margin, pad int // font size, line height, window margin, panel padding
	panelW, panelH        int
	plotW, plotH          int
}

// hudLines is the number of text lines the panel leaves room for, besides the
// plot's caption and the "? keys" line.
const hudLines = 6

func overlayLayout(width, height int) layout {
	px := max(10, min(20, int(math.Round(float64(height)/62))))
	l := layout{px: px, line: px * 4 / 3, margin: max(6, px/2), pad: max(4, px/2)}
	l.panelW = min(width-2*l.margin, 34*px)
	l.plotW, l.plotH = l.panelW-2*l.pad-7*px, 5*px // room for the y labels left and the last value right
	l.panelH = 2*l.pad + (hudLines+2)*l.line + l.plotH + l.line
	return l
}

// ComposeOverlay draws the overlay of p into dst (p.Width x p.Height): the
// HUD panel with its redundancy plot, the keys when p.Help, the
// colour key's labels when p.Legend, and the scale bar. It returns the
// rectangles that hold all it drew: only they are drawn over the scene, which
// keeps the overlay's cost on a software renderer to a fraction of the window.
// dst is cleared first: only in dirty, the rectangles that the last
// composition into dst returned, unless dirty is nil.
func ComposeOverlay(dst *image.RGBA, p OverlayParams, dirty []image.Rectangle) ([]image.Rectangle, error) {
	if dirty == nil {
		clear(dst.Pix)
	}
	for _, r := range dirty {
		draw.Draw(dst, r, image.Transparent, image.Point{}, draw.Src)
	}
	l := overlayLayout(p.Width, p.Height)
	face, err := monoFace(l.px)
	if err != nil {
		return nil, err
	}
	small, err := monoFace(max(9, l.px*4/5))
	if err != nil {
		return nil, err
	}
	text := func(f font.Face, c color.Color, x, y int, s string) int {
		d := font.Drawer{Dst: dst, Src: image.NewUniform(c), Face: f, Dot: fixed.P(x, y)}
		d.DrawString(s)
		return d.Dot.X.Round()
	}
	width := func(f font.Face, s string) int { return font.MeasureString(f, s).Round() }

	// The panel.
	h := &p.HUD
	// The panel is as wide as its text (it is most of the HUD's pixels, and
	// a software renderer pays for each), at least enough for a plot.
	lines := h.Lines()
	lines = lines[:min(len(lines), hudLines)]
	need := width(small, h.PlotTitle())
	for _, s := range lines {
		need = max(need, width(face, s))
	}
	panel := HUDPanel(p.Width, p.Height)
	panel.Max.X = min(panel.Max.X, panel.Min.X+max(need+2*l.pad, 20*l.px))
	l.plotW = panel.Dx() - 2*l.pad - 7*l.px
	// The image is clear here: the panel's colour is its pixels' (Src is a
	// copy, Over a blend per pixel).
	draw.Draw(dst, panel, image.NewUniform(panelColour), image.Point{}, draw.Src)
	x, y := panel.Min.X+l.pad, panel.Min.Y+l.pad+l.px
	for i, s := range lines {
		c := textColour
		if i == 0 {
			c = dimColour
		}
		text(face, c, x, y, fitText(face, s, panel.Dx()-2*l.pad))
		y += l.line
	}
	y = panel.Min.Y + l.pad + l.px + hudLines*l.line
	text(small, dimColour, x, y, fitText(small, h.PlotTitle(), panel.Dx()-2*l.pad))
	plot := image.Rect(x+3*l.px, y+l.line/2, x+3*l.px+l.plotW, y+l.line/2+l.plotH)
	drawPlot(dst, plot, h.Redundancy, small, text)
	text(small, dimColour, x, panel.Max.Y-l.pad, "? keys")
	rects := []image.Rectangle{panel}

	if p.Help {
		rects = append(rects, drawHelp(dst, p.Width, l, face, text, width))
	}
	if p.Legend {
		rects = append(rects, drawKeyLabels(labelCanvas{dst, p.Width, p.Height, small, text, width}, h.TaskADeg)...)
	}
	if p.PxPerUm > 0 {
		rects = append(rects, drawScaleBar(labelCanvas{dst, p.Width, p.Height, small, text, width}, p.PxPerUm))
	}
	var out []image.Rectangle
	for _, r := range rects {
		if r = r.Intersect(dst.Rect); !r.Empty() {
			out = append(out, r)
		}
	}
	return out, nil
}

// fitText cuts s to fit w pixels.
func fitText(f font.Face, s string, w int) string {
	for font.MeasureString(f, s).Round() > w && len(s) > 1 {
		r := []rune(s)
		s = string(r[:len(r)-2]) + "…"
	}
	return s
}

// drawPlot draws the redundancy points (in run order, x evenly spaced) in r,
// with a y axis from min(0, lowest) to a round top above the highest.
func drawPlot(dst *image.RGBA, r image.Rectangle, pts []RedundancyPoint, f font.Face, text func(font.Face, color.Color, int, int, string) int) {
	lo, hi := 0.0, 10.0
	for _, p := range pts {
		if !math.IsNaN(p.Pct) {
			lo, hi = min(lo, p.Pct), max(hi, p.Pct)
		}
	}
	hi = math.Ceil(hi/10) * 10
	lo = math.Floor(lo/10) * 10
	ypx := func(v float64) int { return r.Max.Y - int(math.Round((v-lo)/(hi-lo)*float64(r.Dy()))) }
	hline(dst, r.Min.X, r.Max.X, ypx(0), axisColour)
	vline(dst, r.Min.X, r.Min.Y, r.Max.Y, axisColour)
	asc := f.Metrics().Ascent.Round()
	label := func(v float64) {
		s := fmt.Sprintf("%g", v)
		text(f, axisColour, r.Min.X-font.MeasureString(f, s).Round()-4, ypx(v)+asc/2, s)
	}
	label(hi)
	label(0)
	if lo < 0 {
		label(lo)
	}
	n := len(pts)
	if n == 0 {
		text(f, axisColour, r.Min.X+6, r.Min.Y+asc+2, "no task block measured yet")
		return
	}
	xpx := func(i int) int {
		if n == 1 {
			return r.Min.X + r.Dx()/2
		}
		return r.Min.X + 6 + i*(r.Dx()-12)/(n-1)
	}
	prev := -1
	for i, p := range pts {
		if math.IsNaN(p.Pct) {
			prev = -1
			continue
		}
		if prev >= 0 {
			line(dst, xpx(prev), ypx(pts[prev].Pct), xpx(i), ypx(p.Pct), plotColour)
		}
		dot(dst, xpx(i), ypx(p.Pct), plotColour)
		prev = i
	}
	// The sessions under the first and last points, and the last value.
	first, last := pts[0], pts[n-1]
	text(f, axisColour, xpx(0)-4, r.Max.Y+asc+2, fmt.Sprintf("s%d", first.Session))
	if n > 1 {
		text(f, axisColour, xpx(n-1)-4, r.Max.Y+asc+2, fmt.Sprintf("s%d", last.Session))
	}
	if !math.IsNaN(last.Pct) {
		text(f, plotColour, min(xpx(n-1)+6, r.Max.X+2), ypx(last.Pct)+asc/2, fmt.Sprintf("%.0f%%", last.Pct))
	}
}

// KeyHelp lists the window's keys, one per line.
var KeyHelp = []string{
	"left drag   orbit",
	"right drag  pan",
	"scroll      zoom",
	"R           reset the view",
	"Space       pause / resume",
	"L / S / N   links / spines / somata",
	"K           colour key",
	"+ / -       draw threshold",
	"← / →       previous / next session (replay)",
	"A           automatic advance (replay)",
	"?           this list",
	"Esc, Q      quit",
}

func drawHelp(dst *image.RGBA, width int, l layout, f font.Face, text func(font.Face, color.Color, int, int, string) int, measure func(font.Face, string) int) image.Rectangle {
	w := 0
	for _, s := range KeyHelp {
		w = max(w, measure(f, s))
	}
	r := image.Rect(width-l.margin-w-2*l.pad, l.margin, width-l.margin, l.margin+2*l.pad+len(KeyHelp)*l.line)
	draw.Draw(dst, r, image.NewUniform(panelColour), image.Point{}, draw.Over)
	for i, s := range KeyHelp {
		text(f, textColour, r.Min.X+l.pad, r.Min.Y+l.pad+l.px+i*l.line, s)
	}
	return r
}

// keyGeometry is where drawLegend puts the colour key: its centre (pixels
// from the top-left corner) and outer radius; ok is false when it is not drawn.
func keyGeometry(width, height int) (cx, cy, radius int, ok bool) {
	radius = int(math.Round(float64(min(width, height)) * 0.07))
	return radius + 14, height - 14, radius, radius >= 12
}

// labelCanvas is where the overlay's labels go: the image of width x height
// pixels, the face, and the functions that draw and measure text in it.
type labelCanvas struct {
	dst           *image.RGBA
	width, height int
	f             font.Face
	text          func(font.Face, color.Color, int, int, string) int
	measure       func(font.Face, string) int
}

// drawKeyLabels marks A (at aDeg) and B (= A + 90 deg) on the colour key,
// with ticks at their angles, and names it.
func drawKeyLabels(lc labelCanvas, aDeg float64) []image.Rectangle {
	dst, width, height, f, text, measure := lc.dst, lc.width, lc.height, lc.f, lc.text, lc.measure
	cx, cy, radius, ok := keyGeometry(width, height)
	if !ok {
		return nil
	}
	asc, desc := f.Metrics().Ascent.Round(), f.Metrics().Descent.Round()
	var rects []image.Rectangle
	mark := func(name string, deg float64) {
		deg = math.Mod(deg, 180)
		a := deg * math.Pi / 180
		c := TuningColour(float32(a))
		col := color.RGBA{uint8(80 + 175*c[0]), uint8(80 + 175*c[1]), uint8(80 + 175*c[2]), 255}
		ux, uy := math.Cos(a), -math.Sin(a)
		r0, r1 := float64(radius)*0.55, float64(radius)+5
		line(dst, cx+int(r0*ux), cy+int(r0*uy), cx+int(r1*ux), cy+int(r1*uy), textColour)
		s := fmt.Sprintf("%s %.0f°", name, deg)
		tx, ty := cx+int((r1+3)*ux), cy+int((r1+3)*uy)
		if ux < 0 {
			tx -= measure(f, s)
		}
		tx, ty = max(2, tx), max(asc, ty)
		text(f, col, tx, ty, s)
		tick := image.Rect(cx+int(r0*ux), cy+int(r0*uy), cx+int(r1*ux), cy+int(r1*uy)).Canon()
		rects = append(rects, tick.Inset(-1).Union(image.Rect(tx-1, ty-asc-1, tx+measure(f, s)+1, ty+desc+1)))
	}
	mark("A", aDeg)
	mark("B", aDeg+90)
	const title = "spine colour = orientation"
	x := cx + radius + 8
	text(f, dimColour, x, cy, title)
	return append(rects, image.Rect(x-1, cy-asc-1, x+measure(f, title)+1, min(height, cy+desc+1)))
}

// drawScaleBar draws a bar of a round length in um (1, 2 or 5 x 10^k) that
// spans 60 to 150 pixels at the view's centre, bottom right.
func drawScaleBar(lc labelCanvas, pxPerUm float64) image.Rectangle {
	dst, width, height, f, text, measure := lc.dst, lc.width, lc.height, lc.f, lc.text, lc.measure
	um := ScaleBarUm(pxPerUm)
	n := int(math.Round(um * pxPerUm))
	x1, y := width-20, height-16
	x0 := x1 - n
	if x0 < width/2 {
		return image.Rectangle{}
	}
	for d := 0; d < 2; d++ {
		hline(dst, x0, x1, y+d, textColour)
	}
	vline(dst, x0, y-4, y+2, textColour)
	vline(dst, x1, y-4, y+2, textColour)
	s := fmt.Sprintf("%g µm", um)
	tw := measure(f, s)
	text(f, textColour, (x0+x1)/2-tw/2, y-6, s)
	return image.Rect(min(x0, (x0+x1)/2-tw/2)-2, y-8-f.Metrics().Height.Ceil(), x1+2, y+4)
}

// ScaleBarUm is the scale bar's length (um) at pxPerUm pixels per um: the
// largest of 1, 2, 5 x 10^k that spans at most 150 pixels.
func ScaleBarUm(pxPerUm float64) float64 {
	best := 0.0
	for k := -2; k <= 6; k++ {
		for _, m := range []float64{1, 2, 5} {
			um := m * math.Pow(10, float64(k))
			if um*pxPerUm <= 150 {
				best = um
			}
		}
	}
	return best
}

func hline(dst *image.RGBA, x0, x1, y int, c color.RGBA) {
	for x := min(x0, x1); x <= max(x0, x1); x++ {
		setOver(dst, x, y, c)
	}
}

func vline(dst *image.RGBA, x, y0, y1 int, c color.RGBA) {
	for y := min(y0, y1); y <= max(y0, y1); y++ {
		setOver(dst, x, y, c)
	}
}

// line draws a 1-pixel line by sampling it once per pixel of its longer axis.
func line(dst *image.RGBA, x0, y0, x1, y1 int, c color.RGBA) {
	n := max(abs(x1-x0), abs(y1-y0), 1)
	for i := 0; i <= n; i++ {
		setOver(dst, x0+(x1-x0)*i/n, y0+(y1-y0)*i/n, c)
	}
}

func dot(dst *image.RGBA, x, y int, c color.RGBA) {
	for dy := -2; dy <= 2; dy++ {
		for dx := -2; dx <= 2; dx++ {
			if dx*dx+dy*dy <= 5 {
				setOver(dst, x+dx, y+dy, c)
			}
		}
	}
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func setOver(dst *image.RGBA, x, y int, c color.RGBA) {
	if image.Pt(x, y).In(dst.Rect) {
		dst.SetRGBA(x, y, c)
	}
}

// overlay is the overlay's texture and program in a Renderer.
type overlay struct {
	prog   *gl.Program
	tex    uint32
	img    *image.RGBA
	key    string // OverlayParams of the uploaded image
	w, h   int    // texture size
	rects  []image.Rectangle
	opaque []bool // rects[i] is opaque: drawn without blending, cheaper
}

// draw composes the overlay when p changed, uploads it, and draws it over the
// bound framebuffer. Call inside Do.
func (o *overlay) draw(p OverlayParams) error {
	key := fmt.Sprintf("%+v", p)
	if key != o.key || o.tex == 0 {
		if o.img == nil || o.img.Rect.Dx() != p.Width || o.img.Rect.Dy() != p.Height {
			o.img, o.rects = image.NewRGBA(image.Rect(0, 0, p.Width, p.Height)), nil
		}
		rects, err := ComposeOverlay(o.img, p, o.rects)
		if err != nil {
			return err
		}
		o.rects, o.opaque = rects, o.opaque[:0]
		for _, r := range rects {
			o.opaque = append(o.opaque, isOpaque(o.img, r))
		}
		if o.tex == 0 {
			ogl.GenTextures(1, &o.tex)
		}
		ogl.BindTexture(ogl.TEXTURE_2D, o.tex)
		ogl.PixelStorei(ogl.UNPACK_ALIGNMENT, 1)
		if o.w != p.Width || o.h != p.Height {
			ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MIN_FILTER, ogl.NEAREST)
			ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_MAG_FILTER, ogl.NEAREST)
			ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_WRAP_S, ogl.CLAMP_TO_EDGE)
			ogl.TexParameteri(ogl.TEXTURE_2D, ogl.TEXTURE_WRAP_T, ogl.CLAMP_TO_EDGE)
			ogl.TexImage2D(ogl.TEXTURE_2D, 0, ogl.RGBA8, int32(p.Width), int32(p.Height), 0, ogl.RGBA, ogl.UNSIGNED_BYTE, nil)
			o.w, o.h = p.Width, p.Height
		}
		// Only the rectangles drawn are ever sampled: upload those.
		ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, int32(p.Width))
		for _, r := range o.rects {
			ogl.TexSubImage2D(ogl.TEXTURE_2D, 0, int32(r.Min.X), int32(r.Min.Y), int32(r.Dx()), int32(r.Dy()),
				ogl.RGBA, ogl.UNSIGNED_BYTE, ogl.Ptr(o.img.Pix[o.img.PixOffset(r.Min.X, r.Min.Y):]))
		}
		ogl.PixelStorei(ogl.UNPACK_ROW_LENGTH, 0)
		o.key = key
	}
	ogl.Enable(ogl.BLEND)
	ogl.BlendFunc(ogl.ONE, ogl.ONE_MINUS_SRC_ALPHA)
	ogl.UseProgram(o.prog.ID())
	ogl.ActiveTexture(ogl.TEXTURE0)
	ogl.BindTexture(ogl.TEXTURE_2D, o.tex)
	o.prog.SetInt("uOverlay", 0)
	o.prog.SetVec2("uViewport", float32(p.Width), float32(p.Height))
	for i, r := range o.rects {
		if o.opaque[i] {
			ogl.Disable(ogl.BLEND)
		} else {
			ogl.Enable(ogl.BLEND)
		}
		o.prog.SetVec4("uRect", float32(r.Min.X), float32(r.Min.Y), float32(r.Max.X), float32(r.Max.Y))
		ogl.DrawArrays(ogl.TRIANGLES, 0, 6)
	}
	ogl.BindTexture(ogl.TEXTURE_2D, 0)
	return nil
}

// isOpaque says whether every pixel of img in r has alpha 255.
func isOpaque(img *image.RGBA, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := img.Pix[img.PixOffset(r.Min.X, y):img.PixOffset(r.Max.X, y)]
		for i := 3; i < len(row); i += 4 {
			if row[i] != 255 {
				return false
			}
		}
	}
	return true
}

func (o *overlay) delete() {
	if o.prog != nil {
		o.prog.Delete()
		o.prog = nil
	}
	if o.tex != 0 {
		ogl.DeleteTextures(1, &o.tex)
		o.tex = 0
	}
	o.key, o.w, o.h = "", 0, 0
}
