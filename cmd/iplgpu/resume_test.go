package main

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
)

// resumeYAML is a run of 73 trials (2 to 4 s on this machine's CPU and
// llvmpipe) with every kind of host state: a block before training, two
// sessions of learning (homeostasis sets its targets over 3 trials, then
// adapts the gains), w snapshots, passive blocks (the gate relaxes), an
// ablation; a checkpoint every 7 trials.
const resumeYAML = `network: {neurons: 150, spines_per_neuron: 16}
homeostasis: {reference_trials: 3}
output: {checkpoint_trials: 7}
protocol:
  sessions: 2
  before: [{name: pre, mode: task, trials: 4, coherences: [0.3], learning: false, record: true}]
  session:
    - {name: train, mode: task, trials: 12, coherences: [0.3], learning: true, record: false}
    - {name: task, mode: task, trials: 9, coherences: [0.3, 0], learning: false, record: true}
    - {name: passive, mode: passive, trials: 4, coherences: [0.3], learning: false, record: true}
  after:
    - {name: abl, mode: task, trials: 6, coherences: [0.3], learning: false, ablation: lateral, record: true}
`

const resumeTrials = 73 // with the baseline blocks of the default protocol

// trialLines counts the whole lines of dir's trials.csv after its header.
func trialLines(dir string) int {
	b, _ := os.ReadFile(filepath.Join(dir, rundir.TrialsFile))
	return max(bytes.Count(b, []byte("\n"))-1, 0)
}

// stopAt starts iplgpu args, waits until its run directory dir holds at least
// k trials, sends sig and waits for the process to end; it returns the exit
// status and the trials done at the signal.
func stopAt(t *testing.T, dir string, k int, sig syscall.Signal, args ...string) (int, int) {
	t.Helper()
	p := startProcess(t, args...)
	deadline := time.Now().Add(time.Minute)
	for trialLines(dir) < k {
		select {
		case err := <-p.done:
			t.Fatalf("iplgpu %s ended (%v) before trial %d:\n%s", strings.Join(args, " "), err, k, p.errText())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no trial %d within a minute:\n%s", k, p.errText())
		}
		time.Sleep(2 * time.Millisecond)
	}
	at := trialLines(dir)
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	go func() {
		for range p.lines {
		}
	}()
	select {
	case err := <-p.done:
		return exitCode(t, err), at
	case <-time.After(time.Minute):
		p.cmd.Process.Kill()
		t.Fatalf("still running a minute after %v:\n%s", sig, p.errText())
	}
	return 0, 0
}

// checkStopped checks what a stopped run left: after SIGKILL run.json says
// running and the last checkpoint is at most checkpoint_trials old; otherwise
// it says interrupted and the checkpoint is at the last trial. Either way no
// array holds a row that trials.csv does not describe.
func checkStopped(t *testing.T, dir string, sig syscall.Signal, code int) {
	t.Helper()
	st, _, err := rundir.ReadStatus(dir)
	if err != nil {
		t.Fatal(err)
	}
	lines := trialLines(dir)
	ck, err := rundir.OpenCheckpoint(dir)
	if err != nil {
		t.Fatalf("after %v: %v", sig, err)
	}
	done := ck.Info.TrialsDone
	ck.Close()
	if sig == syscall.SIGKILL {
		if code != 128+int(syscall.SIGKILL) || st.State != rundir.StateRunning || done > lines || lines-done > 7 {
			t.Errorf("after SIGKILL: exit %d, run.json %q, checkpoint after %d trials, trials.csv %d lines", code, st.State, done, lines)
		}
	} else if code != 130 || st.State != rundir.StateInterrupted || done != lines || st.TrialsDone != lines {
		t.Errorf("after %v: exit %d, run.json %q (%d trials), checkpoint after %d trials, trials.csv %d lines; want 130, interrupted, all equal", sig, code, st.State, st.TrialsDone, done, lines)
	}
	rec, err := rundir.OpenRecording(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	recorded := 0
	for _, tr := range rec.Trials {
		if tr.Recorded {
			recorded++
		}
	}
	resp, _ := npy.ReadInfo(filepath.Join(dir, rundir.ResponsesFile))
	frames, _ := npy.ReadInfo(filepath.Join(dir, rundir.FramesFile))
	if resp.Shape[0] > recorded || frames.Shape[0] > len(rec.Trials) {
		t.Errorf("after %v: responses.npy holds %d rows for %d recorded lines, frames.npy %d rows for %d lines: an array is ahead of the trial table", sig, resp.Shape[0], recorded, frames.Shape[0], len(rec.Trials))
	}
}

// Runs stopped at random trials by SIGINT, SIGTERM, SIGUSR1 (the sbatch
// script's time-limit signal) and SIGKILL, each in a process of its own, and
// resumed with iplgpu run -resume, end with the files of an uninterrupted run
// byte for byte (run.json's timing fields aside), on the CPU and the GL
// backend; so does a run killed, then interrupted while resuming, then
// resumed again. One of them is analysed: its tables, figures and report are
// the same too. IPLGPU_TEST_SEED repeats a draw of the trials.
func TestResumeAfterSignals(t *testing.T) {
	if testing.Short() {
		t.Skip("about 40 s of runs: not with -short")
	}
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("IPLGPU_TEST_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("random trials from seed %d (IPLGPU_TEST_SEED=%d repeats them)", seed, seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	cfgPath := filepath.Join(t.TempDir(), "resume.yaml")
	if err := os.WriteFile(cfgPath, []byte(resumeYAML), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, be := range []string{"cpu", "gl"} {
		t.Run(be, func(t *testing.T) {
			if be == "gl" {
				if ok, why := glAvailable(); !ok {
					if os.Getenv("IPLGPU_REQUIRE_GL") == "1" {
						t.Fatalf("IPLGPU_REQUIRE_GL=1 but no GL: %s", why)
					}
					t.Skip("no GL context: " + why)
				}
			}
			base := t.TempDir()
			run := func(dir string, analyse bool) []string {
				return []string{"run", "-config", cfgPath, "-seed", "5", "-backend", be, "-out", dir, "-analyse=" + strconv.FormatBool(analyse)}
			}
			// The reference, uninterrupted, analysed under the path the
			// analysed case will use (report.md names its directory).
			analysed := filepath.Join(base, "analysed")
			if r := runProcess(t, 2*time.Minute, nil, run(analysed, true)...); r.code != 0 {
				t.Fatalf("reference run: exit %d\n%s", r.code, shorten(r.stderr))
			}
			ref := filepath.Join(base, "reference")
			if err := os.Rename(analysed, ref); err != nil {
				t.Fatal(err)
			}
			cases := []struct {
				name    string
				sigs    []syscall.Signal // the first stops the run, the others its resumptions
				analyse bool
			}{
				{"SIGINT", []syscall.Signal{syscall.SIGINT}, false},
				{"SIGTERM", []syscall.Signal{syscall.SIGTERM}, true},
				{"SIGUSR1", []syscall.Signal{syscall.SIGUSR1}, false},
				{"SIGKILL", []syscall.Signal{syscall.SIGKILL}, false},
				{"SIGKILL then SIGINT", []syscall.Signal{syscall.SIGKILL, syscall.SIGINT}, false},
			}
			for _, c := range cases {
				dir := filepath.Join(base, strings.ReplaceAll(c.name, " ", "-"))
				if c.analyse {
					dir = analysed
				}
				var stops []int
				for i, sig := range c.sigs {
					// A signal during the last trial lets the run complete
					// (exit 0, no checkpoint): the last stop comes at most
					// after trial resumeTrials-2, and a stop followed by
					// another leaves room for it.
					k := 1 + rng.IntN(resumeTrials-2-2*(len(c.sigs)-1-i))
					if i > 0 {
						k = max(k, trialLines(dir)+1) // a later trial of the resumed run
						k = min(k, resumeTrials-2)
					}
					args := run(dir, c.analyse)
					if i > 0 {
						args = []string{"run", "-resume", dir, "-analyse=" + strconv.FormatBool(c.analyse)}
					}
					code, at := stopAt(t, dir, k, sig, args...)
					stops = append(stops, at)
					checkStopped(t, dir, sig, code)
				}
				r := runProcess(t, 2*time.Minute, nil, "run", "-resume", dir, "-analyse="+strconv.FormatBool(c.analyse))
				if r.code != 0 {
					t.Fatalf("%s: resume: exit %d\n%s", c.name, r.code, shorten(r.stderr))
				}
				if !strings.Contains(r.stderr, "backend: "+be) {
					t.Errorf("%s: the resumed run did not take the checkpoint's backend %s:\n%s", c.name, be, shorten(r.stderr))
				}
				diffs, err := rundir.CompareDirs(ref, dir)
				if err != nil {
					t.Fatal(err)
				}
				if !c.analyse {
					// The reference's analysis files are not in a run
					// made without analysis.
					diffs = onlySimulation(diffs)
				}
				diffs = reportTimingAside(t, ref, dir, diffs)
				t.Logf("%s: stopped at trials %v, resumed: %d differences from the uninterrupted run", c.name, stops, len(diffs))
				if len(diffs) > 0 {
					t.Errorf("%s (stopped at trials %v): the resumed run differs from the uninterrupted one:\n  %s", c.name, stops, strings.Join(diffs, "\n  "))
				}
			}
		})
	}
}

// onlySimulation drops the differences that are the reference's analysis
// files, absent from a run made with -analyse=false.
func onlySimulation(diffs []string) []string {
	var out []string
	for _, d := range diffs {
		name, _, _ := strings.Cut(d, ":")
		analysisFile := strings.HasSuffix(name, ".png") || strings.HasSuffix(name, ".svg") || name == rundir.ReportFile ||
			(strings.HasSuffix(name, ".csv") && name != rundir.TrialsFile)
		if analysisFile && strings.Contains(d, "only in") {
			continue
		}
		out = append(out, d)
	}
	return out
}

// reportTiming is the sentence of report.md that quotes run.json's timing
// fields (TimingFields) and the analysis time.
var reportTiming = regexp.MustCompile(` Network built in [0-9.]+ s, simulated in [0-9.]+ s( \(started [^)]*\))?; analysed in [0-9.]+ s\.`)

// reportTimingAside drops the difference of report.md from diffs when the two
// reports are the same once the timing sentence is taken out of both: like
// run.json, the report may differ only in how long and when.
func reportTimingAside(t *testing.T, a, b string, diffs []string) []string {
	t.Helper()
	var out []string
	for _, d := range diffs {
		if strings.HasPrefix(d, rundir.ReportFile+": differs") {
			x, err1 := os.ReadFile(filepath.Join(a, rundir.ReportFile))
			y, err2 := os.ReadFile(filepath.Join(b, rundir.ReportFile))
			if err1 != nil || err2 != nil {
				t.Fatal(errors.Join(err1, err2))
			}
			if !reportTiming.Match(x) || !reportTiming.Match(y) {
				t.Fatalf("report.md has no timing sentence matching %s", reportTiming)
			}
			if bytes.Equal(reportTiming.ReplaceAll(x, nil), reportTiming.ReplaceAll(y, nil)) {
				continue
			}
		}
		out = append(out, d)
	}
	return out
}
