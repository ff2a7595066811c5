package report

import (
	"image/color"
	"io"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/fisher"
)

// Okabe-Ito colours, distinguishable with the common colour-vision deficiencies.
var (
	colBlue      = color.RGBA{0, 114, 178, 255}
	colVermilion = color.RGBA{213, 94, 0, 255}
	colOrange    = color.RGBA{230, 159, 0, 255}
	colGreen     = color.RGBA{0, 158, 115, 255}
	colPurple    = color.RGBA{204, 121, 167, 255}
	colSky       = color.RGBA{86, 180, 233, 255}
	colGrey      = color.RGBA{120, 120, 120, 255}
	colBlack     = color.RGBA{0, 0, 0, 255}
)

var palette = []color.Color{colBlue, colOrange, colGreen, colVermilion, colPurple, colSky, colGrey, colBlack}

// gradient returns the colour of item k of n along a viridis-like ramp (light
// for the first, dark for the last).
func gradient(k, n int) color.Color {
	stops := [][3]float64{{253, 231, 37}, {94, 201, 98}, {33, 145, 140}, {59, 82, 139}, {68, 1, 84}}
	t := 0.0
	if n > 1 {
		t = float64(k) / float64(n-1)
	}
	x := t * float64(len(stops)-1)
	i := min(int(x), len(stops)-2)
	f := x - float64(i)
	var c [3]uint8
	for j := range c {
		c[j] = uint8(math.Round(stops[i][j]*(1-f) + stops[i+1][j]*f))
	}
	return color.RGBA{c[0], c[1], c[2], 255}
}

func translucent(c color.Color, alpha uint8) color.Color {
	r, g, b, _ := c.RGBA()
	a := float64(alpha) / 255
	return color.NRGBA{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a * 255)}
}

// newPlot returns a plot with a title and axis labels, the legend top left.
func newPlot(title, x, y string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font.Size = vg.Points(12)
	p.X.Label.Text = x
	p.Y.Label.Text = y
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.TextStyle.Font.Size = vg.Points(9)
	p.Legend.ThumbnailWidth = vg.Points(20)
	p.Add(plotter.NewGrid())
	return p
}

// ivXY are points with asymmetric y intervals (the 68% intervals).
type ivXY struct {
	x  []float64
	iv []fisher.Interval
}

func (p ivXY) Len() int                    { return len(p.x) }
func (p ivXY) XY(i int) (float64, float64) { return p.x[i], p.iv[i].Mean }
func (p ivXY) YError(i int) (float64, float64) {
	return p.iv[i].Mean - p.iv[i].Lo, p.iv[i].Hi - p.iv[i].Mean
}

// finitePoints drops the points whose value is not finite; a point without
// a finite interval keeps its value with an empty interval.
func finitePoints(x []float64, iv []fisher.Interval) ivXY {
	var out ivXY
	for k := range x {
		if finite(x[k]) && finite(iv[k].Mean) {
			v := iv[k]
			if !finite(v.Lo) || !finite(v.Hi) {
				v.Lo, v.Hi = v.Mean, v.Mean
			}
			out.x = append(out.x, x[k])
			out.iv = append(out.iv, v)
		}
	}
	return out
}

// ci is the estimate of v with its interval over trials (the bootstrap's
// 95%), as the figures draw it.
func ci(v analysis.Value) fisher.Interval { return fisher.Interval{Mean: v.Est, Lo: v.Lo, Hi: v.Hi} }

// style of a series.
type style struct {
	color  color.Color
	dashed bool
	glyph  draw.GlyphDrawer // nil: circle
	noLine bool
}

// styledLine is the line through pts in the series' colour and dash style.
func styledLine(pts plotter.XYer, st style) (*plotter.Line, error) {
	l, err := plotter.NewLine(pts)
	if err != nil {
		return nil, err
	}
	l.Color = st.color
	l.Width = vg.Points(1.5)
	if st.dashed {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return l, nil
}

// addIntervals draws x against the interval means as a line with markers and
// error bars, with a legend entry. It does nothing when no point is finite.
func addIntervals(p *plot.Plot, name string, x []float64, iv []fisher.Interval, st style) error {
	pts := finitePoints(x, iv)
	if pts.Len() == 0 {
		return nil
	}
	var thumbs []plot.Thumbnailer
	if !st.noLine && pts.Len() > 1 {
		l, err := styledLine(pts, st)
		if err != nil {
			return err
		}
		p.Add(l)
		thumbs = append(thumbs, l)
	}
	sc, err := plotter.NewScatter(pts)
	if err != nil {
		return err
	}
	sc.Color = st.color
	sc.Radius = vg.Points(3)
	sc.Shape = draw.CircleGlyph{}
	if st.glyph != nil {
		sc.Shape = st.glyph
	}
	eb, err := plotter.NewYErrorBars(pts)
	if err != nil {
		return err
	}
	eb.Color = st.color
	eb.Width = vg.Points(1)
	eb.CapWidth = vg.Points(6)
	p.Add(eb, sc)
	if name != "" {
		p.Legend.Add(name, append(thumbs, sc)...)
	}
	return nil
}

// addBand draws x against the interval means as a line over a translucent band
// from Lo to Hi.
func addBand(p *plot.Plot, name string, x []float64, iv []fisher.Interval, st style) error {
	pts := finitePoints(x, iv)
	if pts.Len() == 0 {
		return nil
	}
	n := pts.Len()
	poly := make(plotter.XYs, 0, 2*n)
	for k := 0; k < n; k++ {
		poly = append(poly, plotter.XY{X: pts.x[k], Y: pts.iv[k].Hi})
	}
	for k := n - 1; k >= 0; k-- {
		poly = append(poly, plotter.XY{X: pts.x[k], Y: pts.iv[k].Lo})
	}
	band, err := plotter.NewPolygon(poly)
	if err != nil {
		return err
	}
	band.Color = translucent(st.color, 60)
	band.LineStyle.Width = 0
	l, err := styledLine(pts, st)
	if err != nil {
		return err
	}
	p.Add(band, l)
	if name != "" {
		p.Legend.Add(name, band, l)
	}
	return nil
}

// addLine draws y against x (NaN points dropped) with a legend entry.
func addLine(p *plot.Plot, name string, x, y []float64, st style, markers bool) error {
	var pts plotter.XYs
	for k := range x {
		if finite(x[k]) && finite(y[k]) {
			pts = append(pts, plotter.XY{X: x[k], Y: y[k]})
		}
	}
	if len(pts) == 0 {
		return nil
	}
	var thumbs []plot.Thumbnailer
	if !st.noLine && len(pts) > 1 {
		l, err := styledLine(pts, st)
		if err != nil {
			return err
		}
		p.Add(l)
		thumbs = append(thumbs, l)
	}
	if markers || len(pts) == 1 || st.noLine {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.Color = st.color
		sc.Radius = vg.Points(2.5)
		sc.Shape = draw.CircleGlyph{}
		if st.glyph != nil {
			sc.Shape = st.glyph
		}
		p.Add(sc)
		thumbs = append(thumbs, sc)
	}
	if name != "" {
		p.Legend.Add(name, thumbs...)
	}
	return nil
}

// addHLine draws a thin grey horizontal line at y across [x0, x1].
func addHLine(p *plot.Plot, y, x0, x1 float64) error {
	l, err := plotter.NewLine(plotter.XYs{{X: x0, Y: y}, {X: x1, Y: y}})
	if err != nil {
		return err
	}
	l.Color = colGrey
	l.Width = vg.Points(0.75)
	p.Add(l)
	return nil
}

// addNote writes text at data coordinates (x, y).
func addNote(p *plot.Plot, x, y float64, text string) error {
	l, err := plotter.NewLabels(plotter.XYLabels{XYs: plotter.XYs{{X: x, Y: y}}, Labels: []string{text}})
	if err != nil {
		return err
	}
	p.Add(l)
	return nil
}

// headroom raises the top of the y axis so that a top legend of n entries
// does not cover the data (Add has set the axis range to the data's).
func headroom(p *plot.Plot, n int) {
	ymin, ymax := p.Y.Min, p.Y.Max
	if n == 0 || !finite(ymin) || !finite(ymax) || ymin > ymax {
		return
	}
	r := ymax - ymin
	if r == 0 {
		r = math.Max(math.Abs(ymax), 1)
	}
	p.Y.Max = ymax + r*(0.1*float64(n)+0.05)
}

// sessionTicks labels integer sessions, S+1 as "end", thinned to at most
// about 12 ticks.
type sessionTicks struct{ sessions int }

func (t sessionTicks) Ticks(lo, hi float64) []plot.Tick {
	a, b := int(math.Ceil(lo)), int(math.Floor(hi))
	step := max(1, (b-a+1+11)/12)
	var ticks []plot.Tick
	for k := a; k <= b; k++ {
		label := ""
		if (k-a)%step == 0 || k == t.sessions+1 {
			label = model.SessionShort(k, t.sessions)
		}
		ticks = append(ticks, plot.Tick{Value: float64(k), Label: label})
	}
	return ticks
}

// sessionAxis sets p's x axis to sessions lo..hi with the session ticks.
func sessionAxis(p *plot.Plot, sessions int, lo, hi float64) {
	p.X.Tick.Marker = sessionTicks{sessions}
	p.X.Min, p.X.Max = lo-0.4, hi+0.4
	p.X.Label.Text = "training session (0: before training, end: final blocks)"
}

// saveGrid draws the plots on a rows x cols grid of size w x h, their data
// areas aligned, and writes dir/base.png (150 dpi) and dir/base.svg.
func saveGrid(sum *page, base string, plots [][]*plot.Plot, w, h vg.Length) error {
	return saveTiles(sum, base, plots, w, h, true)
}

// saveTiles is saveGrid with the choice of aligning the data areas; panels of
// different kinds read better unaligned, each title at the top of its tile.
func saveTiles(sum *page, base string, plots [][]*plot.Plot, w, h vg.Length, align bool) error {
	rows, cols := len(plots), len(plots[0])
	tiles := draw.Tiles{Rows: rows, Cols: cols, PadX: vg.Points(18), PadY: vg.Points(18),
		PadTop: vg.Points(6), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(10)}
	render := func(c vg.CanvasSizer) {
		dc := draw.New(c)
		if !align {
			for j := range plots {
				for i := range plots[j] {
					if plots[j][i] != nil {
						plots[j][i].Draw(tiles.At(dc, i, j))
					}
				}
			}
			return
		}
		canvases := plot.Align(plots, tiles, dc)
		for j := range plots {
			for i := range plots[j] {
				if plots[j][i] != nil {
					plots[j][i].Draw(canvases[j][i])
				}
			}
		}
	}
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(150))
	render(img)
	if err := sum.writeFile(base+".png", func(wr io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(wr)
		return err
	}); err != nil {
		return err
	}
	svg := vgsvg.New(w, h)
	render(svg)
	if err := sum.writeFile(base+".svg", func(wr io.Writer) error {
		_, err := svg.WriteTo(wr)
		return err
	}); err != nil {
		return err
	}
	return nil
}
