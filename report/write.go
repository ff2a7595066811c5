package report

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/rundir"
)

// WriteOptions are the choices of Write.
type WriteOptions struct {
	NoFigures bool // write the tables and the report but no figures
	// Context, if set, stops Write between files when it is cancelled; the
	// files written so far are whole (each is written atomically).
	Context context.Context
}

// Written says what Write wrote.
type Written struct {
	Files   []string // files written, relative to the run directory
	Missing []string // figures not drawn for lack of data, with the reason
}

// page is one rendering of an analysis into its run directory.
type page struct {
	*analysis.Summary
	run     *rundir.Run
	dir     string
	files   []string
	missing []string
	ctx     context.Context
}

// Write renders the analysis of run into its directory: the tables (info.csv,
// timecourse.csv, network.csv, w_hist.csv, islets.csv, tuning.csv,
// spatial.csv, calibration.csv and the predictions' tables), the figures
// (PNG and SVG) and report.md. Every file is written whole or not at all
// (rundir.WriteFileAtomic), so it can be rerun at any time.
func Write(sum *analysis.Summary, run *rundir.Run, opt WriteOptions) (*Written, error) {
	pg := &page{Summary: sum, run: run, dir: run.Dir, ctx: opt.Context}
	if err := writeTables(pg); err != nil {
		return nil, err
	}
	if !opt.NoFigures {
		if err := drawFigures(pg); err != nil {
			return nil, err
		}
	}
	if err := writeReport(pg, run); err != nil {
		return nil, err
	}
	return &Written{Files: pg.files, Missing: pg.missing}, nil
}

// writeFile writes one file of the run directory atomically and lists it.
func (pg *page) writeFile(name string, write func(w io.Writer) error) error {
	if pg.ctx != nil && pg.ctx.Err() != nil {
		return pg.ctx.Err()
	}
	if err := rundir.WriteFileAtomic(filepath.Join(pg.dir, name), write); err != nil {
		return err
	}
	pg.files = append(pg.files, name)
	return nil
}

// sizes returns the subset sizes with a result in any block, ascending.
func (pg *page) sizes() []int {
	var out []int
	for k := range pg.Blocks {
		for _, r := range pg.Blocks[k].Info {
			for _, s := range r.Sizes {
				if !slices.Contains(out, s.N) {
					out = append(out, s.N)
				}
			}
		}
	}
	slices.Sort(out)
	return out
}

// booted says whether the analysis has intervals over trials.
func (pg *page) booted() bool { return !pg.Options.NoBootstrap }

// intervalName says which interval the figures and tables carry.
func (pg *page) intervalName() string {
	if !pg.booted() {
		return "no interval over trials (bootstrap off)"
	}
	return fmt.Sprintf("95%% bootstrap interval over trials (%d replicates)", pg.Options.BootReplicates)
}

// intervalShort is intervalName for a figure title.
func (pg *page) intervalShort() string {
	if !pg.booted() {
		return "no interval (bootstrap off)"
	}
	return "95% bootstrap CI over trials"
}
