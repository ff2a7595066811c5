// Package simrun runs a simulation into a run directory: engine.Simulate with
// a rundir.Writer as its recorder. It is the one package that joins the
// engine, which writes nothing itself, and the run-directory format.
package simrun

import (
	"context"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
)

// rundir.Writer records a new run and continues a stopped one.
var _ engine.ResumedRecorder = (*rundir.Writer)(nil)

// Create claims the new run directory dir (rundir.Create) and runs cfg into
// it (engine.Simulate).
func Create(ctx context.Context, cfg *model.Config, be engine.Backend, dir string, opt engine.SimulateOptions) (*rundir.Status, error) {
	if err := cfg.CheckRunnable(); err != nil {
		return nil, err
	}
	out, err := rundir.Create(dir)
	if err != nil {
		return nil, err
	}
	return engine.Simulate(ctx, cfg, be, out, opt)
}

// Continue continues the stopped run that rundir.Reopen reopened (out and r
// are what it returned) with r's config; opt.Resume is set from r. It closes r.
func Continue(ctx context.Context, be engine.Backend, out *rundir.Writer, r *rundir.Resume, opt engine.SimulateOptions) (*rundir.Status, error) {
	opt.Resume = Resume(r)
	return engine.Simulate(ctx, r.Config, be, out, opt)
}

// Resume is what the engine needs of the stopped run r: its checkpoint (it
// then owns it) and what its run.json recorded.
func Resume(r *rundir.Resume) *engine.Resume {
	er := &engine.Resume{Notes: r.Notes}
	if r.Checkpoint != nil { // a nil *rundir.Checkpoint is no engine.Checkpoint
		er.Checkpoint = r.Checkpoint
	}
	if r.HasStatus {
		er.Started, er.SimSeconds = r.Status.Started, r.Status.SimSeconds
	}
	return er
}
