package sweep

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestIndexFromEnv(t *testing.T) {
	cases := []struct {
		name    string
		env     map[string]string
		want    int
		from    string
		wantErr string
	}{
		{"slurm", map[string]string{SlurmIndexVar: "3"}, 3, SlurmIndexVar, ""},
		{"kubernetes", map[string]string{KubeIndexVar: "0"}, 0, KubeIndexVar, ""},
		{"both agree", map[string]string{SlurmIndexVar: "7", KubeIndexVar: " 7 "}, 7, SlurmIndexVar, ""},
		{"both disagree", map[string]string{SlurmIndexVar: "7", KubeIndexVar: "8"}, 0, "", "SLURM_ARRAY_TASK_ID=7 and JOB_COMPLETION_INDEX=8 disagree"},
		{"neither", map[string]string{"SLURM_JOB_ID": "12"}, 0, "", "no point index: give -index"},
		{"not a number", map[string]string{SlurmIndexVar: "3a"}, 0, "", `SLURM_ARRAY_TASK_ID="3a" is not a point index`},
		{"negative", map[string]string{KubeIndexVar: "-1"}, 0, "", `JOB_COMPLETION_INDEX="-1" is not a point index`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			i, from, err := IndexFromEnv(func(k string) string { return c.env[k] })
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || i != c.want || from != c.from {
				t.Errorf("= %d, %s, %v; want %d, %s", i, from, err, c.want, c.from)
			}
		})
	}
	// The real environment.
	t.Setenv(SlurmIndexVar, "")
	t.Setenv(KubeIndexVar, "2")
	if i, from, err := IndexFromEnv(os.Getenv); i != 2 || from != KubeIndexVar || err != nil {
		t.Errorf("os.Getenv with JOB_COMPLETION_INDEX=2: %d, %s, %v", i, from, err)
	}
}

func writeRunJSON(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestRunJSONProbe(t *testing.T) {
	root := t.TempDir()
	cases := []struct {
		name    string
		setup   func(dir string)
		want    State
		detail  string
		wantErr string
	}{
		{"absent", func(string) {}, Pending, "", ""},
		{"empty", func(d string) { os.MkdirAll(d, 0o755) }, Pending, "", ""},
		{"files, no run.json", func(d string) {
			os.MkdirAll(d, 0o755)
			os.WriteFile(filepath.Join(d, "config.yaml"), nil, 0o644)
		}, Resumable, "no run.json", ""},
		{"complete", func(d string) {
			writeRunJSON(t, d, `{"version":"x","status":"complete","trials_done":10,"trials_total":10}`)
		}, Done, "10 of 10 trials", ""},
		{"interrupted", func(d string) { writeRunJSON(t, d, `{"status":"interrupted","trials_done":4,"trials_total":10}`) }, Resumable, "4 of 10 trials", ""},
		{"running", func(d string) { writeRunJSON(t, d, `{"status":"running"}`) }, Resumable, "", ""},
		{"failed", func(d string) {
			writeRunJSON(t, d, `{"status":"failed","error":"backend: out of memory\nmore","trials_done":0,"trials_total":10}`)
		}, Failed, "0 of 10 trials: backend: out of memory", ""},
		{"failed, no counts", func(d string) { writeRunJSON(t, d, `{"status":"failed","error":"boom"}`) }, Failed, "boom", ""},
		{"unknown status", func(d string) { writeRunJSON(t, d, `{"status":"weird"}`) }, "", "", `unknown status "weird"`},
		{"malformed", func(d string) { writeRunJSON(t, d, `{"status":`) }, "", "", "unexpected EOF"},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := filepath.Join(root, fmt.Sprint(i))
			c.setup(dir)
			st, detail, err := RunJSONProbe(dir)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Errorf("error %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil || st != c.want || detail != c.detail {
				t.Errorf("= %s, %q, %v; want %s, %q", st, detail, err, c.want, c.detail)
			}
		})
	}
}

// newSweep writes a sweep of the given seeds into a temporary directory.
func newSweep(t *testing.T, y string) (string, *Manifest) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "sw")
	m, err := Write(dir, mustParse(t, y), WriteOptions{Exe: "/bin/true"})
	if err != nil {
		t.Fatal(err)
	}
	return dir, m
}

func TestStatus(t *testing.T) {
	dir, m := newSweep(t, "seeds: [1, 2, 3, 4, 5]\n")
	writeRunJSON(t, m.RunDir(dir, m.Points[1]), `{"status":"complete"}`)
	writeRunJSON(t, m.RunDir(dir, m.Points[2]), `{"status":"failed","error":"x"}`)
	writeRunJSON(t, m.RunDir(dir, m.Points[3]), `{"status":"interrupted"}`)
	writeRunJSON(t, m.RunDir(dir, m.Points[4]), `{"status":"running"}`) // its process died
	lock, err := claim(lockPath(dir, m.Points[0]))                      // a process runs point 0
	if err != nil {
		t.Fatal(err)
	}
	sts, err := Status(dir, m, RunJSONProbe)
	if err != nil {
		t.Fatal(err)
	}
	var got []State
	for _, s := range sts {
		got = append(got, s.State)
	}
	if want := []State{Running, Done, Failed, Resumable, Resumable}; !reflect.DeepEqual(got, want) {
		t.Errorf("states %v, want %v", got, want)
	}
	if s := Summary(sts); s != "5 points: 1 done, 1 running, 2 resumable, 1 failed" {
		t.Errorf("summary %q", s)
	}
	lock.Close()
	sts, _ = Status(dir, m, RunJSONProbe)
	if sts[0].State != Pending {
		t.Errorf("after the lock is dropped point 0 is %s, want pending", sts[0].State)
	}
	// Status creates no lock files.
	if ents, _ := os.ReadDir(filepath.Join(dir, LocksDir)); len(ents) != 1 {
		t.Errorf("locks/ holds %d files, want only the one claimed", len(ents))
	}
	// A probe error names the point.
	_, err = Status(dir, m, func(string) (State, string, error) { return "", "", errors.New("unreadable") })
	if err == nil || !strings.Contains(err.Error(), "point 0 (runs/0000-seed=1): unreadable") {
		t.Errorf("probe error: %v", err)
	}
}

// fakeRun is a RunFunc that writes run.json like the engine does.
type fakeRun struct {
	mu      sync.Mutex
	calls   map[int]Task
	active  atomic.Int32
	maxSeen atomic.Int32
	fail    map[int]bool
	block   chan struct{} // if not nil, runs wait for it or for ctx
}

func (f *fakeRun) run(ctx context.Context, t Task) error {
	n := f.active.Add(1)
	defer f.active.Add(-1)
	for {
		m := f.maxSeen.Load()
		if n <= m || f.maxSeen.CompareAndSwap(m, n) {
			break
		}
	}
	f.mu.Lock()
	f.calls[t.Index] = t
	f.mu.Unlock()
	os.MkdirAll(t.RunDir, 0o755)
	if f.block != nil {
		select {
		case <-f.block:
		case <-ctx.Done():
			os.WriteFile(filepath.Join(t.RunDir, "run.json"), []byte(`{"status":"interrupted"}`), 0o644)
			return errors.New("interrupted")
		}
	} else {
		time.Sleep(5 * time.Millisecond)
	}
	if f.fail[t.Index] {
		os.WriteFile(filepath.Join(t.RunDir, "run.json"), []byte(`{"status":"failed","error":"boom"}`), 0o644)
		return errors.New("boom")
	}
	return os.WriteFile(filepath.Join(t.RunDir, "run.json"), []byte(`{"status":"complete"}`), 0o644)
}

func newFake() *fakeRun { return &fakeRun{calls: map[int]Task{}, fail: map[int]bool{}} }

func TestRunLocal(t *testing.T) {
	dir, m := newSweep(t, "set: [x.y=1]\nseeds: [1, 2]\ngrid:\n  a.b: [1, 2, 3, 4]\n")
	writeRunJSON(t, m.RunDir(dir, m.Points[0]), `{"status":"complete"}`)
	writeRunJSON(t, m.RunDir(dir, m.Points[1]), `{"status":"interrupted"}`)
	writeRunJSON(t, m.RunDir(dir, m.Points[2]), `{"status":"failed"}`)
	busy, _ := claim(lockPath(dir, m.Points[3]))
	f := newFake()
	f.fail[5] = true
	var logs []string
	var lmu sync.Mutex
	rep, err := RunLocal(context.Background(), dir, m, 3, Options{Run: f.run, Log: func(s string) { lmu.Lock(); logs = append(logs, s); lmu.Unlock() }})
	busy.Close()
	if err == nil || !strings.Contains(err.Error(), "2 of 8 points did not finish") {
		t.Errorf("error %v", err)
	}
	if !reflect.DeepEqual(rep.Ran, []int{1, 4, 5, 6, 7}) || !reflect.DeepEqual(rep.Done, []int{0}) ||
		!reflect.DeepEqual(rep.Busy, []int{3}) || !reflect.DeepEqual(rep.Skipped, []int{2}) {
		t.Errorf("report ran %v done %v busy %v skipped %v", rep.Ran, rep.Done, rep.Busy, rep.Skipped)
	}
	if !errors.Is(rep.Errors[2], ErrFailedBefore) || rep.Errors[5] == nil || len(rep.Errors) != 2 {
		t.Errorf("errors %v", rep.Errors)
	}
	if got := f.maxSeen.Load(); got > 3 {
		t.Errorf("%d runs at once with 3 workers", got)
	}
	if c := f.calls[1]; c.State != Resumable || c.RunDir != filepath.Join(dir, "runs", "0001-b=1-seed=2") ||
		!reflect.DeepEqual(c.Sets, []string{"x.y=1", "a.b=1"}) || c.Seed != 2 || c.SweepDir != dir {
		t.Errorf("task of point 1: %+v", c)
	}
	if c := f.calls[4]; c.State != Pending {
		t.Errorf("task of point 4: state %s, want pending", c.State)
	}
	if len(logs) == 0 {
		t.Error("no log lines")
	}

	// Again, retrying failed points: only 2 and 5 run; the rest is done.
	f2 := newFake()
	rep, err = RunLocal(context.Background(), dir, m, 2, Options{Run: f2.run, RetryFailed: true})
	if err != nil || !reflect.DeepEqual(rep.Ran, []int{2, 3, 5}) {
		t.Errorf("second pass: ran %v, err %v", rep.Ran, err)
	}
	if f2.calls[2].State != Failed {
		t.Errorf("retried point 2 had state %s", f2.calls[2].State)
	}
	sts, _ := Status(dir, m, RunJSONProbe)
	if c := Count(sts); c[Done] != 8 {
		t.Errorf("after the second pass: %s", Summary(sts))
	}
	// A third pass runs nothing.
	f3 := newFake()
	if rep, err := RunLocal(context.Background(), dir, m, 4, Options{Run: f3.run}); err != nil || len(rep.Ran) != 0 || len(rep.Done) != 8 {
		t.Errorf("third pass: %+v, %v", rep, err)
	}
}

func TestRunLocalCancel(t *testing.T) {
	dir, m := newSweep(t, "seeds: [1, 2, 3, 4, 5, 6]\n")
	f := newFake()
	f.block = make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	var rep *Report
	var err error
	go func() { rep, err = RunLocal(ctx, dir, m, 2, Options{Run: f.run}); close(done) }()
	deadline := time.Now().Add(5 * time.Second)
	for f.active.Load() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	cancel()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("RunLocal did not return after cancel")
	}
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "stopped: 4 points not started") {
		t.Errorf("error %v", err)
	}
	if len(rep.Ran) != 2 || len(rep.Skipped) != 4 {
		t.Errorf("ran %v skipped %v", rep.Ran, rep.Skipped)
	}
	sts, _ := Status(dir, m, RunJSONProbe)
	if c := Count(sts); c[Resumable] != 2 || c[Pending] != 4 {
		t.Errorf("after cancel: %s", Summary(sts))
	}
}

func TestRunPoint(t *testing.T) {
	dir, m := newSweep(t, "seeds: [1, 2]\n")
	f := newFake()
	if st, err := RunPoint(context.Background(), dir, m, 1, Options{Run: f.run}); st != Pending || err != nil {
		t.Errorf("first run: %s, %v", st, err)
	}
	if st, err := RunPoint(context.Background(), dir, m, 1, Options{Run: f.run}); st != Done || err != nil || len(f.calls) != 1 {
		t.Errorf("second run: %s, %v, %d calls: want done, nothing run", st, err, len(f.calls))
	}
	if _, err := RunPoint(context.Background(), dir, m, 2, Options{Run: f.run}); err == nil || !strings.Contains(err.Error(), "its points are 0 to 1") {
		t.Errorf("index out of range: %v", err)
	}
	lock, _ := claim(lockPath(dir, m.Points[0]))
	defer lock.Close()
	if st, err := RunPoint(context.Background(), dir, m, 0, Options{Run: f.run}); st != Running || !errors.Is(err, ErrClaimed) {
		t.Errorf("claimed point: %s, %v", st, err)
	}
	if _, err := RunPoint(context.Background(), dir, m, 0, Options{}); err == nil {
		t.Error("no RunFunc: no error")
	}
}
