package engine

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/npy"
)

// Progress is reported after every trial.
type Progress struct {
	Trial, Trials int          // trials done, total
	Block         *model.Block // block of the trial just done
	MeanRateHz    float64
}

// RunOptions are the knobs of Simulate that are not part of the model.
type RunOptions struct {
	Out      string         // run directory; must not exist or be empty
	Progress func(Progress) // called after every trial (may be nil)
	Log      func(string)   // one-line messages (may be nil)
	// AfterSession, if set, is called with the backend after each session's blocks
	// (and after session 0), e.g. to snapshot coupling; it must not change state.
	AfterSession func(session int, be Backend) error
}

// RunSummary is what Simulate returns and writes to run.json.
type RunSummary struct {
	Version      string    `json:"version"`
	Seed         uint64    `json:"seed"`
	Backend      string    `json:"backend"`
	Status       string    `json:"status"` // complete | interrupted | failed
	Error        string    `json:"error,omitempty"`
	TrialsDone   int       `json:"trials_done"`
	TrialsTotal  int       `json:"trials_total"`
	Recorded     int       `json:"recorded_trials"`
	Neurons      int       `json:"neurons"`
	Spines       int       `json:"spines"`
	Edges        int       `json:"edges"`
	ContactUm    float64   `json:"contact_distance_um"`
	BuildSeconds float64   `json:"build_seconds"`
	SimSeconds   float64   `json:"simulate_seconds"`
	Started      time.Time `json:"started"`
	Finished     time.Time `json:"finished"`
}

// CheckOutDir refuses a run directory that already holds files, so that no
// earlier run is overwritten; it creates nothing.
func CheckOutDir(dir string) error {
	if dir == "" {
		return errors.New("output directory: empty path")
	}
	ents, err := os.ReadDir(dir)
	if err == nil && len(ents) > 0 {
		return fmt.Errorf("output directory %s already holds %d entries: choose another -out or remove it (runs are never overwritten)", dir, len(ents))
	}
	return nil
}

// PrepareOutDir creates dir after CheckOutDir.
func PrepareOutDir(dir string) error {
	if err := CheckOutDir(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("output directory: %w", err)
	}
	return nil
}

// Simulate runs the whole protocol of cfg on the backend and writes the run
// directory: config.yaml, network arrays, responses.npy, trials.csv, frames.npy,
// w_sessions.npy, run.json. When ctx is cancelled it stops after the current
// trial, closes every file in a valid state and returns ctx's error; the
// summary's status says "interrupted".
func Simulate(ctx context.Context, cfg *model.Config, be Backend, opt RunOptions) (sum *RunSummary, err error) {
	logf := func(format string, a ...any) {
		if opt.Log != nil {
			opt.Log(fmt.Sprintf(format, a...))
		}
	}
	if err := PrepareOutDir(opt.Out); err != nil {
		return nil, err
	}
	sum = &RunSummary{Version: model.Version, Seed: cfg.Seed, Backend: be.Name(), Status: "failed", Started: time.Now()}
	defer func() {
		sum.Finished = time.Now()
		if err != nil && sum.Status == "failed" {
			sum.Error = err.Error()
		}
		if werr := writeJSON(filepath.Join(opt.Out, "run.json"), sum); werr != nil && err == nil {
			err = werr
		}
	}()
	if err := os.WriteFile(filepath.Join(opt.Out, "config.yaml"), model.ResolvedYAML(cfg), 0o644); err != nil {
		return sum, err
	}

	t0 := time.Now()
	net, err := model.BuildNetwork(cfg)
	if err != nil {
		return sum, err
	}
	sum.BuildSeconds = time.Since(t0).Seconds()
	sum.Neurons, sum.Spines, sum.Edges, sum.ContactUm = net.N, net.Spines(), net.Edges(), net.ContactUm
	logf("network: %d neurons, %d spines, %d candidate contacts (d_c = %.2f um, %.2f per spine), slab %.0f x %.0f x %.0f um, built in %.2f s",
		net.N, net.Spines(), net.Edges(), net.ContactUm, 2*float64(net.Edges())/float64(net.Spines()), net.SlabUm[0], net.SlabUm[1], net.SlabUm[2], sum.BuildSeconds)
	if err := WriteNetwork(opt.Out, net); err != nil {
		return sum, err
	}
	if err := be.Load(net, model.ParamsFromConfig(cfg)); err != nil {
		return sum, err
	}
	plan := model.MakePlan(cfg)
	sum.TrialsTotal = plan.Trials
	r, err := newRecorder(opt.Out, cfg, net)
	if err != nil {
		return sum, err
	}
	defer func() {
		if cerr := r.close(); cerr != nil && err == nil {
			err = cerr
		}
		sum.Recorded = r.rows
	}()

	t1 := time.Now()
	defer func() { sum.SimSeconds = time.Since(t1).Seconds() }()
	sim := newSimulator(cfg, net, be)
	done := 0
	lastSession := -1
	snapshot := func(session int) error {
		if opt.AfterSession != nil {
			if err := opt.AfterSession(session, be); err != nil {
				return err
			}
		}
		if cfg.Output.WSnapshots {
			return r.snapshotW(be)
		}
		return nil
	}
	for bi := range plan.Blocks {
		b := &plan.Blocks[bi]
		if b.Session != lastSession && lastSession >= 0 {
			if err := snapshot(lastSession); err != nil {
				return sum, err
			}
		}
		lastSession = b.Session
		for ti := range b.Trials {
			if err := ctx.Err(); err != nil {
				sum.Status = "interrupted"
				sum.TrialsDone = done
				logf("interrupted after %d of %d trials; the run directory holds every finished trial", done, plan.Trials)
				return sum, err
			}
			counts, rate, err := sim.trial(b, &b.Trials[ti])
			if err != nil {
				return sum, fmt.Errorf("block %d (%s), trial %d: %w", b.Index, b.Name, ti, err)
			}
			if err := r.trial(done, b, &b.Trials[ti], counts, sim.lastGateStart); err != nil {
				return sum, err
			}
			done++
			sum.TrialsDone = done
			if opt.Progress != nil {
				opt.Progress(Progress{Trial: done, Trials: plan.Trials, Block: b, MeanRateHz: rate})
			}
		}
	}
	if lastSession >= 0 {
		if err := snapshot(lastSession); err != nil {
			return sum, err
		}
	}
	var st State
	if err := be.State(&st); err != nil {
		return sum, err
	}
	if err := npy.WriteFile(filepath.Join(opt.Out, "w_final.npy"), []int{len(st.W)}, st.W); err != nil {
		return sum, err
	}
	if err := npy.WriteFile(filepath.Join(opt.Out, "gain_final.npy"), []int{len(st.H)}, st.H); err != nil {
		return sum, err
	}
	sum.Status = "complete"
	return sum, nil
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// WriteNetwork writes the anatomy as .npy arrays into dir.
func WriteNetwork(dir string, net *model.Network) error {
	soma := make([]float32, 0, 3*net.N)
	for i := 0; i < net.N; i++ {
		soma = append(soma, net.SomaX[i], net.SomaY[i], net.SomaZ[i])
	}
	spine := make([]float32, 0, 3*net.Spines())
	owner := make([]int32, net.Spines())
	for k := 0; k < net.Spines(); k++ {
		spine = append(spine, net.SpineX[k], net.SpineY[k], net.SpineZ[k])
		owner[k] = int32(k / net.M)
	}
	edges := make([]int32, 0, 2*net.Edges())
	for e := range net.EdgeA {
		edges = append(edges, net.EdgeA[e], net.EdgeB[e])
	}
	files := []struct {
		name  string
		shape []int
		data  any
	}{
		{"soma_pos.npy", []int{net.N, 3}, soma},
		{"theta.npy", []int{net.N}, net.Theta},
		{"spine_pos.npy", []int{net.Spines(), 3}, spine},
		{"spine_phi.npy", []int{net.Spines()}, net.Phi},
		{"spine_owner.npy", []int{net.Spines()}, owner},
		{"edges.npy", []int{net.Edges(), 2}, edges},
	}
	for _, f := range files {
		if err := npy.WriteFile(filepath.Join(dir, f.name), f.shape, f.data); err != nil {
			return err
		}
	}
	return nil
}

// recorder streams the per-trial outputs so that an interrupted run keeps every
// finished trial in valid files.
type recorder struct {
	net       *model.Network
	resp      *npy.Writer
	frames    *npy.Writer
	wsnap     *npy.Writer
	csvFile   *os.File
	csv       *csv.Writer
	rows      int
	nFrames   int
	closeOnce bool
}

// TrialsHeader is the column list of trials.csv.
var TrialsHeader = []string{"trial", "session", "block", "block_name", "mode", "coherence", "learning", "ablation", "frames", "recorded", "row", "gate_start"}

func newRecorder(dir string, cfg *model.Config, net *model.Network) (*recorder, error) {
	tm := model.TimingOf(cfg)
	r := &recorder{net: net, nFrames: cfg.Stimulus.Frames}
	var err error
	if r.resp, err = npy.Create(filepath.Join(dir, "responses.npy"), []uint16(nil), []int{tm.Bins, net.N}); err != nil {
		return nil, err
	}
	if r.frames, err = npy.Create(filepath.Join(dir, "frames.npy"), []float32(nil), []int{cfg.Stimulus.Frames}); err != nil {
		return nil, err
	}
	if cfg.Output.WSnapshots {
		if r.wsnap, err = npy.Create(filepath.Join(dir, "w_sessions.npy"), []float32(nil), []int{net.Edges()}); err != nil {
			return nil, err
		}
	}
	if r.csvFile, err = os.Create(filepath.Join(dir, "trials.csv")); err != nil {
		return nil, err
	}
	r.csv = csv.NewWriter(r.csvFile)
	if err := r.csv.Write(TrialsHeader); err != nil {
		return nil, err
	}
	r.csv.Flush()
	return r, r.csv.Error()
}

func (r *recorder) trial(index int, b *model.Block, t *model.Trial, counts []uint16, gate float32) error {
	row := -1
	if b.Record {
		if err := r.resp.Append(counts); err != nil {
			return err
		}
		row = r.rows
		r.rows++
	}
	deg := make([]float32, len(t.Frames))
	for i, f := range t.Frames {
		deg[i] = f * 180 / math.Pi
	}
	if err := r.frames.Append(deg); err != nil {
		return err
	}
	rec := []string{
		strconv.Itoa(index), strconv.Itoa(b.Session), strconv.Itoa(b.Index), b.Name, b.Mode,
		strconv.FormatFloat(t.Coherence, 'g', -1, 64), boolStr(b.Learning), b.Ablation, b.Frames,
		boolStr(b.Record), strconv.Itoa(row), strconv.FormatFloat(float64(gate), 'g', 6, 32),
	}
	if err := r.csv.Write(rec); err != nil {
		return err
	}
	r.csv.Flush()
	return r.csv.Error()
}

func boolStr(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func (r *recorder) snapshotW(be Backend) error {
	var st State
	if err := be.State(&st); err != nil {
		return err
	}
	return r.wsnap.Append(st.W)
}

func (r *recorder) close() error {
	if r.closeOnce {
		return nil
	}
	r.closeOnce = true
	var errs []error
	for _, w := range []*npy.Writer{r.resp, r.frames, r.wsnap} {
		if w != nil {
			errs = append(errs, w.Close())
		}
	}
	if r.csvFile != nil {
		r.csv.Flush()
		errs = append(errs, r.csv.Error(), r.csvFile.Close())
	}
	return errors.Join(errs...)
}
