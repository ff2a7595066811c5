package report

import (
	"encoding/csv"
	"io"
	"math"
	"strconv"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/rundir"
)

func b01(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func writeCSV(sum *page, name string, header []string, rows func(emit func([]string) error) error) error {
	return sum.writeFile(name, func(w io.Writer) error {
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
}

// writeTables writes every table of the analysis (their names and columns:
// package rundir).
func writeTables(sum *page) error {
	for _, write := range []func(*page) error{writeInfoCSV, writeTimeCourseCSV, writeNetworkCSV, writeWHistCSV, writeIsletsCSV, writeTuningCSV,
		writeSpatialCSV, writeCalibrationCSV, writePredictionCSVs} {
		if err := write(sum); err != nil {
			return err
		}
	}
	return nil
}

// blocksByIndex maps each block's index to its result.
func blocksByIndex(sum *page) map[int]*analysis.BlockResult {
	byIndex := map[int]*analysis.BlockResult{}
	for k := range sum.Blocks {
		byIndex[sum.Blocks[k].Index] = &sum.Blocks[k]
	}
	return byIndex
}

// snapKey are the columns that name a w snapshot.
func snapKey(ns analysis.NetworkStats) []string {
	return []string{strconv.Itoa(ns.Snapshot), strconv.Itoa(ns.Session), ns.Label}
}

// writeInfoCSV writes info.csv: fisher.csv's lines with each block's design.
func writeInfoCSV(sum *page) error {
	rows := sum.InfoRows
	byIndex := blocksByIndex(sum)
	return writeCSV(sum, rundir.InfoFile, rundir.InfoColumns, func(emit func([]string) error) error {
		for _, r := range rows {
			b := byIndex[r.Block]
			if b == nil {
				continue
			}
			for _, rec := range FisherRecords(r) {
				rec = append(rec, b.Group, b01(b.Learning), b.Ablation, b.Frames, fmtG(b.Persistence), b01(b.TaskGain), b.TrainedWith, strconv.Itoa(b.Trials), fmtG(b.MeanRateHz))
				if err := emit(rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// writeTimeCourseCSV writes timecourse.csv: the information in each window of the trial.
func writeTimeCourseCSV(sum *page) error {
	byIndex := blocksByIndex(sum)
	return writeCSV(sum, rundir.TimeCourseFile, rundir.TimeCourseColumns, func(emit func([]string) error) error {
		for _, tc := range sum.TimeCourses {
			b := byIndex[tc.Block]
			for _, w := range tc.Windows {
				rec := []string{
					strconv.Itoa(b.Session), strconv.Itoa(b.Index), b.Name, b.Mode, b.Ablation, fmtG(tc.Coherence), w.Kind,
					strconv.Itoa(w.Bins.Start), strconv.Itoa(w.Bins.End), fmtG(w.StartMs), fmtG(w.EndMs), fmtG(w.EndMs - w.StartMs),
					strconv.Itoa(tc.Pool), strconv.Itoa(tc.SubsetN), strconv.Itoa(tc.Subsets),
				}
				for _, v := range []analysis.Value{w.IReal, w.IShuffle, w.Gap} {
					rec = append(rec, valueFields(v)...)
				}
				rec = append(rec, ciFields(w.RedundancyPct)...)
				if err := emit(append(rec, fmtG(w.NoiseCorr))); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// writeNetworkCSV writes network.csv: the network's statistics after each session.
func writeNetworkCSV(sum *page) error {
	return writeCSV(sum, rundir.NetworkFile, rundir.NetworkColumns, func(emit func([]string) error) error {
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
}

// writeWHistCSV writes w_hist.csv: the histogram of w after each session.
func writeWHistCSV(sum *page) error {
	return writeCSV(sum, rundir.WHistFile, rundir.WHistColumns, func(emit func([]string) error) error {
		for _, ns := range sum.Network {
			total := 0
			for _, c := range ns.WHist {
				total += c
			}
			for k, c := range ns.WHist {
				rec := append(snapKey(ns), fmtG(float64(k)/analysis.WHistBins), fmtG(float64(k+1)/analysis.WHistBins),
					strconv.Itoa(c), fmtG(float64(c)/float64(max(total, 1))))
				if err := emit(rec); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// writeIsletsCSV writes islets.csv: the islet sizes after each session.
func writeIsletsCSV(sum *page) error {
	return writeCSV(sum, rundir.IsletsFile, rundir.IsletColumns, func(emit func([]string) error) error {
		for _, ns := range sum.Network {
			for _, sc := range ns.IsletSizes {
				if err := emit(append(snapKey(ns), strconv.Itoa(sc.Size), strconv.Itoa(sc.Count))); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// writeTuningCSV writes tuning.csv: each block's tuning curve.
func writeTuningCSV(sum *page) error {
	return writeCSV(sum, rundir.TuningFile, rundir.TuningColumns, func(emit func([]string) error) error {
		const width = 90.0 / analysis.TuningBins
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
}

// finite reports whether v is a number (not NaN or infinite).
func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
