package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/sweep"
)

const mergeSynopsis = `[-j N] [-no-figures] SWEEPDIR

Merges a sweep (iplgpu sweep plan): analyses every finished point's run
(as iplgpu analyse does, with the default options) and groups the runs by
condition (the grid point without the seed). Writes into SWEEPDIR:
merged.csv (per condition and headline number: the mean, sd and 95% t
interval across the condition's seeds, and the seeds' values),
merged_points.csv (every run's headline numbers), fig_merge_KEY.png/.svg
(the headline numbers against each swept parameter) and merged.md. Points
that are not done are left out with a note.`

// cmdMerge is the merge subcommand.
func cmdMerge(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("merge", mergeSynopsis, stderr)
	workers := fs.Int("j", 1, "runs analysed at once (each analysis uses every core for its bootstrap)")
	noFigures := fs.Bool("no-figures", false, "write the tables and merged.md but no figures")
	dirs, code, done := parseWithDirs(fs, args)
	if done {
		return code
	}
	if len(dirs) != 1 || *workers < 1 || *workers > maxWorkers {
		fmt.Fprintf(stderr, "iplgpu merge: give one sweep directory (and -j N from 1 to %d)\n", maxWorkers)
		return 2
	}
	dir := dirs[0]
	m, err := sweep.ReadManifest(dir)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu merge: %v\n", err)
		return 1
	}
	sts, err := sweep.Status(dir, m, pointProbe)
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu merge: %v\n", err)
		return 1
	}
	ss := &analysis.SweepSummary{Name: m.Name, Params: m.Params}
	var pending []sweep.Point
	for _, s := range sts {
		if s.State == sweep.Done {
			pending = append(pending, s.Point)
			continue
		}
		ss.Notes = append(ss.Notes, strings.TrimSuffix(fmt.Sprintf("point %d (%s) is %s, left out: %s", s.Index, s.Dir, s.State, s.Detail), ": "))
	}
	for _, n := range ss.Notes {
		fmt.Fprintf(stderr, "iplgpu merge: note: %s\n", n)
	}
	if len(pending) == 0 {
		fmt.Fprintf(stderr, "iplgpu merge: no point of %s is done (%s); run the sweep first\n", dir, sweep.Summary(sts))
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), stopSignals...)
	defer stop()
	t0 := time.Now()
	sums, cfgs, err := analysePoints(ctx, dir, m, pending, *workers, stderr)
	if err != nil {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "iplgpu merge: interrupted; nothing merged")
			return 130
		}
		fmt.Fprintf(stderr, "iplgpu merge: %v\n", err)
		return 1
	}
	if err := mergeConditions(ss, pending, sums, cfgs); err != nil {
		fmt.Fprintf(stderr, "iplgpu merge: %v\n", err)
		return 1
	}
	w, err := report.WriteSweep(ss, dir, report.WriteOptions{NoFigures: *noFigures, Context: ctx})
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu merge: %v\n", err)
		return 1
	}
	for _, mi := range w.Missing {
		fmt.Fprintf(stderr, "iplgpu merge: not drawn: %s\n", mi)
	}
	fmt.Fprintf(stdout, "merged %d runs in %d conditions of sweep %s in %.1f s: %s\n", len(pending), len(ss.Conditions), m.Name, time.Since(t0).Seconds(), filepath.Join(dir, rundir.MergedReportFile))
	return 0
}

// analysePoints analyses the done points of the sweep in dir, workers at
// once; it returns each point's summary and config, or the first error.
func analysePoints(ctx context.Context, dir string, m *sweep.Manifest, pending []sweep.Point, workers int, stderr io.Writer) ([]*analysis.Summary, []*model.Config, error) {
	sums := make([]*analysis.Summary, len(pending))
	cfgs := make([]*model.Config, len(pending))
	errs := make([]error, len(pending))
	var wg sync.WaitGroup
	sem := make(chan struct{}, workers)
	var mu sync.Mutex
	for i, p := range pending {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			sum, run, err := loadPoint(ctx, dir, m, p)
			if err != nil {
				errs[i] = fmt.Errorf("point %d (%s): %w", p.Index, p.Dir, err)
				return
			}
			sums[i], cfgs[i] = sum, run.Config
			mu.Lock()
			fmt.Fprintf(stderr, "iplgpu merge: analysed point %d (%s) in %.1f s\n", p.Index, p.Dir, sum.Seconds)
			mu.Unlock()
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, nil, err
		}
	}
	return sums, cfgs, nil
}

// mergeConditions adds to ss the conditions of the points pending, in the
// order of their first point, each with its seeds (in point order) merged.
func mergeConditions(ss *analysis.SweepSummary, pending []sweep.Point, sums []*analysis.Summary, cfgs []*model.Config) error {
	var keys []string
	groups := map[string][]int{}
	for i, p := range pending {
		k := strings.Join(p.Sets(), "\x00")
		if _, ok := groups[k]; !ok {
			keys = append(keys, k)
		}
		groups[k] = append(groups[k], i)
	}
	for _, k := range keys {
		var cs []*analysis.Summary
		var cc []*model.Config
		c := analysis.SweepCondition{}
		for _, i := range groups[k] {
			cs, cc = append(cs, sums[i]), append(cc, cfgs[i])
			c.Points = append(c.Points, pending[i].Index)
		}
		for _, o := range pending[groups[k][0]].Grid {
			c.Values = append(c.Values, o.Value)
		}
		var err error
		if c.Seeds, err = analysis.AcrossSeeds(cs, cc); err != nil {
			return fmt.Errorf("condition %s: %v", strings.ReplaceAll(k, "\x00", " "), err)
		}
		ss.Conditions = append(ss.Conditions, c)
	}
	return nil
}

// loadPoint analyses point p's run after checking that its own config.yaml
// is the configuration of its grid position (the sweep's base, its fixed
// and grid overrides, its seed, as this engine version resolves them): the
// merged table takes each point's values from the sweep's manifest, so a
// run in the wrong point's directory must not be merged under them.
func loadPoint(ctx context.Context, dir string, m *sweep.Manifest, p sweep.Point) (*analysis.Summary, *rundir.Run, error) {
	runDir := m.RunDir(dir, p)
	cfgPath := filepath.Join(runDir, rundir.ConfigFile)
	have, err := os.ReadFile(cfgPath)
	if err != nil {
		return nil, nil, err
	}
	want, err := model.LoadConfig(m.Preset, m.ConfigPath(dir), append(m.Overrides(p), fmt.Sprintf("seed=%d", p.Seed)))
	if err != nil {
		return nil, nil, fmt.Errorf("the configuration of its grid position: %w", err)
	}
	if wantYAML := model.ResolvedYAML(want); !bytes.Equal(have, wantYAML) {
		why := "it differs from the configuration of its grid position (" + strings.Join(append(p.Sets(), fmt.Sprintf("seed=%d", p.Seed)), " ") + ")" + firstLineDiff(have, wantYAML)
		return nil, nil, fmt.Errorf("%s: %s; was the run moved between the sweep's directories, or the sweep's base config changed after it ran?", cfgPath, why)
	}
	return analysis.Load(runDir, analysis.Options{Context: ctx})
}

// firstLineDiff names the first line where have and want differ.
func firstLineDiff(have, want []byte) string {
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(h), len(w)) {
		var a, b string
		if i < len(h) {
			a = h[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf(": line %d is %q, want %q", i+1, shortStr(strings.TrimSpace(a)), shortStr(strings.TrimSpace(b)))
		}
	}
	return ""
}

func shortStr(s string) string {
	if len(s) > 80 {
		return s[:80] + "..."
	}
	return s
}
