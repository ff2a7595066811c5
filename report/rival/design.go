package rival

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"gonum.org/v1/gonum/stat/distuv"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/iplgpu/iplgpu/design"
	"github.com/iplgpu/iplgpu/engine/model"
)

// Target is the power an experiment is sized for.
const Target = 0.8

// LowRate bounds the Wilson upper limit of the zero-change test's rate
// under the mechanism that should show no change, for the test to tell the
// hypotheses apart.
const LowRate = 0.2

// WriteDesign writes design.csv, design.md and power.png/.svg into dir.
func WriteDesign(res *design.Result, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write([]string{"test", "signature", "axis", "size", "trials", "units", "repeats", "animals", "truth", "rival", "effect", "power", "power_lo", "power_hi", "rejections", "experiments"})
	for _, p := range res.Points {
		w.Write([]string{p.Test, p.Signature, p.Axis, strconv.Itoa(p.Size), strconv.Itoa(p.At.Trials), strconv.Itoa(p.At.Units), strconv.Itoa(p.At.Repeats), strconv.Itoa(p.At.Animals),
			p.Truth, p.Rival, fnum(p.Effect), fnum(p.Power), fnum(p.Lo), fnum(p.Hi), strconv.Itoa(p.K), strconv.Itoa(p.N)})
	}
	w.Flush()
	if err := os.WriteFile(filepath.Join(dir, "design.csv"), b.Bytes(), 0o644); err != nil {
		return err
	}
	if err := writePowerFigure(res, filepath.Join(dir, "power")); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "design.md"), DesignMarkdown(res), 0o644)
}

// curve returns the points of one signature, axis and direction in size
// order: the rival test's, or with rival "" the zero-change test's.
func curve(res *design.Result, sig, axis, truth, rival string) []design.Point {
	var c []design.Point
	for _, p := range res.Points {
		if p.Signature == sig && p.Axis == axis && p.Truth == truth && p.Rival == rival && (p.Test == design.TestZero) == (rival == "") {
			c = append(c, p)
		}
	}
	return c
}

func powerCell(p design.Point) string {
	return fmt.Sprintf("%.2f [%.2f, %.2f]", p.Power, p.Lo, p.Hi)
}

// smallest says the smallest size with power >= Target, or that none in the
// range tried reaches it.
func smallest(c []design.Point) string {
	if len(c) == 0 {
		return "not tried"
	}
	for _, p := range c {
		if p.Power >= Target {
			return fmt.Sprintf("**%d**: %s", p.Size, powerCell(p))
		}
	}
	last := c[len(c)-1]
	return fmt.Sprintf("not within %d-%d (at %d: %s)", c[0].Size, last.Size, last.Size, powerCell(last))
}

// smallestZero says the smallest size at which the zero-change test
// detects the change with rate >= Target under one mechanism while the
// other's rate stays low (Wilson upper limit < LowRate), or that none in the
// range tried does.
func smallestZero(c0, c1 []design.Point) string {
	if len(c0) == 0 || len(c1) == 0 {
		return "not tried"
	}
	cell := func(p, q design.Point) string {
		return fmt.Sprintf("%s %s; %s %s", p.Truth, powerCell(p), q.Truth, powerCell(q))
	}
	for _, p := range c0 {
		for _, q := range c1 {
			if p.Size != q.Size {
				continue
			}
			switch {
			case p.Power >= Target && q.Hi < LowRate:
				return fmt.Sprintf("**%d**: %s", p.Size, cell(p, q))
			case q.Power >= Target && p.Hi < LowRate:
				return fmt.Sprintf("**%d**: %s", q.Size, cell(q, p))
			}
		}
	}
	p, q := c0[len(c0)-1], c1[len(c1)-1]
	return fmt.Sprintf("not within %d-%d (at %d: %s)", c0[0].Size, p.Size, p.Size, cell(p, q))
}

// zeroTable writes the second table: per signature and axis, the smallest
// experiment at which the data-only test tells the hypotheses apart.
func zeroTable(b *strings.Builder, res *design.Result) {
	o := res.Options
	m0, m1 := o.Mechanisms[0], o.Mechanisms[1]
	within := "not run"
	if o.WithinBoot > 0 {
		n := o.WithinReplicates
		if n == 0 {
			n = o.Replicates
		}
		on := "every experiment"
		if n < o.Replicates {
			on = fmt.Sprintf("the first %d of the %d experiments", n, o.Replicates)
		}
		within = fmt.Sprintf("a trial bootstrap of the experiment's own trials (B = %d resamples; |value| / bootstrap SD > z at alpha; on %s)", o.WithinBoot, on)
	}
	fmt.Fprintf(b, "## Detecting the change on the data alone\n\n"+
		"The test an experimenter runs on the recording, knowing no model: is the learning change (the signature) zero? "+
		"Across 2 or more animals a two-sided one-sample t test of the per-animal values; within one animal %s; level alpha = %.2g. "+
		"Its rate under each mechanism is P(detect a change | that mechanism is true). "+
		"A cell gives the smallest size at which the rate is at least %.0f%% under one mechanism while the other's stays low (Wilson upper limit < %.2g), with both rates; "+
		"\"not within\" gives both at the largest size tried. The rate of a mechanism that predicts no change is not alpha but includes its pools' own value: "+
		"an experiment near the pools' size resamples one finite simulation, whose change is not exactly zero.\n\n", within, o.Alpha, 100*Target, LowRate)
	axisHeader(b, []string{"sig.", "signature", "prediction"}, "%s")
	for _, sg := range design.Signatures {
		fmt.Fprintf(b, "| %s | %s | %s |", sg.Sig, sg.Label, sg.Expect)
		for _, a := range design.AxisOrder {
			fmt.Fprintf(b, " %s |", smallestZero(curve(res, sg.Key, a, m0, ""), curve(res, sg.Key, a, m1, "")))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

// nullNote sums up the null check: the mean null rate against the rank
// test's exact level, how many rates are expected outside their interval
// by chance, and which are.
func nullNote(res *design.Result, bad []string) string {
	o := res.Options
	var sum float64
	n := 0
	for _, p := range res.Points {
		if p.Test == design.TestRival && p.Truth == p.Rival {
			sum += p.Power
			n++
		}
	}
	nf := float64(o.Replicates + 1)
	exact := 2 * math.Floor(o.Alpha*nf/2) / nf
	sd, binom := design.NullRateSD(o.Alpha, o.Replicates, o.Replicates), math.Sqrt(exact*(1-exact)/float64(o.Replicates))
	outside := 2 * distuv.UnitNormal.CDF(-1.959964*binom/sd)
	var b strings.Builder
	fmt.Fprintf(&b, "\nMean null rate over the %d values: %.4f (the rank test's exact level with %d rival values: %.4f). "+
		"The intervals count the %d experiments as independent, but all are ranked among one sample of the rival's values, which adds spread (the null rate's SD is %.4f, not %.4f): "+
		"about %.0f%% of the null rates, %.0f of %d, are expected outside their interval by chance. ", n, sum/float64(max(n, 1)), o.Replicates, exact, o.Replicates, sd, binom, 100*outside, outside*float64(n), n)
	if len(bad) == 0 {
		b.WriteString("Every null rate's interval holds alpha.\n\n")
	} else {
		fmt.Fprintf(&b, "Outside (%d): %s.\n\n", len(bad), strings.Join(bad, "; "))
	}
	return b.String()
}

func affects(sg design.Signature, axis string) bool {
	for _, a := range sg.Axes {
		if a == axis {
			return true
		}
	}
	return false
}

// DesignMarkdown renders design.md: first the table an experimenter reads,
// then the null check, then how it was computed.
func DesignMarkdown(res *design.Result) []byte {
	o := res.Options
	m0, m1 := o.Mechanisms[0], o.Mechanisms[1]
	var b strings.Builder
	b.WriteString("# Experiment design: the size that tells IPLs from feedback\n\n")
	fmt.Fprintf(&b, "iplgpu %s. For each measurable signature and each axis of the experiment's size (the other axes held at the base experiment: %d trials per sign and block, %d units, %d repeats per frozen sequence, %d animals), "+
		"the smallest size at which the rival test (the experiment's value extreme among the rival mechanism's at that size) rejects the rival mechanism with at least %.0f%% power, with the power and its Wilson 95%% interval over %d simulated experiments; "+
		"\"not within\" gives the largest size tried and its power. Test level alpha = %.2g. Pools: `%s`, seeds %v. Wall time %.0f s (GOMAXPROCS %d).\n\n",
		model.Version, res.Base.Trials, res.Base.Units, res.Base.Repeats, res.Base.Animals, 100*Target, o.Replicates, o.Alpha, o.From, o.Seeds, res.Seconds, runtime.GOMAXPROCS(0))
	b.WriteString("## Smallest experiment with 80% power\n\n")
	if r := o.Readout; r != nil {
		fmt.Fprintf(&b, "Read-out: a %d x %d Utah array of %g um pitch centred on the slab, %s, each at its electrode's position; the units axis counts electrodes (%d in the pools). "+
			"Pairs on one electrode are at 0 um (near), pairs on other electrodes at one pitch or more (far).\n\n", r.Size, r.Size, r.PitchUm, r.UnitsText(), res.Pools[m0][0].Electrodes)
	} else {
		b.WriteString("Read-out: every neuron is a unit at its soma.\n\n")
	}
	axisHeader(&b, []string{"sig.", "signature", "truth: rejects"}, "%s")
	for _, sg := range design.Signatures {
		for _, dir := range [][2]string{{m0, m1}, {m1, m0}} {
			fmt.Fprintf(&b, "| %s | %s | %s: rejects %s |", sg.Sig, sg.Label, dir[0], dir[1])
			for _, a := range design.AxisOrder {
				c := curve(res, sg.Key, a, dir[0], dir[1])
				s := smallest(c)
				if !affects(sg, a) && len(c) > 0 {
					s += " (axis does not enter)"
				}
				fmt.Fprintf(&b, " %s |", s)
			}
			b.WriteString("\n")
		}
	}
	b.WriteString("\n![power against experiment size](power.png)\n\n")
	zeroTable(&b, res)
	fmt.Fprintf(&b, "## Null check\n\n%s against independent resamples of itself: the rejection rate must hold alpha = %.2g within its interval.\n\n", m0, o.Alpha)
	axisHeader(&b, []string{"sig.", "signature"}, "%s: rejection at smallest, largest size")
	var bad []string
	for _, sg := range design.Signatures {
		fmt.Fprintf(&b, "| %s | %s |", sg.Sig, sg.Label)
		for _, a := range design.AxisOrder {
			c := curve(res, sg.Key, a, m0, m0)
			if len(c) == 0 {
				b.WriteString(" not tried |")
				continue
			}
			fmt.Fprintf(&b, " %s; %s |", powerCell(c[0]), powerCell(c[len(c)-1]))
			for _, p := range c {
				if !(p.Lo <= o.Alpha && o.Alpha <= p.Hi) {
					bad = append(bad, fmt.Sprintf("%s at %s %d (%s)", sg.Key, a, p.Size, powerCell(p)))
				}
			}
		}
		b.WriteString("\n")
	}
	b.WriteString(nullNote(res, bad))
	fmt.Fprintf(&b, "## How it is computed\n\nPackage design: each pool is one mechanism's run on one seed (an animal) of the comparison protocol (iplgpu compare). "+
		"An experiment of a size draws its animals (seeds, without replacement), and in each animal its units (without replacement) and, with replacement, its trials "+
		"per sign from each task block and its repeats of each frozen frame sequence; it computes each signature per animal and averages over animals. "+
		"Both mechanisms are evaluated on the same draws. The rival test rejects the rival when the experiment's rank p-value among the rival's n values at the same size, "+
		"min(1, 2 min(#{<= x} + 1, #{>= x} + 1) / (n + 1)), is at most alpha = %.2g (exchangeable values give it a size of at most alpha exactly; a central quantile range of finite n over-rejects); "+
		"the power is the fraction of the true mechanism's experiments that do, and its interval the Wilson 95%% interval over %d experiments. "+
		"A resample at the pool's own size is a bootstrap of that animal's trials: the design cannot see variation beyond the simulated trials and seeds, "+
		"so sizes above the pools are refused, and the animals axis stops at the number of simulated seeds. "+
		"**Read the animals axis first**: at %d animals every experiment uses every simulated seed, so the spread between animals is not in the sampling distribution and the powers of the other axes are conditional on these %d networks (optimistic for new animals); "+
		"at 1 animal each experiment draws one seed, and the spread between seeds enters. "+
		"\"(axis does not enter)\" marks an axis the signature does not use: its power varies there only by the resampling of the other axes.\n\n", o.Alpha, o.Replicates, len(o.Seeds), len(o.Seeds))
	b.WriteString("Signatures: (b) analysis.DistanceFromPairs on the drawn units' pairs (the slope of each pair's redundancy increase on soma distance within 4 strata of cos 2(theta_i - theta_j), and near (< 100 um) minus far (>= 200 um)); " +
		"(c) analysis.FrozenGroupCorrelations (residual correlations from each frozen sequence's mean, A- and B-preferring groups of +-22.5 deg), late minus early. " +
		"Not resampled here: (e) the switch time course and (f) the within-trial slope (each needs a fit or the population information per resample); compare.md gives their across-seed tests.\n")
	return []byte(b.String())
}

// writePowerFigure draws one panel per signature and axis: the power of each
// direction of the rival test, of its null check and the zero-change test's
// rate under each mechanism (dashed) against size, with the 80% target and
// alpha.
func writePowerFigure(res *design.Result, base string) error {
	o := res.Options
	m0, m1 := o.Mechanisms[0], o.Mechanisms[1]
	rows, cols := len(design.Signatures), len(design.AxisOrder)
	plots := make([][]*plot.Plot, rows)
	arms := []struct {
		t, r, name string
		col        color.Color
		dash       bool
	}{{m0, m1, m0 + " true, rejects " + m1, mechColors[0], false}, {m1, m0, m1 + " true, rejects " + m0, mechColors[1], false}, {m0, m0, "null: " + m0 + " vs " + m0, color.Gray{0x80}, true},
		{m0, "", m0 + " true, data alone detects a change", mechColors[0], true}, {m1, "", m1 + " true, data alone detects a change", mechColors[1], true}}
	for i, sg := range design.Signatures {
		plots[i] = make([]*plot.Plot, cols)
		for j, a := range design.AxisOrder {
			p := plot.New()
			p.Title.Text = wrap(fmt.Sprintf("(%s) %s", sg.Sig, sg.Label), 40)
			p.Title.TextStyle.Font.Size = vg.Points(8)
			p.X.Label.Text = wrap(AxisLabel(a, o.Readout), 34)
			p.X.Label.TextStyle.Font.Size = vg.Points(7)
			p.Y.Label.Text = "power"
			p.Y.Min, p.Y.Max = 0, 1
			var xmin, xmax float64
			for _, arm := range arms {
				c := curve(res, sg.Key, a, arm.t, arm.r)
				if len(c) == 0 {
					continue
				}
				xmin, xmax = float64(c[0].Size), float64(c[len(c)-1].Size)
				var pts plotter.XYs
				var errs plotter.YErrors
				for _, q := range c {
					pts = append(pts, plotter.XY{X: float64(q.Size), Y: q.Power})
					errs = append(errs, struct{ Low, High float64 }{q.Power - q.Lo, q.Hi - q.Power})
				}
				ln, sc, err := plotter.NewLinePoints(pts)
				if err != nil {
					return err
				}
				ln.Color, sc.Color = arm.col, arm.col
				if arm.dash {
					ln.Dashes = []vg.Length{vg.Points(3), vg.Points(2)}
				}
				eb, err := plotter.NewYErrorBars(struct {
					plotter.XYs
					plotter.YErrors
				}{pts, errs})
				if err != nil {
					return err
				}
				eb.Color = arm.col
				p.Add(ln, sc, eb)
				if i == 0 && j == 0 {
					p.Legend.Add(arm.name, ln)
				}
			}
			for _, h := range []float64{Target, o.Alpha} {
				l, err := plotter.NewLine(plotter.XYs{{X: xmin, Y: h}, {X: xmax, Y: h}})
				if err != nil {
					return err
				}
				l.Color, l.Dashes = color.Gray{0xb0}, []vg.Length{vg.Points(1), vg.Points(2)}
				p.Add(l)
			}
			p.Legend.Top, p.Legend.Left = true, true
			p.Legend.TextStyle.Font.Size = vg.Points(6)
			plots[i][j] = p
		}
	}
	wd, ht := vg.Points(float64(cols)*210), vg.Points(float64(rows)*190)
	for _, ext := range []string{".png", ".svg"} {
		var buf bytes.Buffer
		switch ext {
		case ".png":
			img := vgimg.New(wd, ht)
			drawGrid(draw.New(img), plots, rows, cols)
			if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(&buf); err != nil {
				return err
			}
		default:
			sv := vgsvg.New(wd, ht)
			drawGrid(draw.New(sv), plots, rows, cols)
			if _, err := sv.WriteTo(&buf); err != nil {
				return err
			}
		}
		if err := os.WriteFile(base+ext, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// AxisLabel is an axis's words on a figure; under an array read-out the
// units axis counts electrodes.
func AxisLabel(axis string, r *design.Readout) string {
	if axis == design.AxisUnits && r != nil {
		s := fmt.Sprintf("%s: electrodes, each with %d sorted units", axis, r.UnitsPerElectrode)
		if r.MUA {
			s += " and its multi-unit channel"
		}
		return s
	}
	return axis + ": " + design.AxisText[axis]
}

// axisHeader writes a Markdown table header: the lead columns, then one
// column per axis of design.AxisOrder titled by format (with the axis).
func axisHeader(b *strings.Builder, lead []string, format string) {
	b.WriteString("|")
	for _, c := range lead {
		fmt.Fprintf(b, " %s |", c)
	}
	for _, a := range design.AxisOrder {
		fmt.Fprintf(b, " "+format+" |", a)
	}
	b.WriteString("\n|" + strings.Repeat("---|", len(lead)+len(design.AxisOrder)) + "\n")
}
