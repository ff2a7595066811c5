package main

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/internal/sysmem"
	"github.com/iplgpu/iplgpu/report"
	"github.com/iplgpu/iplgpu/rundir"
)

const fisherSynopsis = `-plus A.npy -minus B.npy -ds X [-zero Z.npy] [-subset n -subsets K] [-boot B] [-seed S] [-format text|json|csv]
       iplgpu fisher -run DIR [-subset n -subsets K] [-boot B] [-seed S] [-bins START:END] [-format text|json|csv]
       iplgpu fisher -nwb FILE.nwb [-stimulus-column C] [-block-column C] [-mode-column C] [-session-column C] [-recorded-column C] [-bin-ms W] [...]

Bias-corrected linear Fisher information (Kanitscheider et al. 2015), I_real and
I_shuffle, and the redundancy I_shuffle - I_real, as Liu et al. measured them.
Information is in units of 1/ds^2.

With -plus and -minus: two trials x neurons arrays (.npy of dtype uint8,
uint16, uint32, uint64, int32, int64, float32 or float64, C order) for
stimuli differing by ds; the noise covariance is pooled over the two unless
-zero gives zero-coherence trials. Subsets report the mean and the 16th-84th
percentile over K random subsets of n neurons (their spread; the subsets share
the trials, so it is not an error bar).

Intervals over trials: a bootstrap of B replicates (trials resampled within
each condition, subsets drawn anew in each; -boot 0: none; not with -zero)
gives 95% intervals. Redundancy % is 100 mean(I_shuffle - I_real)/mean(I_shuffle)
over the subsets, blank unless the interval of I_shuffle lies above 0.

With -run: a run directory's responses.npy (trials x bins x neurons counts) and
trials.csv (iplgpu's or your own recording in that layout), analysed per session,
block, mode and coherence c > 0 (ds = 2c), summed over the bins of each trial,
at subset size n and at 14 and 52 neurons where the trials allow, with the
information-limiting variance epsilon fitted over subset sizes; the table goes
to DIR/fisher.csv (never the analysis's info.csv) and stdout.

With -nwb: an NWB 2.x file (a laboratory's recording, or one 'iplgpu export'
wrote) analysed as -run analyses a run: its units' spike times are counted in
bins of -bin-ms within each recorded trial of its trials table, whose columns
the -*-column flags name (the defaults are the columns export writes); a
missing or ill-typed column is refused before any spike is read. The table
goes to FILE.fisher.csv and stdout.`

// cmdFisher is the fisher subcommand.
func cmdFisher(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fisher", fisherSynopsis, stderr)
	plus := fs.String("plus", "", "trials x neurons responses at +ds/2 (.npy)")
	minus := fs.String("minus", "", "trials x neurons responses at -ds/2 (.npy)")
	ds := fs.Float64("ds", 0, "stimulus difference between -plus and -minus, e.g. 0.6 for coherence +-0.3")
	zero := fs.String("zero", "", "trials x neurons responses at zero coherence (.npy): take the noise covariance from these")
	subset := fs.Int("subset", 0, fmt.Sprintf("neurons per random subset (0: none with -plus, %d with -run)", fisher.DefaultSubsetSize))
	subsets := fs.Int("subsets", fisher.DefaultSubsets, "number of random subsets")
	seed := fs.Uint64("seed", 1, "seed of the subset draw and the bootstrap")
	boot := fs.Int("boot", analysis.DefaultBootReplicates, "bootstrap replicates over trials for 95% intervals (0: none)")
	bootSubsets := fs.Int("boot-subsets", analysis.DefaultBootSubsets, "random subsets per bootstrap replicate")
	format := fs.String("format", "text", "output: text | json | csv")
	counts := fs.Bool("counts", true, "the values are spike counts: refuse negatives (-counts=false for signed responses such as z-scores)")
	runDir := fs.String("run", "", "run directory to analyse (responses.npy, trials.csv); writes DIR/fisher.csv")
	bins := fs.String("bins", "", "with -run or -nwb: bins summed per trial, START:END (0-based, END excluded; default all)")
	nwbFile := fs.String("nwb", "", "NWB file to analyse (units' spike times, trials table); writes FILE.fisher.csv")
	roles := nwbRoleFlags(fs)
	if code, done := parseFlags(fs, args); done {
		return code
	}
	usageErr := func(format string, a ...any) int {
		fmt.Fprintf(stderr, "iplgpu fisher: "+format+"\n", a...)
		fs.Usage()
		return 2
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	switch *format {
	case "text", "json", "csv":
	default:
		return usageErr("-format %q: want text, json or csv", *format)
	}
	if *subset < 0 || *subsets < 1 {
		return usageErr("-subset %d -subsets %d: want a subset size >= 0 and at least 1 subset", *subset, *subsets)
	}
	if *boot < 0 || *boot == 1 || *bootSubsets < 1 {
		return usageErr("-boot %d -boot-subsets %d: want 0 (no bootstrap) or at least 2 replicates, and at least 1 subset per replicate", *boot, *bootSubsets)
	}
	if err := sysmem.Check(fisher.SubsetsBytes(max(*subsets, *boot)), fmt.Sprintf("-subsets %d -boot %d: the estimates of that many subsets or replicates", *subsets, *boot)); err != nil {
		return usageErr("%v; ask for fewer", err)
	}
	bspec := fisher.BootSpec{Replicates: *boot, Subsets: *bootSubsets, Seed: *seed}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "iplgpu fisher: %v\n", err)
		return 1
	}

	if *nwbFile != "" {
		if *runDir != "" {
			return usageErr("give -run DIR or -nwb FILE, not both")
		}
		*runDir = *nwbFile
	} else if roles.set(set) {
		return usageErr("the -*-column and -bin-ms flags go with -nwb")
	}
	if *runDir != "" {
		for _, f := range []string{"plus", "minus", "zero", "ds", "counts"} {
			if set[f] {
				return usageErr("-%s does not go with -run (ds is 2c for each coherence c of the run)", f)
			}
		}
		var w fisher.BinRange
		if *bins != "" {
			a, b, ok := strings.Cut(*bins, ":")
			var err1, err2 error
			w.Start, err1 = strconv.Atoi(a)
			w.End, err2 = strconv.Atoi(b)
			if !ok || err1 != nil || err2 != nil || w.Start < 0 || w.End <= w.Start {
				return usageErr("-bins %q: want START:END with 0 <= START < END, e.g. 0:8", *bins)
			}
		}
		if set["subset"] && *subset < 2 {
			return usageErr("-subset %d: a run analysis needs subsets of at least 2 neurons", *subset)
		}
		spec := fisher.SubsetSpec{Size: *subset, Count: *subsets, Seed: *seed}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		err := fisherRun(ctx, *runDir, roles, spec, bspec, w, *format, stdout, stderr)
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			fmt.Fprintf(stderr, "iplgpu fisher: interrupted; %s not written\n", filepath.Join(*runDir, rundir.FisherFile))
			return 130
		}
		if err != nil {
			return fail(err)
		}
		return 0
	}

	if *plus == "" || *minus == "" {
		return usageErr("give -plus and -minus (with -ds), or -run DIR")
	}
	if !set["ds"] {
		return usageErr("-ds is required: the stimulus difference between -plus and -minus (e.g. 0.6 for coherence +-0.3)")
	}
	if !(*ds > 0) || math.IsInf(*ds, 0) {
		return usageErr("-ds %v: the stimulus difference must be a positive number", *ds)
	}
	if err := fisher.CheckDS(*ds); err != nil {
		return usageErr("-ds %v: %v", *ds, err)
	}
	if set["bins"] {
		return usageErr("-bins goes with -run only")
	}
	if set["subsets"] && *subset == 0 {
		return usageErr("-subsets needs -subset n, the neurons per subset")
	}
	p, err := readMatrix(*plus)
	if err != nil {
		return fail(err)
	}
	m, err := readMatrix(*minus)
	if err != nil {
		return fail(err)
	}
	var z *mat.Dense
	if *zero != "" {
		if z, err = readMatrix(*zero); err != nil {
			return fail(err)
		}
	}
	opt := fisher.EstimateOptions{Counts: *counts, Subsets: fisher.SubsetSpec{Size: *subset, Count: *subsets, Seed: *seed}}
	res, err := fisher.Analyse(p, m, z, *ds, opt)
	if errors.Is(err, fisher.ErrNegativeCount) {
		err = fmt.Errorf("%w (-counts=false for signed responses)", err)
	}
	if err != nil {
		return fail(err)
	}
	tp, n := p.Dims()
	tm, _ := m.Dims()
	rep := newFisherReport(res, n, tp, tm, z, *ds)
	if bspec.Replicates > 0 {
		if z != nil {
			fmt.Fprintf(stderr, "iplgpu fisher: note: no bootstrap with -zero (the resampling is within the + and - trials); no intervals over trials and no redundancy %%\n")
		} else if err := rep.bootstrap(p, m, *ds, res, bspec, *subsets); err != nil {
			return fail(err)
		}
	}
	if err := rep.write(stdout, *format); err != nil {
		return fail(err)
	}
	if res.FullNote != "" && *format == "csv" {
		fmt.Fprintf(stderr, "iplgpu fisher: no estimate for all %d neurons: %s\n", n, res.FullNote)
	}
	return 0
}

// readMatrix reads a 2-D trials x neurons .npy array of any supported dtype.
func readMatrix(path string) (*mat.Dense, error) {
	shape, data, err := npy.ReadFloat64(path)
	if err != nil {
		return nil, err
	}
	if len(shape) != 2 {
		return nil, fmt.Errorf("%s: shape %v; want a 2-D array, trials x neurons", path, shape)
	}
	if shape[0] == 0 || shape[1] == 0 {
		return nil, fmt.Errorf("%s: shape %v holds no responses; want trials x neurons, both > 0", path, shape)
	}
	return mat.NewDense(shape[0], shape[1], data), nil
}

// jsonFloat writes NaN and infinities as null, which JSON lacks.
type jsonFloat float64

func (f jsonFloat) MarshalJSON() ([]byte, error) {
	v := float64(f)
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return []byte("null"), nil
	}
	return strconv.AppendFloat(nil, v, 'g', -1, 64), nil
}

type jsonFull struct {
	IReal         jsonFloat `json:"i_real"`
	IRealNaive    jsonFloat `json:"i_real_naive"`
	IRealSD       jsonFloat `json:"i_real_sd"`
	IShuffle      jsonFloat `json:"i_shuffle"`
	IShuffleNaive jsonFloat `json:"i_shuffle_naive"`
	Redundancy    jsonFloat `json:"redundancy"`
	RedundancyPct jsonFloat `json:"redundancy_pct"`
	Boot          *jsonBoot `json:"boot,omitempty"`
}

// jsonBoot holds the 95% bootstrap intervals over trials.
type jsonBoot struct {
	Replicates    int          `json:"replicates"`
	Subsets       int          `json:"subsets_per_replicate"`
	IReal         [2]jsonFloat `json:"i_real"`
	IShuffle      [2]jsonFloat `json:"i_shuffle"`
	Redundancy    [2]jsonFloat `json:"redundancy"`
	RedundancyPct [2]jsonFloat `json:"redundancy_pct"`
}

type jsonInterval struct {
	Mean jsonFloat `json:"mean"`
	Lo   jsonFloat `json:"lo"`
	Hi   jsonFloat `json:"hi"`
}

func interval(iv fisher.Interval) jsonInterval {
	return jsonInterval{jsonFloat(iv.Mean), jsonFloat(iv.Lo), jsonFloat(iv.Hi)}
}

type jsonSubsets struct {
	Size       int          `json:"size"`
	Count      int          `json:"count"`
	Seed       uint64       `json:"seed"`
	IReal      jsonInterval `json:"i_real"`
	IShuffle   jsonInterval `json:"i_shuffle"`
	Redundancy jsonInterval `json:"redundancy"`
	// RedundancyPct is 100 mean(gap)/mean(I_shuffle), blank (null) unless
	// I_shuffle's bootstrap interval lies above 0.
	RedundancyPct jsonFloat `json:"redundancy_pct"`
	Boot          *jsonBoot `json:"boot,omitempty"`
}

// fisherReport is the result of a -plus/-minus analysis as it is printed.
type fisherReport struct {
	Neurons     int          `json:"neurons"`
	TrialsPlus  int          `json:"trials_plus"`
	TrialsMinus int          `json:"trials_minus"`
	TrialsZero  int          `json:"trials_zero"`
	DS          float64      `json:"ds"`
	Covariance  string       `json:"covariance"`
	DF          int          `json:"df"`
	Full        *jsonFull    `json:"full"`
	FullNote    string       `json:"full_note,omitempty"`
	Subsets     *jsonSubsets `json:"subsets"`
	NoiseCorr   jsonFloat    `json:"noise_corr"`
}

func newFisherReport(res fisher.Result, n, tp, tm int, zero *mat.Dense, ds float64) fisherReport {
	r := fisherReport{Neurons: n, TrialsPlus: tp, TrialsMinus: tm, DS: ds, Covariance: "pooled", DF: tp + tm - 2,
		FullNote: res.FullNote, NoiseCorr: jsonFloat(res.NoiseCorr)}
	if zero != nil {
		r.TrialsZero, _ = zero.Dims()
		r.Covariance = "zero"
		r.DF = r.TrialsZero - 1
	}
	if e := res.Full; e != nil {
		r.Full = &jsonFull{IReal: jsonFloat(e.Real), IRealNaive: jsonFloat(e.RealNaive), IRealSD: jsonFloat(math.Sqrt(e.RealVar)),
			IShuffle: jsonFloat(e.Shuffle), IShuffleNaive: jsonFloat(e.ShuffleNaive), Redundancy: jsonFloat(e.Redundancy), RedundancyPct: jsonFloat(math.NaN())}
	}
	if s := res.Subsets; s != nil {
		r.Subsets = &jsonSubsets{Size: s.Size, Count: s.Count, Seed: s.Seed, IReal: interval(s.Real), IShuffle: interval(s.Shuffle), Redundancy: interval(s.Redundancy),
			RedundancyPct: jsonFloat(math.NaN())}
	}
	return r
}

// bootstrap adds the 95% intervals over trials (and with them the redundancy
// %) of the full estimate and the subsets.
func (r *fisherReport) bootstrap(p, m *mat.Dense, ds float64, res fisher.Result, spec fisher.BootSpec, count int) error {
	ci := func(est float64, reps []float64) [2]jsonFloat {
		lo, hi := fisher.BootInterval(est, reps, analysis.CILevel)
		return [2]jsonFloat{jsonFloat(lo), jsonFloat(hi)}
	}
	fill := func(real, shuffle, gap float64, b *fisher.BootResult) (*jsonBoot, jsonFloat) {
		jb := &jsonBoot{Replicates: spec.Replicates, Subsets: spec.Subsets,
			IReal: ci(real, b.Real[0]), IShuffle: ci(shuffle, b.Shuffle[0]), Redundancy: ci(gap, b.Gap[0])}
		pc := fisher.RatioPct(gap, shuffle, float64(jb.IShuffle[0]))
		jb.RedundancyPct = [2]jsonFloat{jsonFloat(math.NaN()), jsonFloat(math.NaN())}
		if !math.IsNaN(pc) {
			reps := make([]float64, len(b.Gap[0]))
			for k := range reps {
				reps[k] = math.NaN()
				if b.Shuffle[0][k] > 0 {
					reps[k] = 100 * b.Gap[0][k] / b.Shuffle[0][k]
				}
			}
			jb.RedundancyPct = ci(pc, reps)
		}
		return jb, jsonFloat(pc)
	}
	if e := res.Full; e != nil {
		b, err := fisher.Bootstrap(p, m, ds, nil, []int{e.N}, fisher.BootSpec{Replicates: spec.Replicates, Subsets: 1, Seed: spec.Seed})
		if err != nil {
			return err
		}
		r.Full.Boot, r.Full.RedundancyPct = fill(e.Real, e.Shuffle, e.Redundancy, b)
	}
	if s := res.Subsets; s != nil {
		st, err := fisher.NewStats(p, m, nil, ds, false)
		if err != nil {
			return err
		}
		bs := spec
		bs.EstimateSubsets = count
		b, err := fisher.Bootstrap(p, m, ds, st.Active(), []int{s.Size}, bs)
		if err != nil {
			return err
		}
		r.Subsets.Boot, r.Subsets.RedundancyPct = fill(s.Real.Mean, s.Shuffle.Mean, s.Redundancy.Mean, b)
	}
	return nil
}

func num(v jsonFloat) string {
	if math.IsNaN(float64(v)) {
		return ""
	}
	return strconv.FormatFloat(float64(v), 'g', 6, 64)
}

func (r fisherReport) write(w io.Writer, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "csv":
		cw := csv.NewWriter(w)
		cw.Write([]string{"quantity", "estimate", "naive", "sd", "boot_lo", "boot_hi", "subset_mean", "subset_lo", "subset_hi", "subset_boot_lo", "subset_boot_hi"})
		nan := jsonFloat(math.NaN())
		none := [2]jsonFloat{nan, nan}
		type line struct {
			name           string
			est, naive, sd jsonFloat
			ci             [2]jsonFloat
			sub            jsonInterval
			subCI          [2]jsonFloat
			noSub          bool
		}
		nanIv := jsonInterval{nan, nan, nan}
		lines := []line{{"i_real", nan, nan, nan, none, nanIv, none, true}, {"i_shuffle", nan, nan, nan, none, nanIv, none, true},
			{"redundancy", nan, nan, nan, none, nanIv, none, true}, {"redundancy_pct", nan, nan, nan, none, nanIv, none, true}, {"noise_corr", r.NoiseCorr, nan, nan, none, nanIv, none, true}}
		if f := r.Full; f != nil {
			lines[0].est, lines[0].naive, lines[0].sd = f.IReal, f.IRealNaive, f.IRealSD
			lines[1].est, lines[1].naive = f.IShuffle, f.IShuffleNaive
			lines[2].est, lines[3].est = f.Redundancy, f.RedundancyPct
			if b := f.Boot; b != nil {
				lines[0].ci, lines[1].ci, lines[2].ci, lines[3].ci = b.IReal, b.IShuffle, b.Redundancy, b.RedundancyPct
			}
		}
		if s := r.Subsets; s != nil {
			lines[0].sub, lines[1].sub, lines[2].sub = s.IReal, s.IShuffle, s.Redundancy
			lines[3].sub = jsonInterval{s.RedundancyPct, nan, nan}
			for k := range 4 {
				lines[k].noSub = false
			}
			if b := s.Boot; b != nil {
				lines[0].subCI, lines[1].subCI, lines[2].subCI, lines[3].subCI = b.IReal, b.IShuffle, b.Redundancy, b.RedundancyPct
			}
		}
		for _, l := range lines {
			rec := []string{l.name, num(l.est), num(l.naive), num(l.sd), num(l.ci[0]), num(l.ci[1]), "", "", "", "", ""}
			if !l.noSub {
				rec[6], rec[7], rec[8], rec[9], rec[10] = num(l.sub.Mean), num(l.sub.Lo), num(l.sub.Hi), num(l.subCI[0]), num(l.subCI[1])
			}
			cw.Write(rec)
		}
		cw.Flush()
		return cw.Error()
	}
	cov := fmt.Sprintf("pooled over + and - (df %d)", r.DF)
	if r.Covariance == "zero" {
		cov = fmt.Sprintf("from T0 = %d zero-coherence trials (df %d)", r.TrialsZero, r.DF)
	}
	fmt.Fprintf(w, "N = %d neurons, T+ = %d, T- = %d trials, ds = %g; noise covariance %s\n", r.Neurons, r.TrialsPlus, r.TrialsMinus, r.DS, cov)
	fmt.Fprintf(w, "information in 1/ds^2 units; bias-corrected (Kanitscheider et al. 2015)\n\n")
	ciText := func(b *jsonBoot, pick func(*jsonBoot) [2]jsonFloat) string {
		if b == nil {
			return ""
		}
		c := pick(b)
		if math.IsNaN(float64(c[0])) {
			return ""
		}
		return fmt.Sprintf("[%s, %s]", num(c[0]), num(c[1]))
	}
	pick := []func(*jsonBoot) [2]jsonFloat{
		func(b *jsonBoot) [2]jsonFloat { return b.IReal }, func(b *jsonBoot) [2]jsonFloat { return b.IShuffle },
		func(b *jsonBoot) [2]jsonFloat { return b.Redundancy }, func(b *jsonBoot) [2]jsonFloat { return b.RedundancyPct },
	}
	pctOr := func(v jsonFloat, b *jsonBoot) string {
		if math.IsNaN(float64(v)) {
			if b == nil {
				return "blank (needs the bootstrap)"
			}
			return "blank (I_shuffle not clearly above 0)"
		}
		return num(v)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if f := r.Full; f != nil {
		fmt.Fprintf(tw, "all %d neurons\testimate\tnaive\tsd\t95%% bootstrap\n", r.Neurons)
		fmt.Fprintf(tw, "I_real\t%s\t%s\t%s\t%s\n", num(f.IReal), num(f.IRealNaive), num(f.IRealSD), ciText(f.Boot, pick[0]))
		fmt.Fprintf(tw, "I_shuffle\t%s\t%s\t\t%s\n", num(f.IShuffle), num(f.IShuffleNaive), ciText(f.Boot, pick[1]))
		fmt.Fprintf(tw, "redundancy\t%s\t\t\t%s\n", num(f.Redundancy), ciText(f.Boot, pick[2]))
		fmt.Fprintf(tw, "redundancy %%\t%s\t\t\t%s\n", pctOr(f.RedundancyPct, f.Boot), ciText(f.Boot, pick[3]))
	} else {
		fmt.Fprintf(tw, "all %d neurons\tno estimate: %s\n", r.Neurons, r.FullNote)
	}
	fmt.Fprintf(tw, "noise correlation\t%s\t\t\t\n", num(r.NoiseCorr))
	if s := r.Subsets; s != nil {
		fmt.Fprintf(tw, "\n%d random subsets of %d neurons (seed %d): mean, 16th and 84th percentile over subsets, 95%% bootstrap interval over trials\n", s.Count, s.Size, s.Seed)
		fmt.Fprintf(tw, "\tmean\t16%%\t84%%\t95%% bootstrap\n")
		for k, q := range []struct {
			name string
			iv   jsonInterval
		}{{"I_real", s.IReal}, {"I_shuffle", s.IShuffle}, {"redundancy", s.Redundancy}} {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", q.name, num(q.iv.Mean), num(q.iv.Lo), num(q.iv.Hi), ciText(s.Boot, pick[k]))
		}
		fmt.Fprintf(tw, "redundancy %%\t%s\t\t\t%s\n", pctOr(s.RedundancyPct, s.Boot), ciText(s.Boot, pick[3]))
	}
	if b := bootOf(r); b != nil {
		fmt.Fprintf(tw, "\nbootstrap: %d replicates, %d subsets each; trials resampled within + and -\n", b.Replicates, b.Subsets)
	}
	return tw.Flush()
}

func bootOf(r fisherReport) *jsonBoot {
	if r.Subsets != nil && r.Subsets.Boot != nil {
		return r.Subsets.Boot
	}
	if r.Full != nil {
		return r.Full.Boot
	}
	return nil
}

// fisherRun analyses a recording in the run-directory layout (responses.npy,
// trials.csv: iplgpu's or a user's) and writes DIR/fisher.csv, its own table:
// the analysis's info.csv is never touched.
func fisherRun(ctx context.Context, dir string, roles *nwbRoles, spec fisher.SubsetSpec, boot fisher.BootSpec, w fisher.BinRange, format string, stdout, stderr io.Writer) error {
	rec, outPath, err := openRecording(dir, roles, func(format string, a ...any) {
		fmt.Fprintf(stderr, "iplgpu fisher: note: "+format+"\n", a...)
	})
	if err != nil {
		return err
	}
	if w != (fisher.BinRange{}) && w.End > rec.Responses.Bins {
		return fmt.Errorf("-bins %d:%d: %s has %d bins per trial", w.Start, w.End, rec.Source, rec.Responses.Bins)
	}
	rows, notes, err := analysis.InfoRows(rec.Responses, rec.Trials, analysis.InfoOptions{Subsets: spec, Window: w, Boot: boot, Context: ctx})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, n := range notes {
		fmt.Fprintf(stderr, "iplgpu fisher: note: %s\n", n)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if len(rows) == 0 {
		return fmt.Errorf("%s: nothing to analyse: no session and block has recorded trials at both +c and -c for a coherence c > 0 with enough trials (see the notes above); %s not written", dir, rundir.FisherFile)
	}
	if err := rundir.WriteFileAtomic(outPath, func(f io.Writer) error { return report.WriteFisherCSV(f, rows) }); err != nil {
		return err
	}

	switch format {
	case "csv":
		return report.WriteFisherCSV(stdout, rows)
	case "json":
		var out []map[string]any
		for _, r := range rows {
			for _, rec := range report.FisherRecords(r) {
				m := map[string]any{}
				for c, v := range rec {
					name := rundir.FisherColumns[c]
					switch name {
					case "block_name", "mode", "epsilon_sizes":
						m[name] = v
					default:
						x, err := strconv.ParseFloat(v, 64)
						if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
							m[name] = nil
						} else {
							m[name] = json.Number(v)
						}
					}
				}
				out = append(out, m)
			}
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "session\tblock\tname\tmode\tc\tN\tT+\tT-\tn x K\tI_real [95%]\tI_shuffle [95%]\tredundancy [95%]\tredund. % [95%]\tnoise corr\tepsilon\t")
	for _, r := range rows {
		for _, s := range r.Sizes {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%g\t%d\t%d\t%d\t%dx%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
				r.Session, r.Block, r.BlockName, r.Mode, r.Coherence, r.Neurons, r.TPlus, r.TMinus, s.N, s.Subsets,
				valText(s.IReal), valText(s.IShuffle), valText(s.Gap), valText(s.RedundancyPct), valText(r.NoiseCorr), valText(r.Epsilon))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b := "no bootstrap (-boot 0): no intervals over trials, redundancy % blank"
	if boot.Replicates > 0 {
		b = fmt.Sprintf("[95%%]: bootstrap over trials, %d replicates of %d subsets", boot.Replicates, boot.Subsets)
	}
	fmt.Fprintf(stdout, "information in 1/ds^2 units (ds = 2c); %s; written to %s\n", b, outPath)
	return nil
}

// valText is "v [lo, hi]", "v" without an interval, "-" for NaN.
func valText(v analysis.Value) string {
	if math.IsNaN(v.Est) || math.IsInf(v.Est, 0) {
		return "-"
	}
	if !v.HasCI() {
		return fmt.Sprintf("%.3g", v.Est)
	}
	return fmt.Sprintf("%.3g [%.3g, %.3g]", v.Est, v.Lo, v.Hi)
}
