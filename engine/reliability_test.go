package engine_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
	"github.com/iplgpu/iplgpu/simrun"
)

// panicky is the CPU backend with a bug: its third segment panics.
type panicky struct {
	engine.Backend
	runs int
}

func (p *panicky) Run(seg *engine.Segment, counts []uint16) error {
	p.runs++
	if p.runs == 3 {
		var s []int
		_ = s[p.runs] // index out of range
	}
	return p.Backend.Run(seg, counts)
}

// A panic during a run still leaves run.json saying failed, with the panic's
// text (issue 14 item 4: run.json said failed with no error text), and then
// goes on as a panic.
func TestSimulatePanicIsRecorded(t *testing.T) {
	cfg, err := model.LoadConfig("", "", tinySets)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	func() {
		defer func() {
			if r := recover(); r == nil || !strings.Contains(fmt.Sprint(r), "index out of range") {
				t.Errorf("recovered %v, want the backend's panic", r)
			}
		}()
		simrun.Create(context.Background(), cfg, &panicky{Backend: cpu.New(1)}, dir, engine.SimulateOptions{})
	}()
	st, ok, err := rundir.ReadStatus(dir)
	if err != nil || !ok || st.State != rundir.StateFailed || !strings.Contains(st.Error, "panic: runtime error: index out of range") {
		t.Fatalf("run.json after a panic: %+v (%v, %v)", st, ok, err)
	}
	if st.TrialsDone != 2 {
		t.Errorf("trials done %d, want the 2 before the panic", st.TrialsDone)
	}
}

// Cancelled during the network build: nothing simulated, run.json says
// interrupted (not failed), and the error is the context's.
func TestSimulateInterruptedInTheBuild(t *testing.T) {
	cfg, err := model.LoadConfig("", "", tinySets)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	dir := filepath.Join(t.TempDir(), "run")
	st, err := simrun.Create(ctx, cfg, cpu.New(1), dir, engine.SimulateOptions{})
	if !errors.Is(err, context.Canceled) || st.State != rundir.StateInterrupted || st.Error != "" {
		t.Fatalf("status %+v, error %v", st, err)
	}
	if got, _, _ := rundir.ReadStatus(dir); got.State != rundir.StateInterrupted {
		t.Fatalf("run.json says %q", got.State)
	}
}

// A full disk at any point of a run (a tmpfs of 40 to 152 kB, the run
// needing about 140 kB): the run fails with the write error, run.json is
// never left empty or partial (it is the "running" or the final version,
// whole, or absent when not even that fitted), and every directory that
// holds recorded trials is analysed (issue 14 item 7). Needs root to mount
// the tmpfs; skipped otherwise.
func TestDiskFullTmpfs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	if _, err := exec.LookPath("mount"); err != nil {
		t.Skip("no mount command")
	}
	cfg, err := model.LoadConfig("", "", tinySets)
	if err != nil {
		t.Fatal(err)
	}
	analysed := 0
	for kb := 40; kb <= 152; kb += 8 {
		mnt := t.TempDir()
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%dk", kb), "tmpfs", mnt).CombinedOutput(); err != nil {
			t.Skipf("mount tmpfs: %v: %s", err, out)
		}
		func() {
			defer func() {
				if err := syscall.Unmount(mnt, 0); err != nil {
					t.Errorf("unmount %s: %v", mnt, err)
				}
			}()
			dir := filepath.Join(mnt, "run")
			st, simErr := simrun.Create(context.Background(), cfg, cpu.New(1), dir, engine.SimulateOptions{})
			t.Logf("%d kB: status %q after %d trials, error %v", kb, st.State, st.TrialsDone, simErr)
			if simErr == nil {
				if st.State != rundir.StateComplete {
					t.Errorf("%d kB: no error but status %q", kb, st.State)
				}
			} else if !strings.Contains(simErr.Error(), "no space left on device") {
				t.Errorf("%d kB: error %v, want the disk-full error", kb, simErr)
			}
			b, err := os.ReadFile(filepath.Join(dir, rundir.StatusFile))
			switch {
			case errors.Is(err, os.ErrNotExist):
			case err != nil:
				t.Errorf("%d kB: run.json: %v", kb, err)
			default:
				var s rundir.Status
				if jerr := json.Unmarshal(b, &s); jerr != nil || s.State == "" {
					t.Errorf("%d kB: run.json is not whole (%v): %q", kb, jerr, b)
				}
			}
			// The analysis writes into the directory too: free the disk for it
			// by copying the run out.
			cp := filepath.Join(t.TempDir(), "copy")
			if out, err := exec.Command("cp", "-r", dir, cp).CombinedOutput(); err != nil {
				if _, serr := os.Stat(dir); serr != nil {
					return // the directory itself did not fit
				}
				t.Fatalf("cp: %v: %s", err, out)
			}
			rec, err := rundir.OpenRecording(cp, nil)
			if err != nil || rec.Responses.Trials == 0 {
				return // no recorded trial yet: nothing to analyse
			}
			if _, _, err := analysis.Load(cp, analysis.Options{Subsets: 5, TimeSubsets: 2}); err != nil {
				t.Errorf("%d kB: %d recorded trials not analysed: %v", kb, rec.Responses.Trials, err)
				return
			}
			analysed++
		}()
	}
	if analysed < 3 {
		t.Errorf("only %d of the full-disk runs had recorded trials to analyse; the sizes miss the run", analysed)
	}
}

// A network whose build finds no contact although one was expected (two
// spines that happen to lie apart) is refused by Simulate naming the key,
// not run into files of 0-wide rows (issue 14 item 5).
func TestSimulateRefusesANetworkWithoutContacts(t *testing.T) {
	for seed := 1; seed <= 50; seed++ {
		cfg, err := model.LoadConfig("", "", append(append([]string{}, tinySets...),
			"network.neurons=2", "network.spines_per_neuron=1", "network.contact_distance_um=40", fmt.Sprintf("seed=%d", seed)))
		if err != nil {
			t.Fatal(err)
		}
		if err := cfg.CheckRunnable(); err != nil {
			t.Fatalf("an expected contact: %v", err)
		}
		net, err := model.BuildNetwork(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if net.Edges() != 0 {
			continue
		}
		dir := filepath.Join(t.TempDir(), "run")
		st, err := simrun.Create(context.Background(), cfg, cpu.New(1), dir, engine.SimulateOptions{})
		var ce *model.ConfigError
		if !errors.As(err, &ce) || ce.Key != "network.contact_distance_um" || st.State != rundir.StateFailed || !strings.Contains(st.Error, "no candidate contacts") {
			t.Fatalf("seed %d: %v, status %+v", seed, err, st)
		}
		return
	}
	t.Fatal("no seed gave two spines more than 40 um apart")
}
