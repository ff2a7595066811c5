package report

import (
	"fmt"
	"image/color"
	"io"
	"math"
	"path/filepath"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/rundir"
)

// ScalingOptions describe a scaling figure.
type ScalingOptions struct {
	Title string  // first line of the title (machine, devices)
	DtMs  float64 // the step, for the per-biological-second panel
	M     int     // spines per neuron
}

// WriteScaling draws the step cost of `iplgpu bench -scaling` against N on
// log-log axes, two panels (seconds per step; seconds per biological second),
// one line per kind and backend with its fitted slope in the legend: solid
// for the IPL step, dashed for the dense N x N baseline, one colour per
// backend. It writes dir/base.png (150 dpi) and dir/base.svg.
func WriteScaling(dir, base string, rows []engine.ScalingRow, fits []engine.ScalingFit, opt ScalingOptions) error {
	if len(rows) == 0 {
		return fmt.Errorf("report: no scaling rows to draw")
	}
	backendColour := map[string]color.Color{"cpu": colBlue, "gl": colVermilion}
	colourOf := func(backend string) color.Color {
		if c, ok := backendColour[backend]; ok {
			return c
		}
		c := palette[(len(backendColour)+2)%len(palette)]
		backendColour[backend] = c
		return c
	}
	// No panel titles: the axis labels say what each panel shows, and the two
	// panels' data areas stay aligned under the one title.
	perStep := newPlot("", "neurons N", "s per step")
	perBio := newPlot("", "neurons N", fmt.Sprintf("s per biological s (dt %g ms)", opt.DtMs))
	for _, p := range []*plot.Plot{perStep, perBio} {
		p.Legend.Top, p.Legend.Left = false, false // log-log costs rise to the right: the lower right is free
		p.X.Scale, p.Y.Scale = plot.LogScale{}, plot.LogScale{}
		p.X.Tick.Marker, p.Y.Tick.Marker = plot.LogTicks{Prec: -1}, plot.LogTicks{Prec: -1}
	}
	fits = append([]engine.ScalingFit(nil), fits...)
	sort.SliceStable(fits, func(i, j int) bool { return fits[i].Kind == engine.KindIPL && fits[j].Kind != engine.KindIPL })
	for _, f := range fits {
		var rs []engine.ScalingRow
		for _, r := range rows {
			if r.Kind == f.Kind && r.Backend == f.Backend && r.SecPerStep > 0 {
				rs = append(rs, r)
			}
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].Neurons < rs[j].Neurons })
		x, ys, yb := make([]float64, len(rs)), make([]float64, len(rs)), make([]float64, len(rs))
		for i, r := range rs {
			x[i], ys[i], yb[i] = float64(r.Neurons), r.SecPerStep, r.SecPerBioSecond
		}
		st := style{color: colourOf(f.Backend)}
		what := "IPL step"
		if f.Kind == engine.KindDense {
			st.dashed, st.glyph = true, draw.BoxGlyph{}
			what = "dense N×N"
		}
		name := fmt.Sprintf("%s %s", f.Backend, what)
		if !math.IsNaN(f.Slope) {
			name += fmt.Sprintf(": slope %.2f", f.Slope)
			if f.FromN > rs[0].Neurons {
				name += fmt.Sprintf(" (N ≥ %d)", f.FromN)
			}
		}
		if err := addLine(perStep, name, x, ys, st, true); err != nil {
			return err
		}
		if err := addLine(perBio, "", x, yb, st, true); err != nil {
			return err
		}
	}
	w, h := vg.Length(11)*vg.Inch, vg.Length(5)*vg.Inch
	title := opt.Title
	if opt.M > 0 {
		title += fmt.Sprintf("; %d spines per neuron", opt.M)
	}
	render := func(c vg.CanvasSizer) {
		dc := draw.New(c)
		top := vg.Points(16)
		ts := perStep.Title.TextStyle
		ts.Font.Size = vg.Points(12)
		ts.XAlign, ts.YAlign = draw.XCenter, draw.YTop
		dc.FillText(ts, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - vg.Points(2)}, title)
		body := draw.Crop(dc, 0, 0, 0, -top)
		tiles := draw.Tiles{Rows: 1, Cols: 2, PadX: vg.Points(24), PadTop: vg.Points(4), PadBottom: vg.Points(6), PadLeft: vg.Points(6), PadRight: vg.Points(12)}
		plots := [][]*plot.Plot{{perStep, perBio}}
		canvases := plot.Align(plots, tiles, body)
		perStep.Draw(canvases[0][0])
		perBio.Draw(canvases[0][1])
	}
	img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(150))
	render(img)
	if err := rundir.WriteFileAtomic(filepath.Join(dir, base+".png"), func(wr io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(wr)
		return err
	}); err != nil {
		return err
	}
	svg := vgsvg.New(w, h)
	render(svg)
	return rundir.WriteFileAtomic(filepath.Join(dir, base+".svg"), func(wr io.Writer) error {
		_, err := svg.WriteTo(wr)
		return err
	})
}
