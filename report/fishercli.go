package report

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"text/tabwriter"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/rundir"
)

// This file renders what iplgpu fisher prints: the estimate of two response
// arrays (FisherPair) and the table of a recording (WriteFisherRows).

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

// FisherPair is the estimate of two response arrays (iplgpu fisher -plus
// -minus) as it is printed.
type FisherPair struct {
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

// FisherPairShape is the data behind a FisherPair: neurons, trials of each
// condition (TrialsZero > 0: the covariance came from zero-coherence
// trials) and the stimulus difference.
type FisherPairShape struct {
	Neurons, TrialsPlus, TrialsMinus, TrialsZero int
	DS                                           float64
}

// NewFisherPair is res (fisher.Analyse) for printing, with the bootstrap
// intervals full and subsets (fisher.BootstrapResult; nil: none).
func NewFisherPair(res fisher.Result, sh FisherPairShape, full, subsets *fisher.Intervals) FisherPair {
	r := FisherPair{Neurons: sh.Neurons, TrialsPlus: sh.TrialsPlus, TrialsMinus: sh.TrialsMinus, DS: sh.DS, Covariance: "pooled",
		DF: sh.TrialsPlus + sh.TrialsMinus - 2, FullNote: res.FullNote, NoiseCorr: jsonFloat(res.NoiseCorr)}
	if sh.TrialsZero > 0 {
		r.TrialsZero = sh.TrialsZero
		r.Covariance = "zero"
		r.DF = r.TrialsZero - 1
	}
	if e := res.Full; e != nil {
		r.Full = &jsonFull{IReal: jsonFloat(e.Real), IRealNaive: jsonFloat(e.RealNaive), IRealSD: jsonFloat(math.Sqrt(e.RealVar)),
			IShuffle: jsonFloat(e.Shuffle), IShuffleNaive: jsonFloat(e.ShuffleNaive), Redundancy: jsonFloat(e.Redundancy), RedundancyPct: jsonFloat(math.NaN())}
		if full != nil {
			r.Full.Boot, r.Full.RedundancyPct = bootOf(full), jsonFloat(full.RedundancyPct)
		}
	}
	if s := res.Subsets; s != nil {
		r.Subsets = &jsonSubsets{Size: s.Size, Count: s.Count, Seed: s.Seed, IReal: interval(s.Real), IShuffle: interval(s.Shuffle), Redundancy: interval(s.Redundancy),
			RedundancyPct: jsonFloat(math.NaN())}
		if subsets != nil {
			r.Subsets.Boot, r.Subsets.RedundancyPct = bootOf(subsets), jsonFloat(subsets.RedundancyPct)
		}
	}
	return r
}

func bootOf(iv *fisher.Intervals) *jsonBoot {
	pair := func(v [2]float64) [2]jsonFloat { return [2]jsonFloat{jsonFloat(v[0]), jsonFloat(v[1])} }
	return &jsonBoot{Replicates: iv.Replicates, Subsets: iv.Subsets, IReal: pair(iv.Real), IShuffle: pair(iv.Shuffle),
		Redundancy: pair(iv.Redundancy), RedundancyPct: pair(iv.RedundancyPctCI)}
}

// pairNum formats v for the FisherPair tables: NaN is empty.
func pairNum(v jsonFloat) string {
	if math.IsNaN(float64(v)) {
		return ""
	}
	return strconv.FormatFloat(float64(v), 'g', 6, 64)
}

// Write prints r as format: text (aligned tables), json or csv.
func (r FisherPair) Write(w io.Writer, format string) error {
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(r)
	case "csv":
		return r.writeCSV(w)
	}
	return r.writeText(w)
}

// writeCSV prints one line per quantity: the full estimate with its
// interval, then the subsets' mean, spread and interval.
func (r FisherPair) writeCSV(w io.Writer) error {
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
		rec := []string{l.name, pairNum(l.est), pairNum(l.naive), pairNum(l.sd), pairNum(l.ci[0]), pairNum(l.ci[1]), "", "", "", "", ""}
		if !l.noSub {
			rec[6], rec[7], rec[8], rec[9], rec[10] = pairNum(l.sub.Mean), pairNum(l.sub.Lo), pairNum(l.sub.Hi), pairNum(l.subCI[0]), pairNum(l.subCI[1])
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

// writeText prints the header, the full estimate's table, the subsets'
// table and the bootstrap's size.
func (r FisherPair) writeText(w io.Writer) error {
	cov := fmt.Sprintf("pooled over + and - (df %d)", r.DF)
	if r.Covariance == "zero" {
		cov = fmt.Sprintf("from T0 = %d zero-coherence trials (df %d)", r.TrialsZero, r.DF)
	}
	fmt.Fprintf(w, "N = %d neurons, T+ = %d, T- = %d trials, ds = %g; noise covariance %s\n", r.Neurons, r.TrialsPlus, r.TrialsMinus, r.DS, cov)
	fmt.Fprintf(w, "information in 1/ds^2 units; bias-corrected (Kanitscheider et al. 2015)\n\n")
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	r.writeFullText(tw)
	r.writeSubsetsText(tw)
	if b := r.boot(); b != nil {
		fmt.Fprintf(tw, "\nbootstrap: %d replicates, %d subsets each; trials resampled within + and -\n", b.Replicates, b.Subsets)
	}
	return tw.Flush()
}

// ciText is b's interval of one quantity as "[lo, hi]", empty without one.
func ciText(b *jsonBoot, c func(*jsonBoot) [2]jsonFloat) string {
	if b == nil {
		return ""
	}
	v := c(b)
	if math.IsNaN(float64(v[0])) {
		return ""
	}
	return fmt.Sprintf("[%s, %s]", pairNum(v[0]), pairNum(v[1]))
}

// The quantities of a jsonBoot, for ciText.
var (
	bootReal       = func(b *jsonBoot) [2]jsonFloat { return b.IReal }
	bootShuffle    = func(b *jsonBoot) [2]jsonFloat { return b.IShuffle }
	bootRedundancy = func(b *jsonBoot) [2]jsonFloat { return b.Redundancy }
	bootPct        = func(b *jsonBoot) [2]jsonFloat { return b.RedundancyPct }
)

// pctOr is the redundancy % v, or why it is blank.
func pctOr(v jsonFloat, b *jsonBoot) string {
	if math.IsNaN(float64(v)) {
		if b == nil {
			return "blank (needs the bootstrap)"
		}
		return "blank (I_shuffle not clearly above 0)"
	}
	return pairNum(v)
}

func (r FisherPair) writeFullText(tw io.Writer) {
	if f := r.Full; f != nil {
		fmt.Fprintf(tw, "all %d neurons\testimate\tnaive\tsd\t95%% bootstrap\n", r.Neurons)
		fmt.Fprintf(tw, "I_real\t%s\t%s\t%s\t%s\n", pairNum(f.IReal), pairNum(f.IRealNaive), pairNum(f.IRealSD), ciText(f.Boot, bootReal))
		fmt.Fprintf(tw, "I_shuffle\t%s\t%s\t\t%s\n", pairNum(f.IShuffle), pairNum(f.IShuffleNaive), ciText(f.Boot, bootShuffle))
		fmt.Fprintf(tw, "redundancy\t%s\t\t\t%s\n", pairNum(f.Redundancy), ciText(f.Boot, bootRedundancy))
		fmt.Fprintf(tw, "redundancy %%\t%s\t\t\t%s\n", pctOr(f.RedundancyPct, f.Boot), ciText(f.Boot, bootPct))
	} else {
		fmt.Fprintf(tw, "all %d neurons\tno estimate: %s\n", r.Neurons, r.FullNote)
	}
	fmt.Fprintf(tw, "noise correlation\t%s\t\t\t\n", pairNum(r.NoiseCorr))
}

func (r FisherPair) writeSubsetsText(tw io.Writer) {
	s := r.Subsets
	if s == nil {
		return
	}
	fmt.Fprintf(tw, "\n%d random subsets of %d neurons (seed %d): mean, 16th and 84th percentile over subsets, 95%% bootstrap interval over trials\n", s.Count, s.Size, s.Seed)
	fmt.Fprintf(tw, "\tmean\t16%%\t84%%\t95%% bootstrap\n")
	for _, q := range []struct {
		name string
		iv   jsonInterval
		c    func(*jsonBoot) [2]jsonFloat
	}{{"I_real", s.IReal, bootReal}, {"I_shuffle", s.IShuffle, bootShuffle}, {"redundancy", s.Redundancy, bootRedundancy}} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", q.name, pairNum(q.iv.Mean), pairNum(q.iv.Lo), pairNum(q.iv.Hi), ciText(s.Boot, q.c))
	}
	fmt.Fprintf(tw, "redundancy %%\t%s\t\t\t%s\n", pctOr(s.RedundancyPct, s.Boot), ciText(s.Boot, bootPct))
}

// boot is the bootstrap behind r's intervals (the subsets', else the full
// estimate's), nil when there is none.
func (r FisherPair) boot() *jsonBoot {
	if r.Subsets != nil && r.Subsets.Boot != nil {
		return r.Subsets.Boot
	}
	if r.Full != nil {
		return r.Full.Boot
	}
	return nil
}

// WriteFisherRows prints the table of a recording's analysis (iplgpu fisher
// -run) as format: csv (fisher.csv's layout), json (one object per line of
// it) or text (aligned, with a line naming the bootstrap boot and the file
// written, outPath).
func WriteFisherRows(w io.Writer, rows []analysis.InfoRow, format string, boot fisher.BootSpec, outPath string) error {
	switch format {
	case "csv":
		return WriteFisherCSV(w, rows)
	case "json":
		return writeFisherJSON(w, rows)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "session\tblock\tname\tmode\tc\tN\tT+\tT-\tn x K\tI_real [95%]\tI_shuffle [95%]\tredundancy [95%]\tredund. % [95%]\tnoise corr\tepsilon\t")
	for _, r := range rows {
		for _, s := range r.Sizes {
			fmt.Fprintf(tw, "%d\t%d\t%s\t%s\t%g\t%d\t%d\t%d\t%dx%d\t%s\t%s\t%s\t%s\t%s\t%s\t\n",
				r.Session, r.Block, r.BlockName, r.Mode, r.Coherence, r.Neurons, r.TPlus, r.TMinus, s.N, s.Subsets,
				shortValText(s.IReal), shortValText(s.IShuffle), shortValText(s.Gap), shortValText(s.RedundancyPct), shortValText(r.NoiseCorr), shortValText(r.Epsilon))
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	b := "no bootstrap (-boot 0): no intervals over trials, redundancy % blank"
	if boot.Replicates > 0 {
		b = fmt.Sprintf("[95%%]: bootstrap over trials, %d replicates of %d subsets", boot.Replicates, boot.Subsets)
	}
	_, err := fmt.Fprintf(w, "information in 1/ds^2 units (ds = 2c); %s; written to %s\n", b, outPath)
	return err
}

// writeFisherJSON prints the lines of fisher.csv as JSON objects: numbers
// as numbers (null for NaN), names as strings.
func writeFisherJSON(w io.Writer, rows []analysis.InfoRow) error {
	var out []map[string]any
	for _, r := range rows {
		for _, rec := range FisherRecords(r) {
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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// shortValText is "v [lo, hi]", "v" without an interval, "-" for NaN, in
// three digits.
func shortValText(v analysis.Value) string {
	if math.IsNaN(v.Est) || math.IsInf(v.Est, 0) {
		return "-"
	}
	if !v.HasCI() {
		return fmt.Sprintf("%.3g", v.Est)
	}
	return fmt.Sprintf("%.3g [%.3g, %.3g]", v.Est, v.Lo, v.Hi)
}
