package engine

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/iplgpu/iplgpu/engine/model"
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
	// Resume, if set, continues a stopped run (out is then its
	// ResumedRecorder, and cfg its config): from its checkpoint, or from the
	// first trial when it has none. Simulate closes the checkpoint.
	Resume *Resume
}

// Simulate runs the whole protocol of cfg on the backend and hands what it
// produces to out (the config, the network, each trial's counts and frames,
// w after every session, checkpoints, the status; rundir.Writer writes them
// as a run directory), then closes out. When ctx is cancelled it stops after
// the current trial, writes a checkpoint, leaves every record valid and
// returns ctx's error; the status says "interrupted".
//
// Checkpoints hold everything the run carries from one
// trial to the next: the backend's State (every array of State.Arrays), the
// host's state (simulator.vars: the step counter, the gate, the shared gain's
// OU variable, homeostasis), the protocol position and what the recorder has
// written. One is written before the first trial, after every
// output.checkpoint_trials trials, and when ctx is cancelled; a complete run
// removes it. A run resumed from one (opt.Resume)
// ends with the same files, byte for byte, as a run never stopped (run.json's
// timing fields aside).
func Simulate(ctx context.Context, cfg *model.Config, be Backend, out Recorder, opt SimulateOptions) (st *model.RunStatus, err error) {
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			opt.Log(fmt.Sprintf(format, a...))
		}
	}
	var ck Checkpoint
	var resumed ResumedRecorder
	// untouched: a resumed run whose directory nothing has changed yet; a
	// refusal then leaves it exactly as it was, run.json included.
	untouched := false
	st = &model.RunStatus{Version: model.Version, Seed: cfg.Seed, Backend: be.Name(), State: model.StateFailed, Started: time.Now()}
	if r := opt.Resume; r != nil {
		ck = r.Checkpoint
		untouched = ck != nil
		if ck != nil {
			defer ck.Close()
		}
		var ok bool
		if resumed, ok = out.(ResumedRecorder); !ok {
			out.Close()
			return st, fmt.Errorf("engine: resuming a run needs a ResumedRecorder; %T is not one", out)
		}
		for _, n := range r.Notes {
			logf("note: %s", n)
		}
		if !r.Started.IsZero() {
			st.Started = r.Started // the run's start, not this process's
		}
	}
	defer func() {
		// A panic (a bug) still leaves a run.json that says failed and why,
		// then goes on with its stack trace.
		p := recover()
		if p != nil {
			err = fmt.Errorf("panic: %v", p)
			st.State = model.StateFailed
		}
		if cerr := out.Close(); cerr != nil && err == nil {
			err = cerr
		}
		st.Finished = time.Now()
		if err != nil && st.State == model.StateFailed && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
			st.State = model.StateInterrupted // during the build: nothing simulated
		}
		if err != nil && st.State == model.StateFailed {
			st.Error = err.Error()
		}
		if untouched && !resumed.Changed() && p == nil {
			return
		}
		if werr := out.WriteStatus(st); werr != nil && err == nil {
			err = werr
		}
		// A complete run needs no checkpoint; run.json says complete first,
		// so a crash in between leaves a complete run, not a lost one.
		if err == nil && st.State == model.StateComplete {
			err = out.RemoveCheckpoint()
		}
		if p != nil {
			panic(p)
		}
	}()
	if err := cfg.CheckRunnable(); err != nil {
		return st, err
	}
	if opt.Resume == nil {
		if err := out.WriteConfig(cfg); err != nil {
			return st, err
		}
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
	if ck == nil { // a resumed run's checkpoint came after these files
		if err := out.WriteNetwork(net); err != nil {
			return st, err
		}
	} else if err := resumed.CheckNetwork(net); err != nil {
		return st, err
	}
	if err := be.Load(net, d.Params); err != nil {
		return st, err
	}
	plan := model.MakePlan(cfg)
	st.TrialsTotal = plan.Trials
	sim := newSimulator(d, net, be)
	var state State
	pos := position{}
	if ck != nil {
		if pos, err = restore(ck, plan, net, be, sim, &state); err != nil {
			return st, fmt.Errorf("cannot resume: %w", err)
		}
		if ckBackend := ck.At().Backend; !sameBackend(ckBackend, be.Name()) {
			logf("resuming on %s a checkpoint that %s wrote: the backends agree within the tolerances of their tests, not necessarily bit for bit", be.Name(), ckBackend)
		}
		logf("resuming after %d of %d trials (block %d, trial %d of it) from %s", pos.done, plan.Trials, pos.block, pos.trial, ck.Path())
		st.SimSeconds = opt.Resume.SimSeconds
	}
	if ck != nil {
		// Checked before anything changes: a refusal leaves the directory.
		if err := resumed.ResumeRecording(d.Timing.Bins, net.N, cfg.Stimulus.Frames, net.Edges(), cfg.Output.WSnapshots); err != nil {
			return st, err
		}
	}
	// run.json says "running" from here on, so that a run killed outright
	// (kill -9, a power cut) is told apart from one that never started.
	st.State, st.TrialsDone = model.StateRunning, pos.done
	if err := out.WriteStatus(st); err != nil {
		st.State = model.StateFailed
		return st, err
	}
	st.State = model.StateFailed
	if ck == nil {
		if err := out.StartRecording(d.Timing.Bins, net.N, cfg.Stimulus.Frames, net.Edges(), cfg.Output.WSnapshots); err != nil {
			return st, err
		}
	}

	simSeconds0 := st.SimSeconds
	t1 := time.Now()
	defer func() {
		st.SimSeconds = simSeconds0 + time.Since(t1).Seconds()
		st.Recorded = out.Rows()
	}()
	checkpoint := func(p position) error {
		if err := be.State(&state); err != nil {
			return err
		}
		at := model.CheckpointAt{Backend: be.Name(), TrialsDone: p.done, TrialsTotal: plan.Trials, Block: p.block, TrialInBlock: p.trial}
		return out.WriteCheckpoint(at, checkpointVars(&state, sim))
	}
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
	if ck == nil {
		// The state before the first trial: a run stopped before its first
		// periodic checkpoint resumes from here, without rebuilding anything
		// but the network.
		if err := checkpoint(pos); err != nil {
			return st, err
		}
	}
	every := cfg.Output.CheckpointTrials
	for bi := pos.block; bi < len(plan.Blocks); bi++ {
		b := &plan.Blocks[bi]
		ti0 := 0
		if bi == pos.block {
			ti0 = pos.trial
		}
		for ti := ti0; ti < len(b.Trials); ti++ {
			here := position{block: bi, trial: ti, done: pos.done}
			// Stop before anything of the trial happens, its block's w snapshot
			// included: the checkpoint is the state before this position.
			if err := ctx.Err(); err != nil {
				st.State = model.StateInterrupted
				st.TrialsDone = pos.done
				if cerr := checkpoint(here); cerr != nil {
					return st, fmt.Errorf("interrupted, and the checkpoint failed: %w", cerr)
				}
				logf("interrupted after %d of %d trials; the run directory holds every finished trial and a checkpoint (iplgpu run -resume %s continues it)", pos.done, plan.Trials, out.Dir())
				return st, err
			}
			if ti == 0 && bi > 0 && plan.Blocks[bi-1].Session != b.Session {
				if err := snapshot(plan.Blocks[bi-1].Session); err != nil {
					return st, err
				}
			}
			tr := &b.Trials[ti]
			counts, rate, err := sim.trial(b, tr)
			if err != nil {
				return st, fmt.Errorf("block %d (%s), trial %d: %w", b.Index, b.Name, ti, err)
			}
			rec := model.TrialRecord{
				Trial: pos.done, Session: b.Session, Block: b.Index, BlockName: b.Name, Mode: b.Mode,
				Coherence: tr.Coherence, Learning: b.Learning, Ablation: b.Ablation, Frames: b.Frames,
				Recorded: b.Record, GateStart: sim.lastGateStart,
			}
			if err := out.AppendTrial(&rec, counts, tr.Frames); err != nil {
				return st, err
			}
			pos.done++
			st.TrialsDone = pos.done
			if opt.Progress != nil {
				opt.Progress(Progress{Trial: pos.done, Trials: plan.Trials, Block: b, MeanRateHz: rate})
			}
			if every > 0 && pos.done%every == 0 && pos.done < plan.Trials {
				next := position{block: bi, trial: ti + 1, done: pos.done}
				if next.trial == len(b.Trials) {
					next.block, next.trial = bi+1, 0
				}
				if err := checkpoint(next); err != nil {
					return st, err
				}
			}
		}
	}
	if n := len(plan.Blocks); n > 0 {
		if err := snapshot(plan.Blocks[n-1].Session); err != nil {
			return st, err
		}
	}
	if err := be.State(&state); err != nil {
		return st, err
	}
	if err := out.WriteFinal(state.W, state.H); err != nil {
		return st, err
	}
	if err := out.Finish(pos.done); err != nil {
		return st, err
	}
	st.State = model.StateComplete
	return st, nil
}

// sameBackend says whether two backends, as Name gives them, compute the same
// numbers bit for bit: the CPU backend whatever its worker count, the GL
// backend on the same renderer.
func sameBackend(a, b string) bool {
	ka, _, _ := strings.Cut(a, " ")
	kb, _, _ := strings.Cut(b, " ")
	if ka == "cpu" {
		return kb == "cpu"
	}
	return a == b
}

// position is a place in the protocol: before trial `trial` of block `block`,
// after `done` trials.
type position struct{ block, trial, done int }

// checkpointVars is everything a checkpoint holds besides its info: every
// array of the backend's state (state/NAME) and the host's state (host/NAME).
func checkpointVars(state *State, sim *simulator) []model.Var {
	var vars []model.Var
	for _, a := range state.Arrays() {
		vars = append(vars, model.Var{Name: "state/" + a.Name, Ptr: a.Ptr})
	}
	for _, v := range sim.vars() {
		vars = append(vars, model.Var{Name: "host/" + v.Name, Ptr: v.Ptr})
	}
	return vars
}

// restore loads the checkpoint into the backend (loaded with net) and the
// host, after checking that its protocol position is the one its trial count
// names in plan.
func restore(ck Checkpoint, plan *model.Plan, net *model.Network, be Backend, sim *simulator, state *State) (position, error) {
	in := ck.At()
	p := position{done: in.TrialsDone}
	if in.TrialsTotal != plan.Trials || in.TrialsDone < 0 || in.TrialsDone > plan.Trials {
		return p, fmt.Errorf("%s: %d of %d trials done, but the protocol of config.yaml has %d trials", ck.Path(), in.TrialsDone, in.TrialsTotal, plan.Trials)
	}
	n := 0
	for p.block < len(plan.Blocks) && n+len(plan.Blocks[p.block].Trials) <= in.TrialsDone {
		n += len(plan.Blocks[p.block].Trials)
		p.block++
	}
	p.trial = in.TrialsDone - n
	if p.block != in.Block || p.trial != in.TrialInBlock {
		return p, fmt.Errorf("%s: trial %d of block %d, but trial %d of the protocol is trial %d of block %d", ck.Path(), in.TrialInBlock, in.Block, in.TrialsDone, p.trial, p.block)
	}
	if err := ck.Restore(checkpointVars(state, sim)); err != nil {
		return p, err
	}
	if err := state.Check(net); err != nil {
		return p, fmt.Errorf("%s: %w", ck.Path(), err)
	}
	if err := state.CheckValues(); err != nil {
		return p, fmt.Errorf("%s: %w", ck.Path(), err)
	}
	if err := sim.checkRestored(in.TrialsDone); err != nil {
		return p, fmt.Errorf("%s: %w", ck.Path(), err)
	}
	if err := be.SetState(state); err != nil {
		return p, err
	}
	return p, nil
}
