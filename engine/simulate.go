package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
)

// Progress is reported after every trial.
type Progress struct {
	Trial, Trials int          // trials done, total
	Block         *model.Block // block of the trial just done
	MeanRateHz    float64
}

// SimulateOptions are the knobs of Simulate that are not part of the model.
type SimulateOptions struct {
	Progress func(Progress) // called after every trial (may be nil)
	Log      func(string)   // one-line messages (may be nil)
	// AfterSession, if set, is called with the backend after each session's blocks
	// (and after session 0), e.g. to snapshot coupling; it must not change state.
	AfterSession func(session int, be Backend) error
}

// Simulate runs the whole protocol of cfg on the backend and writes the run
// directory through out (config.yaml, network arrays, responses.npy,
// trials.csv, frames.npy, w_sessions.npy, run.json; see package rundir), then
// closes out. When ctx is cancelled it stops after the current trial, leaves
// every file valid and returns ctx's error; the status says "interrupted".
func Simulate(ctx context.Context, cfg *model.Config, be Backend, out *rundir.Writer, opt SimulateOptions) (st *rundir.Status, err error) {
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			opt.Log(fmt.Sprintf(format, a...))
		}
	}
	st = &rundir.Status{Version: model.Version, Seed: cfg.Seed, Backend: be.Name(), State: rundir.StateFailed, Started: time.Now()}
	defer func() {
		// A panic (a bug) still leaves a run.json that says failed and why,
		// then goes on with its stack trace.
		p := recover()
		if p != nil {
			err = fmt.Errorf("panic: %v", p)
			st.State = rundir.StateFailed
		}
		if cerr := out.Close(); cerr != nil && err == nil {
			err = cerr
		}
		st.Finished = time.Now()
		if err != nil && st.State == rundir.StateFailed && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			st.State = rundir.StateInterrupted // during the build: nothing simulated
		}
		if err != nil && st.State == rundir.StateFailed {
			st.Error = err.Error()
		}
		if werr := rundir.WriteStatus(out.Dir(), st); werr != nil && err == nil {
			err = werr
		}
		if p != nil {
			panic(p)
		}
	}()
	if err := cfg.CheckRunnable(); err != nil {
		return st, err
	}
	if err := out.WriteConfig(cfg); err != nil {
		return st, err
	}

	d := model.Derive(cfg)
	t0 := time.Now()
	logf("network: building %d neurons x %d spines...", cfg.Network.Neurons, cfg.Network.SpinesPerNeuron)
	net, err := model.BuildNetworkContext(ctx, cfg, 0)
	if err != nil {
		if ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			logf("interrupted while building the network; nothing was simulated")
		}
		return st, err
	}
	st.BuildSeconds = time.Since(t0).Seconds()
	st.Neurons, st.Spines, st.Edges, st.ContactUm = net.N, net.Spines(), net.Edges(), net.ContactUm
	if net.Edges() == 0 {
		return st, &model.ConfigError{Key: "network.contact_distance_um", Value: net.ContactUm,
			Why:     fmt.Sprintf("gives no candidate contacts among the %d spines of this network (no two spines of different neurons are that close): there is nothing for IPLs to form on", net.Spines()),
			Allowed: "a larger distance, or 0 to derive it from network.contacts_per_spine"}
	}
	logf("network: %d neurons, %d spines, %d candidate contacts (d_c = %.2f um, %.2f per spine), slab %.0f x %.0f x %.0f um, built in %.2f s",
		net.N, net.Spines(), net.Edges(), net.ContactUm, 2*float64(net.Edges())/float64(net.Spines()), net.SlabUm[0], net.SlabUm[1], net.SlabUm[2], st.BuildSeconds)
	if err := out.WriteNetwork(net); err != nil {
		return st, err
	}
	if err := be.Load(net, d.Params); err != nil {
		return st, err
	}
	plan := model.MakePlan(cfg)
	st.TrialsTotal = plan.Trials
	// run.json says "running" from here on, so that a run killed outright
	// (kill -9, a power cut) is told apart from one that never started.
	st.State = rundir.StateRunning
	if err := rundir.WriteStatus(out.Dir(), st); err != nil {
		st.State = rundir.StateFailed
		return st, err
	}
	st.State = rundir.StateFailed
	if err := out.StartRecording(d.Timing.Bins, net.N, cfg.Stimulus.Frames, net.Edges(), cfg.Output.WSnapshots); err != nil {
		return st, err
	}

	t1 := time.Now()
	defer func() {
		st.SimSeconds = time.Since(t1).Seconds()
		st.Recorded = out.Rows()
	}()
	sim := newSimulator(d, net, be)
	var state State
	snapshot := func(session int) error {
		if opt.AfterSession != nil {
			if err := opt.AfterSession(session, be); err != nil {
				return err
			}
		}
		if cfg.Output.WSnapshots {
			if err := be.State(&state); err != nil {
				return err
			}
			return out.AppendWSnapshot(state.W)
		}
		return nil
	}
	done := 0
	lastSession := -1
	for bi := range plan.Blocks {
		b := &plan.Blocks[bi]
		if b.Session != lastSession && lastSession >= 0 {
			if err := snapshot(lastSession); err != nil {
				return st, err
			}
		}
		lastSession = b.Session
		for ti := range b.Trials {
			if err := ctx.Err(); err != nil {
				st.State = rundir.StateInterrupted
				st.TrialsDone = done
				logf("interrupted after %d of %d trials; the run directory holds every finished trial", done, plan.Trials)
				return st, err
			}
			tr := &b.Trials[ti]
			counts, rate, err := sim.trial(b, tr)
			if err != nil {
				return st, fmt.Errorf("block %d (%s), trial %d: %w", b.Index, b.Name, ti, err)
			}
			rec := rundir.TrialRecord{
				Trial: done, Session: b.Session, Block: b.Index, BlockName: b.Name, Mode: b.Mode,
				Coherence: tr.Coherence, Learning: b.Learning, Ablation: b.Ablation, Frames: b.Frames,
				Recorded: b.Record, GateStart: sim.lastGateStart,
			}
			if err := out.AppendTrial(&rec, counts, tr.Frames); err != nil {
				return st, err
			}
			done++
			st.TrialsDone = done
			if opt.Progress != nil {
				opt.Progress(Progress{Trial: done, Trials: plan.Trials, Block: b, MeanRateHz: rate})
			}
		}
	}
	if lastSession >= 0 {
		if err := snapshot(lastSession); err != nil {
			return st, err
		}
	}
	if err := be.State(&state); err != nil {
		return st, err
	}
	if err := out.WriteFinal(state.W, state.H); err != nil {
		return st, err
	}
	st.State = rundir.StateComplete
	return st, nil
}

// SimulateDir claims the new run directory dir (rundir.Create) and runs
// Simulate into it.
func SimulateDir(ctx context.Context, cfg *model.Config, be Backend, dir string, opt SimulateOptions) (*rundir.Status, error) {
	if err := cfg.CheckRunnable(); err != nil {
		return nil, err
	}
	out, err := rundir.Create(dir)
	if err != nil {
		return nil, err
	}
	return Simulate(ctx, cfg, be, out, opt)
}
