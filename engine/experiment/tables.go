package experiment

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"github.com/iplgpu/iplgpu/engine/fisher"
)

// InfoExtra are the columns info.csv adds after fisher.InfoColumns.
var InfoExtra = []string{"group", "learning", "ablation", "frames", "trained_with", "recorded_trials", "mean_rate_hz"}

// TimeCourseColumns are the columns of timecourse.csv.
var TimeCourseColumns = []string{
	"session", "block", "block_name", "mode", "ablation", "coherence", "kind", "start_bin", "end_bin",
	"t_start_ms", "t_end_ms", "width_ms", "pool", "subset_n", "subsets",
	"i_real", "i_real_lo", "i_real_hi", "i_shuffle", "i_shuffle_lo", "i_shuffle_hi",
	"gap", "gap_lo", "gap_hi", "redundancy_pct", "redundancy_pct_lo", "redundancy_pct_hi", "noise_corr",
}

// NetworkColumns are the columns of network.csv.
var NetworkColumns = []string{
	"snapshot", "session", "label", "threshold", "mean_w", "linked_frac",
	"link_cos2_weighted", "link_cos2_linked", "candidate_cos2",
	"islets", "islet_mean_spines", "islet_max_spines", "islet_mean_neurons", "spines_in_islets_frac",
}

// WHistColumns are the columns of w_hist.csv.
var WHistColumns = []string{"snapshot", "session", "label", "w_lo", "w_hi", "count", "fraction"}

// IsletColumns are the columns of islets.csv.
var IsletColumns = []string{"snapshot", "session", "label", "size_spines", "count"}

// TuningColumns are the columns of tuning.csv.
var TuningColumns = []string{"session", "block", "block_name", "mode", "ablation", "bin", "dtheta_lo_deg", "dtheta_hi_deg", "dtheta_mid_deg", "rate_hz", "mean_rate_hz"}

func fmtG(v float64) string { return strconv.FormatFloat(v, 'g', 6, 64) }

func ivFields(iv fisher.Interval) []string {
	return []string{fmtG(iv.Mean), fmtG(iv.Lo), fmtG(iv.Hi)}
}

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// writeAtomic writes dir/name through a temporary file renamed into place, so
// that the file is never seen half written.
func writeAtomic(dir, name string, write func(w io.Writer) error) error {
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(tmp)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), 0o644)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), filepath.Join(dir, name))
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%s: %w", filepath.Join(dir, name), err)
	}
	return nil
}

func writeCSV(sum *Summary, name string, header []string, rows func(emit func([]string) error) error) error {
	err := writeAtomic(sum.Dir, name, func(w io.Writer) error {
		cw := csv.NewWriter(w)
		if err := cw.Write(header); err != nil {
			return err
		}
		if err := rows(cw.Write); err != nil {
			return err
		}
		cw.Flush()
		return cw.Error()
	})
	if err == nil {
		sum.Files = append(sum.Files, name)
	}
	return err
}

func writeTables(sum *Summary, rows []fisher.RunRow) error {
	byIndex := map[int]*Block{}
	for k := range sum.Blocks {
		byIndex[sum.Blocks[k].Index] = &sum.Blocks[k]
	}
	infoHead := append(append([]string{}, fisher.InfoColumns...), InfoExtra...)
	err := writeCSV(sum, "info.csv", infoHead, func(emit func([]string) error) error {
		for _, r := range rows {
			b := byIndex[r.Block]
			if b == nil {
				continue
			}
			rec := append(r.Record(), b.Group, b01(b.Learning), b.Ablation, b.Frames, b.TrainedWith, strconv.Itoa(b.Trials), fmtG(b.MeanRateHz))
			if err := emit(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	err = writeCSV(sum, "timecourse.csv", TimeCourseColumns, func(emit func([]string) error) error {
		for _, tc := range sum.TimeCourses {
			b := byIndex[tc.Block]
			for _, w := range tc.Windows {
				rec := []string{
					strconv.Itoa(b.Session), strconv.Itoa(b.Index), b.Name, b.Mode, b.Ablation, fmtG(tc.Coherence), w.Kind,
					strconv.Itoa(w.Bins.Start), strconv.Itoa(w.Bins.End), fmtG(w.StartMs), fmtG(w.EndMs), fmtG(w.EndMs - w.StartMs),
					strconv.Itoa(tc.Pool), strconv.Itoa(tc.SubsetN), strconv.Itoa(tc.Subsets),
				}
				for _, iv := range []fisher.Interval{w.IReal, w.IShuffle, w.Gap, w.RedundancyPct} {
					rec = append(rec, ivFields(iv)...)
				}
				if err := emit(append(rec, fmtG(w.NoiseCorr))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	snapKey := func(ns NetworkStats) []string {
		return []string{strconv.Itoa(ns.Snapshot), strconv.Itoa(ns.Session), ns.Label}
	}
	err = writeCSV(sum, "network.csv", NetworkColumns, func(emit func([]string) error) error {
		for _, ns := range sum.Network {
			rec := append(snapKey(ns), fmtG(sum.Threshold), fmtG(ns.MeanW), fmtG(ns.LinkedFrac),
				fmtG(ns.LinkCos2Weighted), fmtG(ns.LinkCos2Linked), fmtG(ns.CandidateCos2),
				strconv.Itoa(ns.Islets), fmtG(ns.IsletMeanSpines), strconv.Itoa(ns.IsletMaxSpines), fmtG(ns.IsletMeanNeurons),
				fmtG(ns.SpinesInIsletsFrac))
			if err := emit(rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	err = writeCSV(sum, "w_hist.csv", WHistColumns, func(emit func([]string) error) error {
		for _, ns := range sum.Network {
			total := 0
			for _, c := range ns.WHist {
				total += c
			}
			for k, c := range ns.WHist {
				rec := append(snapKey(ns), fmtG(float64(k)/WHistBins), fmtG(float64(k+1)/WHistBins),
					strconv.Itoa(c), fmtG(float64(c)/float64(max(total, 1))))
				if err := emit(rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	err = writeCSV(sum, "islets.csv", IsletColumns, func(emit func([]string) error) error {
		for _, ns := range sum.Network {
			for _, sc := range ns.IsletSizes {
				if err := emit(append(snapKey(ns), strconv.Itoa(sc.Size), strconv.Itoa(sc.Count))); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}

	err = writeCSV(sum, "tuning.csv", TuningColumns, func(emit func([]string) error) error {
		const width = 90.0 / TuningBins
		for _, b := range sum.Blocks {
			for k, r := range b.Tuning {
				lo := float64(k) * width
				rec := []string{strconv.Itoa(b.Session), strconv.Itoa(b.Index), b.Name, b.Mode, b.Ablation,
					strconv.Itoa(k), fmtG(lo), fmtG(lo + width), fmtG(lo + width/2), fmtG(r), fmtG(b.MeanRateHz)}
				if err := emit(rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return writeSpatialCSV(sum)
}

// finite reports whether v is a number (not NaN or infinite).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
