package report

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"image/png"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
)

// tinyExperiment is the default experiment's shape at test size: an ablation
// block before training, a baseline, 2 sessions (train, task, passive) and an
// ablation block at the end; 30 trials per condition allow subsets of 20.
var tinyExperiment = []string{
	"network.neurons=40", "network.spines_per_neuron=8", "protocol.sessions=2", "protocol.baseline=true",
	"protocol.before=[{name: ablation, mode: task, trials: 60, coherences: [0.3], learning: false, ablation: lateral, record: true}]",
	"protocol.session=[{name: train, mode: task, trials: 40, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 60, coherences: [0.3], learning: false, record: true}, {name: passive, mode: passive, trials: 60, coherences: [0.3], learning: false, record: true}]",
	"protocol.after=[{name: ablation, mode: task, trials: 60, coherences: [0.3], learning: false, ablation: lateral, record: true}]",
	"dynamics.eta_w=0.01", "homeostasis.reference_trials=10",
}

var (
	tinyOnce sync.Once
	tinyDir  string
	tinyErr  error
)

// tinyRun simulates the tiny experiment once per test binary and returns a
// fresh copy of its run directory (without analysis outputs).
func tinyRun(t *testing.T) string {
	t.Helper()
	tinyOnce.Do(func() {
		var cfg *model.Config
		cfg, tinyErr = model.LoadConfig("", "", tinyExperiment)
		if tinyErr != nil {
			return
		}
		tinyDir, tinyErr = os.MkdirTemp("", "iplgpu-experiment-test-")
		if tinyErr != nil {
			return
		}
		_, tinyErr = engine.SimulateDir(context.Background(), cfg, cpu.New(0), filepath.Join(tinyDir, "run"), engine.SimulateOptions{})
	})
	if tinyErr != nil {
		t.Fatal(tinyErr)
	}
	dst := filepath.Join(t.TempDir(), "run")
	copyDir(t, filepath.Join(tinyDir, "run"), dst)
	return dst
}

func TestMain(m *testing.M) {
	code := m.Run()
	if tinyDir != "" {
		os.RemoveAll(tinyDir)
	}
	os.Exit(code)
}

func copyDir(t *testing.T, src, dst string) {
	t.Helper()
	if err := os.MkdirAll(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dst, e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// quick keeps the test analyses to a second or two.
var quick = analysis.Options{Subsets: 40, TimeSubsets: 10}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return recs
}

func TestAnalyseTinyRun(t *testing.T) {
	dir := tinyRun(t)
	sum, err := Analyse(dir, quick)
	if err != nil {
		t.Fatal(err)
	}

	// Blocks: ablation (0), baseline task and passive (0), 2 x (task, passive), ablation (end).
	if len(sum.Blocks) != 8 {
		t.Fatalf("%d recorded blocks, want 8: %+v", len(sum.Blocks), sum.Blocks)
	}
	wantSessions := []int{0, 0, 0, 1, 1, 2, 2, 3}
	for k, b := range sum.Blocks {
		if b.Session != wantSessions[k] || b.Trials != 60 {
			t.Errorf("block %d: session %d, %d trials; want session %d, 60 trials", b.Index, b.Session, b.Trials, wantSessions[k])
		}
		h := b.Headline()
		if h == nil {
			t.Fatalf("block %d has no estimate; notes: %v", b.Index, sum.Notes)
		}
		if h.SubsetN != 20 || h.Subsets != 40 || h.TPlus != 30 || h.TMinus != 30 || h.Coherence != 0.3 {
			t.Errorf("block %d: subsets %d x %d, T %d/%d, c %g; want 40 x 20, 30/30, 0.3", b.Index, h.Subsets, h.SubsetN, h.TPlus, h.TMinus, h.Coherence)
		}
		for _, iv := range []struct {
			name         string
			mean, lo, hi float64
		}{{"I_real", h.IReal.Mean, h.IReal.Lo, h.IReal.Hi}, {"redundancy %", h.RedundancyPct.Mean, h.RedundancyPct.Lo, h.RedundancyPct.Hi}} {
			if !(iv.lo <= iv.mean && iv.mean <= iv.hi) || !finite(iv.mean) {
				t.Errorf("block %d %s: mean %v outside its interval [%v, %v]", b.Index, iv.name, iv.mean, iv.lo, iv.hi)
			}
		}
		if !(b.MeanRateHz > 0.5 && b.MeanRateHz < 100) {
			t.Errorf("block %d: mean rate %v Hz", b.Index, b.MeanRateHz)
		}
		if len(b.Tuning) != analysis.TuningBins {
			t.Errorf("block %d: %d tuning bins", b.Index, len(b.Tuning))
		}
	}
	if sum.Blocks[0].Ablation != "lateral" || sum.Blocks[7].Ablation != "lateral" || sum.Blocks[2].Mode != "passive" || sum.Blocks[7].Group != "after" {
		t.Errorf("block flags wrong: %+v", sum.Blocks)
	}
	if len(sum.ControlBlocks("task")) != 3 || len(sum.ControlBlocks("passive")) != 3 || sum.BlockByIndex(sum.Blocks[7].Index) != &sum.Blocks[7] {
		t.Errorf("control blocks: %d task, %d passive; want 3 and 3", len(sum.ControlBlocks("task")), len(sum.ControlBlocks("passive")))
	}
	if sum.Early == nil || sum.Late == nil || sum.Early.Session != 0 || sum.Late.Session != 2 {
		t.Fatalf("early/late within-trial: %+v %+v; want sessions 0 and 2", sum.Early, sum.Late)
	}
	if sum.Early.First.StartMs != 0 || sum.Early.First.EndMs != 400 || sum.Early.Last.StartMs != 1200 || sum.Early.Last.EndMs != 1600 {
		t.Errorf("first/last windows %+v %+v; want [0, 400) and [1200, 1600) ms", sum.Early.First, sum.Early.Last)
	}
	if len(sum.Network) != 4 || sum.Network[0].Label != "0" || sum.Network[3].Label != "end" {
		t.Fatalf("network snapshots %+v; want 4: 0, 1, 2, end", sum.Network)
	}
	if sum.Network[0].MeanW != 0 || !(sum.Network[2].MeanW > 0) {
		t.Errorf("mean w %v before and %v after training", sum.Network[0].MeanW, sum.Network[2].MeanW)
	}
	if len(sum.Ablations) != 2 || sum.Ablations[0].Control != sum.Blocks[1].Index || sum.Ablations[1].Control != sum.Blocks[5].Index {
		t.Errorf("ablation checks %+v; want blocks 0 and 7 against the task blocks of sessions 0 and 2", sum.Ablations)
	}
	if len(sum.missing) != 0 {
		t.Errorf("figures not drawn: %v", sum.missing)
	}

	// Tables: headers and row counts.
	nWin := 32 + 8 + 4 + 8 // bins, 200 ms, 400 ms, cumulative
	tables := []struct {
		name   string
		header []string
		rows   int
	}{
		{"info.csv", nil, 8},
		{"timecourse.csv", rundir.TimeCourseColumns, 8 * nWin},
		{"network.csv", rundir.NetworkColumns, 4},
		{"w_hist.csv", rundir.WHistColumns, 4 * analysis.WHistBins},
		{"tuning.csv", rundir.TuningColumns, 8 * analysis.TuningBins},
		{"islets.csv", rundir.IsletColumns, -1},
	}
	for _, tb := range tables {
		recs := readCSV(t, filepath.Join(dir, tb.name))
		if tb.header != nil && strings.Join(recs[0], ",") != strings.Join(tb.header, ",") {
			t.Errorf("%s header %v, want %v", tb.name, recs[0], tb.header)
		}
		if tb.rows >= 0 && len(recs)-1 != tb.rows {
			t.Errorf("%s: %d rows, want %d", tb.name, len(recs)-1, tb.rows)
		}
	}
	info := readCSV(t, filepath.Join(dir, "info.csv"))
	if h := info[0]; h[0] != "session" || h[len(h)-1] != "mean_rate_hz" || !strings.Contains(strings.Join(h, ","), "redundancy_pct_lo,redundancy_pct_hi,noise_corr,group,learning,ablation") {
		t.Errorf("info.csv header %v", h)
	}
	if info[1][len(info[1])-5] != "lateral" {
		t.Errorf("info.csv first row's ablation column is %q, want lateral: %v", info[1][len(info[1])-5], info[1])
	}

	// Figures: PNGs decode with a useful size, SVGs are XML.
	for _, f := range []string{"fig1_information", "fig2_redundancy", "fig3_within_trial", "fig4_ablation", "fig5_network", "fig6_noise_correlation", "fig7_tuning"} {
		b, err := os.ReadFile(filepath.Join(dir, f+".png"))
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s.png: %v", f, err)
		}
		if r := img.Bounds(); r.Dx() < 600 || r.Dy() < 400 || len(b) < 20_000 {
			t.Errorf("%s.png is %v, %d bytes; want at least 600 x 400 and 20 kB", f, r, len(b))
		}
		checkSVG(t, filepath.Join(dir, f+".svg"))
	}

	// The report states the Summary's numbers.
	rep, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	task, _ := sum.taskSeries()
	first, last := task.blocks[0].Headline(), task.blocks[len(task.blocks)-1].Headline()
	for _, want := range []string{
		"# iplgpu learning experiment", "## Key results", "40 neurons × 8 spines",
		pct(first.RedundancyPct.Mean), pct(last.RedundancyPct.Mean), num(first.IShuffle.Mean), num(last.IReal.Mean),
		num(sum.Early.First.Gap.Mean), num(sum.Late.Last.Gap.Mean),
		"![fig1_information](fig1_information.png)", "![fig5_network](fig5_network.png)",
		"With lateral spread blocked", "## Configuration", "```yaml", "neurons: 40",
		fmt.Sprintf("%d islets", sum.Network[3].Islets),
	} {
		if !strings.Contains(string(rep), want) {
			t.Errorf("report.md lacks %q", want)
		}
	}
	verb := change(first.RedundancyPct.Mean, last.RedundancyPct.Mean)
	if !strings.Contains(string(rep), "Redundancy in task blocks "+verb) {
		t.Errorf("report.md does not say redundancy %s", verb)
	}

	// No temporary files are left behind, and a second analysis rewrites
	// the same files with the same numbers (fixed seeds).
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") && e.Name() != rundir.LockFile {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
	before, _ := os.ReadFile(filepath.Join(dir, "info.csv"))
	sum2, err := analyseWith(dir, analysis.Options{Subsets: 40, TimeSubsets: 10}, WriteOptions{NoFigures: true})
	if err != nil {
		t.Fatal(err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "info.csv"))
	if !bytes.Equal(before, after) {
		t.Error("a second analysis with the same options changed info.csv")
	}
	if sum2.Blocks[3].Headline().IReal != sum.Blocks[3].Headline().IReal {
		t.Error("the second analysis gave other numbers")
	}
}

func checkSVG(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: not XML: %v", path, err)
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	if root != "svg" {
		t.Errorf("%s: root element %q, want svg", path, root)
	}
}

func TestAnalyseErrors(t *testing.T) {
	if _, err := Analyse(filepath.Join(t.TempDir(), "nope"), quick); err == nil || !strings.Contains(err.Error(), "nope") || !strings.Contains(err.Error(), "does not exist") {
		t.Errorf("missing directory: %v", err)
	}
	for _, f := range []string{"responses.npy", "trials.csv", "config.yaml", "edges.npy", "frames.npy"} {
		dir := tinyRun(t)
		os.Remove(filepath.Join(dir, f))
		_, err := Analyse(dir, quick)
		if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, f)) || !strings.Contains(err.Error(), "missing") {
			t.Errorf("without %s: %v; want an error naming the file", f, err)
		}
		if _, serr := os.Stat(filepath.Join(dir, "report.md")); serr == nil {
			t.Errorf("without %s a report was written", f)
		}
	}
	if _, err := Analyse(t.TempDir(), analysis.Options{IsletThreshold: 1.5}); err == nil || !strings.Contains(err.Error(), "1.5") {
		t.Errorf("threshold 1.5: %v", err)
	}
	if _, err := Analyse(t.TempDir(), analysis.Options{SubsetSize: 1}); err == nil || !strings.Contains(err.Error(), "subset size 1") {
		t.Errorf("subset size 1: %v", err)
	}
}

// An interrupted run is analysed with a warning; without w_sessions.npy the
// network is summarised from w_final.npy.
func TestAnalyseInterruptedNoSnapshots(t *testing.T) {
	dir := tinyRun(t)
	var rs rundir.Status
	b, _ := os.ReadFile(filepath.Join(dir, "run.json"))
	if err := json.Unmarshal(b, &rs); err != nil {
		t.Fatal(err)
	}
	rs.State = "interrupted"
	b, _ = json.Marshal(rs)
	os.WriteFile(filepath.Join(dir, "run.json"), b, 0o644)
	os.Remove(filepath.Join(dir, "w_sessions.npy"))
	var logged []string
	opt := quick
	opt.Log = func(s string) { logged = append(logged, s) }
	sum, err := analyseWith(dir, opt, WriteOptions{NoFigures: true})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(logged, "\n"), "interrupted") || !strings.Contains(strings.Join(sum.Notes, "\n"), "interrupted") {
		t.Errorf("no warning about the interruption: %v", logged)
	}
	if len(sum.Network) != 1 || sum.Network[0].Label != "final" {
		t.Errorf("network from w_final.npy: %+v", sum.Network)
	}
	rep, _ := os.ReadFile(filepath.Join(dir, "report.md"))
	if !strings.Contains(string(rep), "**interrupted**") {
		t.Error("report.md does not show the interrupted status")
	}
}

// Blocks with too few trials are skipped with notes, never an error.
func TestAnalyseTooFewTrials(t *testing.T) {
	cfg, err := model.LoadConfig("", "", []string{
		"network.neurons=30", "network.spines_per_neuron=4", "protocol.sessions=1", "protocol.before=[]", "protocol.after=[]", "protocol.baseline=false",
		"protocol.session=[{name: task, mode: task, trials: 8, coherences: [0.3], learning: true, record: true}]",
	})
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	if _, err := engine.SimulateDir(context.Background(), cfg, cpu.New(0), dir, engine.SimulateOptions{}); err != nil {
		t.Fatal(err)
	}
	sum, err := Analyse(dir, quick)
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Blocks) != 1 || len(sum.Blocks[0].Info) != 0 || len(sum.TimeCourses) != 0 {
		t.Errorf("want one block without estimates: %+v", sum.Blocks)
	}
	if !strings.Contains(strings.Join(sum.Notes, "\n"), "skipped") {
		t.Errorf("no note about the skipped block: %v", sum.Notes)
	}
	if _, err := os.Stat(filepath.Join(dir, "report.md")); err != nil {
		t.Error(err)
	}
}

// Analyse loads and analyses dir and writes its tables, figures and report, as
// iplgpu analyse does.
func Analyse(dir string, opt analysis.Options) (*page, error) {
	return analyseWith(dir, opt, WriteOptions{})
}

func analyseWith(dir string, opt analysis.Options, ropt WriteOptions) (*page, error) {
	sum, run, err := analysis.Load(dir, opt)
	if err != nil {
		return nil, err
	}
	w, err := Write(sum, run, ropt)
	if err != nil {
		return nil, err
	}
	return &page{Summary: sum, run: run, dir: dir, files: w.Files, missing: w.Missing}, nil
}
