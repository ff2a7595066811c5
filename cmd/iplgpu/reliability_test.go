package main

// Tests of issue 14, one per numbered item of the hostile probe: each failed
// on f312019 (main before the fix) and passes now. They drive the command
// line, in processes of their own where a panic, a signal, a resource limit
// or a race between two runs is the point.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
)

// prefixRun: a baseline session 0 with a recorded task block, then two
// sessions of training and the task block again: 140 trials, 3 w snapshots.
var prefixRun = []string{
	"-set", "network.neurons=30", "-set", "network.spines_per_neuron=4", "-set", "protocol.sessions=2",
	"-set", "protocol.before=[]", "-set", "protocol.after=[]", "-set", "protocol.baseline=true",
	"-set", "protocol.session=[{name: train, mode: task, trials: 10, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 40, coherences: [0.3], learning: false, record: true}]",
}

// noPanic fails when a process died of a panic, a runtime fatal error or a
// signal.
func noPanic(t *testing.T, what string, r result) {
	t.Helper()
	if r.code > 128 || strings.Contains(r.stderr, "panic:") || strings.Contains(r.stderr, "fatal error:") || strings.Contains(r.stderr, "goroutine ") {
		t.Fatalf("%s: exit %d with a crash:\n%s", what, r.code, shorten(r.stderr))
	}
}

// writePrefix writes into dst the run directory full would have been had it
// been killed (kill -9) after its first k trials: the first k lines of
// trials.csv, their rows of responses.npy and frames.npy, the w snapshots of
// the sessions finished by then, run.json saying "running", no final
// arrays. extraRow adds the next trial's responses row (killed between the
// two writes); cutLine adds half of the next line of trials.csv.
func writePrefix(t *testing.T, full, dst string, k int, extraRow, cutLine bool) {
	t.Helper()
	os.MkdirAll(dst, 0o755)
	for _, f := range []string{rundir.ConfigFile, rundir.SomaPosFile, rundir.ThetaFile, rundir.SpinePosFile, rundir.SpinePhiFile, rundir.SpineOwnerFile, rundir.EdgesFile} {
		b, err := os.ReadFile(filepath.Join(full, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dst, f), b, 0o644)
	}
	tb, _ := os.ReadFile(filepath.Join(full, rundir.TrialsFile))
	lines := strings.SplitAfter(string(tb), "\n")
	trials, err := rundir.ReadTrials(bytes.NewReader(tb))
	if err != nil {
		t.Fatal(err)
	}
	out := strings.Join(lines[:1+k], "")
	if cutLine && k < len(trials) {
		out += lines[1+k][:len(lines[1+k])/2]
	}
	os.WriteFile(filepath.Join(dst, rundir.TrialsFile), []byte(out), 0o644)
	recorded, sessions := 0, 0
	for i, tr := range trials[:k] {
		if tr.Recorded {
			recorded++
		}
		if i > 0 && tr.Session != trials[i-1].Session {
			sessions++ // a snapshot is taken when the next session starts
		}
	}
	if extraRow && k < len(trials) && trials[k].Recorded {
		recorded++
	}
	if k == len(trials) {
		sessions++ // and one at the end
		for _, f := range []string{rundir.WFinalFile, rundir.GainFinalFile} {
			b, _ := os.ReadFile(filepath.Join(full, f))
			os.WriteFile(filepath.Join(dst, f), b, 0o644)
		}
	}
	copyRows(t, filepath.Join(full, rundir.ResponsesFile), filepath.Join(dst, rundir.ResponsesFile), recorded)
	copyRows(t, filepath.Join(full, rundir.FramesFile), filepath.Join(dst, rundir.FramesFile), k)
	copyRows(t, filepath.Join(full, rundir.WSessionsFile), filepath.Join(dst, rundir.WSessionsFile), sessions)
	st, ok, err := rundir.ReadStatus(full)
	if err != nil || !ok {
		t.Fatalf("run.json of the full run: %v", err)
	}
	st.State, st.TrialsDone, st.Finished = rundir.StateRunning, 0, time.Time{}
	b, _ := json.Marshal(st)
	os.WriteFile(filepath.Join(dst, rundir.StatusFile), b, 0o644)
}

// copyRows writes the first rows of the .npy array src to dst.
func copyRows(t *testing.T, src, dst string, rows int) {
	t.Helper()
	shape, data, err := npy.Read(src)
	if err != nil {
		t.Fatal(err)
	}
	per := 1
	for _, s := range shape[1:] {
		per *= s
	}
	shape[0] = rows
	switch d := data.(type) {
	case []uint16:
		err = npy.WriteFile(dst, shape, d[:rows*per])
	case []float32:
		err = npy.WriteFile(dst, shape, d[:rows*per])
	default:
		t.Fatalf("%s: %T", src, data)
	}
	if err != nil {
		t.Fatal(err)
	}
}

// Item 1: iplgpu analyse works on every prefix of a run: stopped in session
// 0 (w_sessions.npy with 0 rows: the spatial analysis indexed snapshot -1),
// killed at any trial, between the responses row and its trials.csv line,
// in the middle of a trials.csv line, before the first trial; and after a
// real SIGINT in session 0. Enough trials: exit 0; too few: exit 1 with a
// message; never a crash.
func TestItem1AnalyseEveryPrefix(t *testing.T) {
	tmp := t.TempDir()
	full := filepath.Join(tmp, "full")
	if r := runProcess(t, time.Minute, nil, append([]string{"run", "-backend", "cpu", "-analyse=false", "-out", full}, prefixRun...)...); r.code != 0 {
		t.Fatalf("run: exit %d\n%s", r.code, r.stderr)
	}
	analyse := []string{"analyse", "-no-figures", "-subsets", "10", "-time-subsets", "3"}
	for _, c := range []struct {
		k                 int
		extraRow, cutLine bool
		ok                bool // exit 0 expected (else 0 or 1)
	}{
		{0, false, false, false}, {1, true, true, false}, {20, false, false, true}, {20, true, true, true},
		{39, false, false, true}, {40, false, false, true}, {41, false, false, true}, {50, true, false, true},
		{51, false, true, true}, {75, true, true, true}, {90, false, false, true}, {139, true, false, true}, {140, false, false, true},
	} {
		name := fmt.Sprintf("k%d-row%v-cut%v", c.k, c.extraRow, c.cutLine)
		dir := filepath.Join(tmp, name)
		writePrefix(t, full, dir, c.k, c.extraRow, c.cutLine)
		r := runProcess(t, time.Minute, nil, append(analyse, dir)...)
		noPanic(t, name, r)
		if c.ok && r.code != 0 {
			t.Errorf("%s: exit %d, want 0\n%s", name, r.code, shorten(r.stderr))
		}
		if r.code != 0 && !strings.Contains(r.stderr, "iplgpu analyse: analysis failed: ") {
			t.Errorf("%s: exit %d without a message:\n%s", name, r.code, shorten(r.stderr))
		}
	}

	// Killed before any trial: only some of the files exist.
	early := filepath.Join(tmp, "early")
	os.MkdirAll(early, 0o755)
	for _, f := range []string{rundir.ConfigFile, rundir.ThetaFile, rundir.EdgesFile} {
		b, _ := os.ReadFile(filepath.Join(full, f))
		os.WriteFile(filepath.Join(early, f), b, 0o644)
		r := runProcess(t, time.Minute, nil, append(analyse, early)...)
		noPanic(t, "early "+f, r)
		if r.code != 1 || !strings.Contains(r.stderr, "missing") {
			t.Errorf("after %s alone: exit %d, want 1 naming a missing file:\n%s", f, r.code, r.stderr)
		}
	}

	// A real SIGINT in session 0 (a large baseline block): exit 130, and the
	// analysis of what it kept works.
	big := append([]string(nil), prefixRun...)
	big[len(big)-1] = "protocol.session=[{name: train, mode: task, trials: 10, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 4000, coherences: [0.3], learning: false, record: true}]"
	stopped := filepath.Join(tmp, "stopped")
	p := startProcess(t, append([]string{"run", "-backend", "cpu", "-analyse=false", "-out", stopped}, big...)...)
	p.waitLine(t, "progress:", time.Minute)
	if code, _ := p.interrupt(t, 30*time.Second); code != 130 {
		t.Fatalf("SIGINT in session 0: exit %d, want 130\n%s", code, p.errText())
	}
	if shape, _, err := npy.Read(filepath.Join(stopped, rundir.WSessionsFile)); err != nil || shape[0] != 0 {
		t.Fatalf("w_sessions.npy after a stop in session 0: shape %v, %v; want 0 rows", shape, err)
	}
	r := runProcess(t, time.Minute, nil, append(analyse, stopped)...)
	noPanic(t, "stopped in session 0", r)
	if r.code != 0 {
		t.Fatalf("analyse after a stop in session 0: exit %d\n%s", r.code, r.stderr)
	}
}

// Item 2: two runs into one -out at once: exactly one succeeds, the other is
// refused naming the directory, and the directory holds one run (its
// config.yaml and run.json agree on the seed). Repeated, as the race is
// timing-dependent; on f312019 both succeeded 1 time in 5.
func TestItem2ConcurrentRunsIntoOneDirectory(t *testing.T) {
	for round := range 6 {
		dir := filepath.Join(t.TempDir(), "race")
		res := make([]result, 2)
		done := make(chan int, 2)
		for k := range 2 {
			go func() {
				cmd := iplgpuCmd(nil, append([]string{"run", "-backend", "cpu", "-analyse=false", "-out", dir, "-seed", strconv.Itoa(10 + k)}, tinyRun...)...)
				var out, errb bytes.Buffer
				cmd.Stdout, cmd.Stderr = &out, &errb
				err := cmd.Run()
				code := 0
				if err != nil {
					code = -1
					if ee, ok := err.(interface{ ExitCode() int }); ok {
						code = ee.ExitCode()
					}
				}
				res[k] = result{code, out.String(), errb.String()}
				done <- k
			}()
		}
		<-done
		<-done
		won := 0
		for k, r := range res {
			switch {
			case r.code == 0:
				won++
			case r.code == 1 && (strings.Contains(r.stderr, "another iplgpu process") || strings.Contains(r.stderr, "already holds")) && strings.Contains(r.stderr, dir):
			default:
				t.Errorf("round %d, run %d: exit %d:\n%s", round, k, r.code, r.stderr)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d runs succeeded into one directory, want exactly 1\n%+v", round, won, res)
		}
		st, _, err := rundir.ReadStatus(dir)
		cfg, _ := os.ReadFile(filepath.Join(dir, rundir.ConfigFile))
		if err != nil || !strings.Contains(string(cfg), fmt.Sprintf("seed: %d\n", st.Seed)) {
			t.Fatalf("round %d: run.json (seed %d, %v) and config.yaml disagree:\n%s", round, st.Seed, err, cfg)
		}
	}
}

// Item 3: a slab too wide for the grid is refused at once instead of looping
// forever, and Ctrl-C (SIGINT) ends a network build and an analysis with exit
// 130 within a second. The loops check their context every few
// milliseconds, so a second is a margin of two orders of magnitude.
func TestItem3InterruptBuildAndAnalysis(t *testing.T) {
	tmp := t.TempDir()
	for _, set := range []string{"network.density_per_mm3=1e-100", "network.depth_um=1e-100", "network.depth_um=1e-320"} {
		r := runProcess(t, 30*time.Second, nil, "run", "-backend", "cpu", "-out", filepath.Join(tmp, "wide"), "-set", set)
		key, _, _ := strings.Cut(set, "=")
		if r.code != 1 || !strings.Contains(r.stderr, key+" = ") || !strings.Contains(r.stderr, "slab") {
			t.Errorf("-set %s: exit %d, want 1 naming the key and the slab:\n%s", set, r.code, r.stderr)
		}
	}

	// During the build of a network large enough to take seconds.
	p := startProcess(t, "run", "-backend", "cpu", "-analyse=false", "-out", filepath.Join(tmp, "build"), "-set", "network.neurons=100000")
	p.waitLine(t, "network: building", 30*time.Second)
	time.Sleep(300 * time.Millisecond)
	code, took := p.interrupt(t, 20*time.Second)
	if code != 130 || took > time.Second {
		t.Errorf("SIGINT during the build: exit %d after %v, want 130 within 1s\n%s", code, took, p.errText())
	}
	if strings.Contains(p.errText(), "candidate contacts") {
		t.Errorf("the build had finished before the SIGINT; the test did not interrupt it:\n%s", p.errText())
	}
	st, ok, err := rundir.ReadStatus(filepath.Join(tmp, "build"))
	if err != nil || !ok || st.State != rundir.StateInterrupted {
		t.Errorf("run.json after a SIGINT in the build: %+v, %v, %v; want status interrupted", st, ok, err)
	}

	// During the analysis: a million subsets per block take many seconds.
	dir := filepath.Join(tmp, "run")
	if code, _, errs := runCLI(append([]string{"run", "-backend", "cpu", "-analyse=false", "-out", dir}, analyseRun...)...); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, errs)
	}
	p = startProcess(t, "analyse", "-no-figures", "-subsets", "1000000", dir)
	time.Sleep(500 * time.Millisecond)
	code, took = p.interrupt(t, 60*time.Second)
	if code != 130 || took > time.Second {
		t.Errorf("SIGINT during the analysis: exit %d after %v, want 130 within 1s\n%s", code, took, p.errText())
	}
	p = startProcess(t, "fisher", "-run", dir, "-subsets", "1000000")
	time.Sleep(500 * time.Millisecond)
	code, took = p.interrupt(t, 60*time.Second)
	if code != 130 || took > time.Second {
		t.Errorf("SIGINT during fisher -run: exit %d after %v, want 130 within 1s\n%s", code, took, p.errText())
	}
	if _, err := os.Stat(filepath.Join(dir, rundir.FisherFile)); err == nil {
		t.Error("an interrupted fisher -run wrote fisher.csv")
	}
}

// Item 4: values inside each key's range that crashed the grid (makeslice:
// len out of range) are refused before any work, naming the key.
func TestItem4NoPanicInsideTheRanges(t *testing.T) {
	tmp := t.TempDir()
	for _, set := range []string{"network.contact_distance_um=1e-20", "network.contacts_per_spine=1e-320"} {
		out := filepath.Join(tmp, "r")
		r := runProcess(t, 30*time.Second, nil, "run", "-backend", "cpu", "-out", out, "-set", set)
		key, _, _ := strings.Cut(set, "=")
		noPanic(t, set, r)
		if r.code != 1 || !strings.Contains(r.stderr, "config: "+key+" = ") || !strings.Contains(r.stderr, "allowed") {
			t.Errorf("-set %s: exit %d, want 1 naming the key and what is allowed:\n%s", set, r.code, r.stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("-set %s: the run directory was created", set)
		}
	}
}

// Item 5: configurations that failed late, after the run directory existed,
// with messages about .npy row shapes, are refused up front naming the key.
func TestItem5LateErrorsComeEarly(t *testing.T) {
	tmp := t.TempDir()
	for _, c := range []struct{ set, want string }{
		{"network.contact_distance_um=0.5", "gives no candidate contacts"},
		{"stimulus.frame_ms=1e-320", "shorter than one step"},
		{"stimulus.bin_ms=1e-320", "stimulus.bin_ms"},
	} {
		out := filepath.Join(tmp, "r")
		code, _, errs := runCLI("run", "-backend", "cpu", "-out", out, "-set", c.set)
		key, _, _ := strings.Cut(c.set, "=")
		if code != 1 || !strings.Contains(errs, key) || !strings.Contains(errs, c.want) || strings.Contains(errs, ".npy") {
			t.Errorf("-set %s: exit %d, want 1 with %q and the key:\n%s", c.set, code, c.want, errs)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("-set %s: the run directory was created", c.set)
		}
	}
}

// Item 6: every large allocation is counted before it is made, under ulimit
// -v (RLIMIT_AS) too: oversized networks, protocols and trials, Fisher
// subsets and .npy arrays are refused with a message instead of "fatal
// error: out of memory"; a ds whose 1/ds^2 overflows and a value whose
// square overflows are refused instead of reported as Inf or "zero variance".
func TestItem6AllocationsAreCounted(t *testing.T) {
	tmp := t.TempDir()
	limit := []string{"IPLGPU_TEST_RLIMIT_AS=" + strconv.Itoa(3<<30)} // ulimit -v 3 GiB
	dir := filepath.Join(tmp, "run")
	if code, _, errs := runCLI(append([]string{"run", "-backend", "cpu", "-analyse=false", "-out", dir}, analyseRun...)...); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, errs)
	}
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "-set", "network.neurons=5000000"}, 1, "ulimit -v"},
		{[]string{"run", "-set", "protocol.session=[{name: t, mode: task, trials: 10000000, coherences: [0.3], learning: true, record: true}]"}, 1, "ulimit -v"},
		{[]string{"run", "-set", "protocol.sessions=100000"}, 1, "ulimit -v"},
		{[]string{"run", "-set", "stimulus.frames=10000", "-set", "stimulus.frame_ms=1600"}, 1, "ulimit -v|on disk"},
		{[]string{"run", "-set", "network.neurons=4000", "-set", "network.contact_distance_um=10000"}, 1, "network.contact_distance_um = 10000"},
		{[]string{"fisher", "-run", dir, "-subsets", "2000000000"}, 2, "ulimit -v"},
		{[]string{"analyse", "-subsets", "2000000000", dir}, 2, "ulimit -v"},
	} {
		args := append(c.args[:1:1], "-out", filepath.Join(tmp, "r"))
		if c.args[0] != "run" {
			args = c.args[:1:1]
		}
		args = append(args, c.args[1:]...)
		r := runProcess(t, time.Minute, limit, args...)
		noPanic(t, strings.Join(c.args, " "), r)
		found := false
		for _, w := range strings.Split(c.want, "|") {
			found = found || strings.Contains(r.stderr, w)
		}
		if r.code != c.code || !found {
			t.Errorf("%v: exit %d, want %d with %q:\n%s", c.args, r.code, c.code, c.want, r.stderr)
		}
	}

	// A .npy whose header truthfully declares 800 GB (a sparse file): the
	// header is checked against the file's size, then the array against the
	// memory, before anything is allocated.
	huge := filepath.Join(tmp, "huge.npy")
	small := filepath.Join(tmp, "small.npy")
	writeNpy(t, small, []int{20, 3}, make([]float64, 60))
	hdr := []byte("\x93NUMPY\x01\x00")
	dict := "{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 1), }"
	dict += strings.Repeat(" ", 64-(10+len(dict)+1)%64) + "\n"
	hdr = append(hdr, byte(len(dict)), byte(len(dict)>>8))
	hdr = append(hdr, dict...)
	if err := os.WriteFile(huge, hdr, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(huge, int64(len(hdr))+800e9); err != nil {
		t.Skipf("no sparse 800 GB file here: %v", err)
	}
	r := runProcess(t, time.Minute, limit, "fisher", "-plus", huge, "-minus", small, "-ds", "1")
	noPanic(t, "800 GB .npy", r)
	if r.code != 1 || !strings.Contains(r.stderr, "huge.npy") || !strings.Contains(r.stderr, "GiB") {
		t.Errorf("800 GB .npy: exit %d:\n%s", r.code, r.stderr)
	}

	// -ds 1e-320: 1/ds^2 overflows.
	a, b := filepath.Join(tmp, "a.npy"), filepath.Join(tmp, "b.npy")
	va, vb := make([]float64, 40*3), make([]float64, 40*3)
	for i := range va {
		va[i], vb[i] = float64(i%7+i%3), float64(i%5+i%2)
	}
	writeNpy(t, a, []int{40, 3}, va)
	writeNpy(t, b, []int{40, 3}, vb)
	code, out, errs := runCLI("fisher", "-plus", a, "-minus", b, "-ds", "1e-320")
	if code != 2 || !strings.Contains(errs, "-ds 1e-320") || strings.Contains(out, "Inf") {
		t.Errorf("-ds 1e-320: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
	// A single value of 1e308: its square overflows, it is not "zero variance".
	va[4] = 1e308
	writeNpy(t, a, []int{40, 3}, va)
	code, out, errs = runCLI("fisher", "-plus", a, "-minus", b, "-ds", "1", "-counts=false")
	if code != 1 || !strings.Contains(errs, "1e+308") || strings.Contains(out+errs, "zero variance") {
		t.Errorf("a value of 1e308: exit %d\nstdout: %s\nstderr: %s", code, out, errs)
	}
}

func writeNpy(t *testing.T, path string, shape []int, data []float64) {
	t.Helper()
	if err := npy.WriteFile(path, shape, data); err != nil {
		t.Fatal(err)
	}
}

// Item 7: a disk that fills up during a run (here: ulimit -f, the largest
// file hits the limit) fails the run with a message; run.json is whole and
// says failed, and the analysis reads the .npy files of such a run. (The
// tmpfs version, closer to a full disk, is TestDiskFullTmpfs in package
// engine; it needs root.)
func TestItem7DiskFull(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "run")
	// responses.npy grows by 32 bins x 30 neurons x 2 bytes a recorded trial:
	// 60 kB hold 31 of the 40 recorded trials.
	r := runProcess(t, time.Minute, []string{"IPLGPU_TEST_RLIMIT_FSIZE=60000"}, append([]string{"run", "-backend", "cpu", "-out", dir}, analyseRun...)...)
	noPanic(t, "run", r)
	if r.code != 1 || !strings.Contains(r.stderr, "file too large") {
		t.Fatalf("run into a full file system: exit %d, want 1 naming the write error:\n%s", r.code, r.stderr)
	}
	b, err := os.ReadFile(filepath.Join(dir, rundir.StatusFile))
	var st rundir.Status
	if err != nil || json.Unmarshal(b, &st) != nil || st.State != rundir.StateFailed || !strings.Contains(st.Error, "file too large") {
		t.Fatalf("run.json after the failure: %v\n%s", err, b)
	}
	r = runProcess(t, time.Minute, nil, "analyse", "-no-figures", "-subsets", "10", "-time-subsets", "3", dir)
	noPanic(t, "analyse", r)
	if r.code != 0 || !strings.Contains(r.stderr, `status "failed"`) {
		t.Fatalf("analyse the failed run: exit %d\n%s", r.code, r.stderr)
	}
}

// Item 8: what the user wrote is never changed silently: fractional, octal
// and overflowing integers, empty and null values, a negative -seed and a
// second YAML document are refused naming the key.
func TestItem8NoSilentChanges(t *testing.T) {
	tmp := t.TempDir()
	file := func(name, body string) string {
		p := filepath.Join(tmp, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"config", "-set", "network.neurons=40.5"}, []string{"network.neurons = 40.5", "not an integer"}},
		{[]string{"config", "-config", file("f.yaml", "network:\n  neurons: 40.5\n")}, []string{"f.yaml", "network.neurons = 40.5"}},
		{[]string{"config", "-set", "network.spines_per_neuron=8.9"}, []string{"network.spines_per_neuron = 8.9"}},
		{[]string{"config", "-set", "stimulus.frames=16.5"}, []string{"stimulus.frames = 16.5"}},
		{[]string{"config", "-set", "protocol.sessions=2.5"}, []string{"protocol.sessions = 2.5"}},
		{[]string{"config", "-set", "protocol.session=[{name: t, mode: task, trials: 40.5, coherences: [0.3], record: true}]"}, []string{"protocol.session[0].trials = 40.5"}},
		{[]string{"config", "-set", "network.neurons=010"}, []string{"network.neurons = 010", "octal"}},
		{[]string{"config", "-set", "seed=-1e308"}, []string{"seed = -1e308"}},
		{[]string{"config", "-set", "seed=0.5"}, []string{"seed = 0.5"}},
		{[]string{"config", "-set", "seed=-1"}, []string{"seed = -1", "negative"}},
		{[]string{"config", "-set", "seed=18446744073709551616"}, []string{"seed = 18446744073709551616", "does not fit"}},
		{[]string{"config", "-set", "network.neurons="}, []string{"network.neurons=", "empty value"}},
		{[]string{"config", "-set", "network.neurons=~"}, []string{"network.neurons has no value"}},
		{[]string{"config", "-config", file("n.yaml", "network:\n  neurons:\n")}, []string{"network.neurons has no value"}},
		{[]string{"config", "-config", file("m.yaml", "seed: 3\n---\nseed: 4\n")}, []string{"m.yaml", "second YAML document"}},
		{[]string{"run", "-seed", "-7", "-out", filepath.Join(tmp, "r")}, []string{`invalid value "-7" for flag -seed`}},
		{[]string{"run", "-seed", "0.5", "-out", filepath.Join(tmp, "r")}, []string{`invalid value "0.5" for flag -seed`}},
	} {
		code, out, errs := runCLI(c.args...)
		if code == 0 {
			t.Errorf("%q: accepted (exit 0):\n%s", c.args, out)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(errs, w) {
				t.Errorf("%q: exit %d, stderr lacks %q:\n%s", c.args, code, w, errs)
			}
		}
	}
	if _, err := os.Stat(filepath.Join(tmp, "r")); err == nil {
		t.Error("a refused run created its directory")
	}
	// What is refused above is what the decoder would have changed; plain
	// values still load exactly.
	code, out, errs := runCLI("config", "-set", "network.neurons=40", "-set", "seed=18446744073709551615")
	if code != 0 || !strings.Contains(out, "neurons: 40\n") || !strings.Contains(out, "seed: 18446744073709551615\n") {
		t.Errorf("plain integers: exit %d\n%s%s", code, out, errs)
	}
}

// Item 9: the analysis does not trust what disagrees with the data: an
// empty config.yaml, or one of another run, is refused (the report described
// 200 neurons for a 40-neuron run); duplicated trials.csv lines are refused;
// a 10 MB value is not echoed whole; a binary trials.csv header is not
// dumped to the terminal.
func TestItem9AnalyseChecksTheData(t *testing.T) {
	tmp := t.TempDir()
	dir := filepath.Join(tmp, "run")
	if code, _, errs := runCLI(append([]string{"run", "-backend", "cpu", "-analyse=false", "-out", dir}, analyseRun...)...); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, errs)
	}
	analyse := func(d string) (int, string) {
		code, _, errs := runCLI("analyse", "-no-figures", "-subsets", "10", "-time-subsets", "3", d)
		return code, errs
	}
	// The variants leave out manifest.json, as a directory from before
	// manifests: the checks below come after the manifest's.
	variant := func(name string, edit func(d string)) string {
		d := filepath.Join(tmp, name)
		os.MkdirAll(d, 0o755)
		ents, _ := os.ReadDir(dir)
		for _, e := range ents {
			if e.Name() == rundir.ManifestFile {
				continue
			}
			b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			os.WriteFile(filepath.Join(d, e.Name()), b, 0o644)
		}
		edit(d)
		return d
	}
	cfgPath := func(d string) string { return filepath.Join(d, rundir.ConfigFile) }

	empty := variant("empty-config", func(d string) { os.WriteFile(cfgPath(d), nil, 0o644) })
	if code, errs := analyse(empty); code != 1 || !strings.Contains(errs, "config.yaml is empty") {
		t.Errorf("empty config.yaml: exit %d\n%s", code, errs)
	}
	if rep, err := os.ReadFile(filepath.Join(empty, rundir.ReportFile)); err == nil {
		t.Errorf("a report was written for the empty config:\n%.300s", rep)
	}
	other := variant("other-config", func(d string) {
		b, _ := os.ReadFile(cfgPath(d))
		os.WriteFile(cfgPath(d), bytes.Replace(b, []byte("neurons: 30\n"), []byte("neurons: 200\n"), 1), 0o644)
	})
	if code, errs := analyse(other); code != 1 || !strings.Contains(errs, "network.neurons = 200") || !strings.Contains(errs, "30 neurons") {
		t.Errorf("config of 200 neurons for a 30-neuron run: exit %d\n%s", code, errs)
	}

	dup := variant("duplicate-line", func(d string) {
		b, _ := os.ReadFile(filepath.Join(d, rundir.TrialsFile))
		lines := strings.SplitAfter(string(b), "\n")
		lines = append(lines[:15], append([]string{lines[14]}, lines[15:]...)...)
		os.WriteFile(filepath.Join(d, rundir.TrialsFile), []byte(strings.Join(lines, "")), 0o644)
	})
	if code, errs := analyse(dup); code != 1 || !strings.Contains(errs, "line 16 repeats trial") {
		t.Errorf("duplicated trials.csv line: exit %d\n%s", code, errs)
	}

	long := strings.Repeat("x", 10<<20)
	code, _, errs := runCLI("config", "-set", "network.tuning="+long)
	if code != 1 || len(errs) > 1000 || !strings.Contains(errs, "network.tuning") {
		t.Errorf("a 10 MB value: exit %d, %d bytes of error", code, len(errs))
	}
	cfgFile := filepath.Join(tmp, "long.yaml")
	os.WriteFile(cfgFile, []byte("network:\n  tuning: "+long+"\n"), 0o644)
	code, _, errs = runCLI("config", "-config", cfgFile)
	if code != 1 || len(errs) > 1000 {
		t.Errorf("a 10 MB value in a file: exit %d, %d bytes of error", code, len(errs))
	}

	bin := variant("binary-trials", func(d string) {
		junk := make([]byte, 1<<16)
		for i := range junk {
			junk[i] = byte(i*7 + i/256)
		}
		os.WriteFile(filepath.Join(d, rundir.TrialsFile), junk, 0o644)
	})
	code, errs = analyse(bin)
	if code != 1 || len(errs) > 2000 || strings.ContainsFunc(errs, func(r rune) bool { return r < ' ' && r != '\n' && r != '\t' }) {
		t.Errorf("binary trials.csv: exit %d, %d bytes of error with control bytes:\n%q", code, len(errs), shorten(errs))
	}
}
