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
	r := &simRun{ctx: ctx, cfg: cfg, be: be, out: out, opt: opt}
	r.st = &model.RunStatus{Version: model.Version, Seed: cfg.Seed, Backend: be.Name(), State: model.StateFailed, Started: time.Now()}
	if err := r.openResume(); err != nil {
		return r.st, err
	}
	if r.ck != nil {
		defer r.ck.Close()
	}
	defer func() {
		// A panic (a bug) still leaves a run.json that says failed and why,
		// then goes on with its stack trace.
		p := recover()
		err = r.close(err, p)
		if p != nil {
			panic(p)
		}
	}()
	if err := r.build(); err != nil {
		return r.st, err
	}
	if err := r.begin(); err != nil {
		return r.st, err
	}
	simSeconds0 := r.st.SimSeconds
	t1 := time.Now()
	defer func() {
		r.st.SimSeconds = simSeconds0 + time.Since(t1).Seconds()
		r.st.Recorded = out.Rows()
	}()
	if r.ck == nil {
		// The state before the first trial: a run stopped before its first
		// periodic checkpoint resumes from here, without rebuilding anything
		// but the network.
		if err := r.checkpoint(r.pos); err != nil {
			return r.st, err
		}
	}
	if err := r.trials(); err != nil {
		return r.st, err
	}
	if err := r.end(); err != nil {
		return r.st, err
	}
	r.st.State = model.StateComplete
	return r.st, nil
}

// simRun is one call of Simulate: its arguments and what the steps hand on.
type simRun struct {
	ctx     context.Context
	cfg     *model.Config
	be      Backend
	out     Recorder
	opt     SimulateOptions
	st      *model.RunStatus
	ck      Checkpoint      // the checkpoint a resumed run continues from (nil: none)
	resumed ResumedRecorder // out, when resuming
	// untouched: a resumed run whose records nothing has changed yet; a
	// refusal then leaves them exactly as they were, the status included.
	untouched bool

	d     *model.Derived
	net   *model.Network
	plan  *model.Plan
	sim   *simulator
	state State
	pos   position
}

func (r *simRun) logf(format string, a ...any) {
	if r.opt.Log != nil {
		r.opt.Log(fmt.Sprintf(format, a...))
	}
}

// openResume takes what opt.Resume says of a stopped run.
func (r *simRun) openResume() error {
	res := r.opt.Resume
	if res == nil {
		return nil
	}
	r.ck = res.Checkpoint
	r.untouched = r.ck != nil
	var ok bool
	if r.resumed, ok = r.out.(ResumedRecorder); !ok {
		if r.ck != nil {
			r.ck.Close()
		}
		r.out.Close()
		return fmt.Errorf("engine: resuming a run needs a ResumedRecorder; %T is not one", r.out)
	}
	for _, n := range res.Notes {
		r.logf("note: %s", n)
	}
	if !res.Started.IsZero() {
		r.st.Started = res.Started // the run's start, not this process's
	}
	return nil
}

// close closes the recorder and records the final status (err: the run's
// error; p: a panic's value), and removes the checkpoint of a complete run;
// it returns err, or the first error of these.
func (r *simRun) close(err error, p any) error {
	st := r.st
	if p != nil {
		err = fmt.Errorf("panic: %v", p)
		st.State = model.StateFailed
	}
	if cerr := r.out.Close(); cerr != nil && err == nil {
		err = cerr
	}
	st.Finished = time.Now()
	if err != nil && st.State == model.StateFailed && r.ctx.Err() != nil && errors.Is(err, r.ctx.Err()) {
		st.State = model.StateInterrupted // during the build: nothing simulated
	}
	if err != nil && st.State == model.StateFailed {
		st.Error = err.Error()
	}
	if r.untouched && !r.resumed.Changed() && p == nil {
		return err
	}
	if werr := r.out.WriteStatus(st); werr != nil && err == nil {
		err = werr
	}
	// A complete run needs no checkpoint; the status says complete first,
	// so a crash in between leaves a complete run, not a lost one.
	if err == nil && st.State == model.StateComplete {
		err = r.out.RemoveCheckpoint()
	}
	return err
}

// build records the config, builds the network (checking it against the
// recorded one when resuming), loads the backend, expands the protocol and
// restores the checkpoint, if any.
func (r *simRun) build() error {
	cfg, st := r.cfg, r.st
	if err := cfg.CheckRunnable(); err != nil {
		return err
	}
	if r.opt.Resume == nil {
		if err := r.out.WriteConfig(cfg); err != nil {
			return err
		}
	}
	r.d = model.Derive(cfg)
	t0 := time.Now()
	r.logf("network: building %d neurons x %d spines...", cfg.Network.Neurons, cfg.Network.SpinesPerNeuron)
	net, err := model.BuildNetworkContext(r.ctx, cfg, 0)
	if err != nil {
		if r.ctx.Err() != nil && errors.Is(err, r.ctx.Err()) {
			r.logf("interrupted while building the network; nothing was simulated")
		}
		return err
	}
	r.net = net
	st.BuildSeconds = time.Since(t0).Seconds()
	st.Neurons, st.Spines, st.Edges, st.ContactUm = net.N, net.Spines(), net.Edges(), net.ContactUm
	if net.Edges() == 0 {
		return &model.ConfigError{Key: "network.contact_distance_um", Value: net.ContactUm,
			Why:     fmt.Sprintf("gives no candidate contacts among the %d spines of this network (no two spines of different neurons are that close): there is nothing for IPLs to form on", net.Spines()),
			Allowed: "a larger distance, or 0 to derive it from network.contacts_per_spine"}
	}
	r.logf("network: %d neurons, %d spines, %d candidate contacts (d_c = %.2f um, %.2f per spine), slab %.0f x %.0f x %.0f um, built in %.2f s",
		net.N, net.Spines(), net.Edges(), net.ContactUm, 2*float64(net.Edges())/float64(net.Spines()), net.SlabUm[0], net.SlabUm[1], net.SlabUm[2], st.BuildSeconds)
	if r.ck == nil { // a resumed run's checkpoint came after these files
		if err := r.out.WriteNetwork(net); err != nil {
			return err
		}
	} else if err := r.resumed.CheckNetwork(net); err != nil {
		return err
	}
	if err := r.be.Load(net, r.d.Params); err != nil {
		return err
	}
	r.plan = model.MakePlan(cfg)
	st.TrialsTotal = r.plan.Trials
	r.sim = newSimulator(r.d, net, r.be)
	if r.ck != nil {
		return r.restore()
	}
	return nil
}

// restore continues from the checkpoint r.ck.
func (r *simRun) restore() error {
	var err error
	if r.pos, err = restore(r.ck, r.plan, r.net, r.be, r.sim, &r.state); err != nil {
		return fmt.Errorf("cannot resume: %w", err)
	}
	if ckBackend := r.ck.At().Backend; !sameBackend(ckBackend, r.be.Name()) {
		r.logf("resuming on %s a checkpoint that %s wrote: the backends agree within the tolerances of their tests, not necessarily bit for bit", r.be.Name(), ckBackend)
	}
	r.logf("resuming after %d of %d trials (block %d, trial %d of it) from %s", r.pos.done, r.plan.Trials, r.pos.block, r.pos.trial, r.ck.Path())
	r.st.SimSeconds = r.opt.Resume.SimSeconds
	return nil
}

// begin starts (or, resuming, continues) the per-trial records and says
// "running".
func (r *simRun) begin() error {
	cfg, st := r.cfg, r.st
	if r.ck != nil {
		// Checked before anything changes: a refusal leaves the directory.
		if err := r.resumed.ResumeRecording(r.d.Timing.Bins, r.net.N, cfg.Stimulus.Frames, r.net.Edges(), cfg.Output.WSnapshots); err != nil {
			return err
		}
	}
	// The status says "running" from here on, so that a run killed outright
	// (kill -9, a power cut) is told apart from one that never started.
	st.State, st.TrialsDone = model.StateRunning, r.pos.done
	if err := r.out.WriteStatus(st); err != nil {
		st.State = model.StateFailed
		return err
	}
	st.State = model.StateFailed
	if r.ck != nil {
		return nil
	}
	return r.out.StartRecording(r.d.Timing.Bins, r.net.N, cfg.Stimulus.Frames, r.net.Edges(), cfg.Output.WSnapshots)
}

// checkpoint saves the whole state at protocol position p.
func (r *simRun) checkpoint(p position) error {
	if err := r.be.State(&r.state); err != nil {
		return err
	}
	at := model.CheckpointAt{Backend: r.be.Name(), TrialsDone: p.done, TrialsTotal: r.plan.Trials, Block: p.block, TrialInBlock: p.trial}
	return r.out.WriteCheckpoint(at, checkpointVars(&r.state, r.sim))
}

// snapshot ends a session: opt.AfterSession, then w when snapshots are on.
func (r *simRun) snapshot(session int) error {
	if r.opt.AfterSession != nil {
		if err := r.opt.AfterSession(session, r.be); err != nil {
			return err
		}
	}
	if r.cfg.Output.WSnapshots {
		if err := r.be.State(&r.state); err != nil {
			return err
		}
		return r.out.AppendWSnapshot(r.state.W)
	}
	return nil
}

// trials runs every trial from r.pos on; it stops with a checkpoint when
// the context is cancelled.
func (r *simRun) trials() error {
	plan, pos := r.plan, &r.pos
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
			if err := r.ctx.Err(); err != nil {
				return r.interrupt(here, err)
			}
			if ti == 0 && bi > 0 && plan.Blocks[bi-1].Session != b.Session {
				if err := r.snapshot(plan.Blocks[bi-1].Session); err != nil {
					return err
				}
			}
			if err := r.trial(bi, ti); err != nil {
				return err
			}
		}
	}
	return nil
}

// interrupt stops the run at position here with a checkpoint; err is the
// context's error.
func (r *simRun) interrupt(here position, err error) error {
	r.st.State = model.StateInterrupted
	r.st.TrialsDone = r.pos.done
	if cerr := r.checkpoint(here); cerr != nil {
		return fmt.Errorf("interrupted, and the checkpoint failed: %w", cerr)
	}
	r.logf("interrupted after %d of %d trials; the run directory holds every finished trial and a checkpoint (iplgpu run -resume %s continues it)", r.pos.done, r.plan.Trials, r.out.Dir())
	return err
}

// trial runs trial ti of block bi, records it, reports progress and writes
// a checkpoint every output.checkpoint_trials trials.
func (r *simRun) trial(bi, ti int) error {
	plan, pos := r.plan, &r.pos
	b := &plan.Blocks[bi]
	tr := &b.Trials[ti]
	counts, rate, err := r.sim.trial(b, tr)
	if err != nil {
		return fmt.Errorf("block %d (%s), trial %d: %w", b.Index, b.Name, ti, err)
	}
	rec := model.TrialRecord{
		Trial: pos.done, Session: b.Session, Block: b.Index, BlockName: b.Name, Mode: b.Mode,
		Coherence: tr.Coherence, Learning: b.Learning, Ablation: b.Ablation, Frames: b.Frames,
		Recorded: b.Record, GateStart: r.sim.lastGateStart,
	}
	if err := r.out.AppendTrial(&rec, counts, tr.Frames); err != nil {
		return err
	}
	pos.done++
	r.st.TrialsDone = pos.done
	if r.opt.Progress != nil {
		r.opt.Progress(Progress{Trial: pos.done, Trials: plan.Trials, Block: b, MeanRateHz: rate})
	}
	if every := r.cfg.Output.CheckpointTrials; every > 0 && pos.done%every == 0 && pos.done < plan.Trials {
		next := position{block: bi, trial: ti + 1, done: pos.done}
		if next.trial == len(b.Trials) {
			next.block, next.trial = bi+1, 0
		}
		if err := r.checkpoint(next); err != nil {
			return err
		}
	}
	return nil
}

// end snapshots the last session and records the final w and gains.
func (r *simRun) end() error {
	if n := len(r.plan.Blocks); n > 0 {
		if err := r.snapshot(r.plan.Blocks[n-1].Session); err != nil {
			return err
		}
	}
	if err := r.be.State(&r.state); err != nil {
		return err
	}
	if err := r.out.WriteFinal(r.state.W, r.state.H); err != nil {
		return err
	}
	return r.out.Finish(r.pos.done)
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
