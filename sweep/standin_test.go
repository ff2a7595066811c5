package sweep

// A stand-in for `iplgpu sweep run`, built into the test binary: when the
// environment has IPLGPU_SWEEP_STANDIN=1, TestMain runs it instead of the
// tests. The Slurm and script tests write sweeps whose program is this test
// binary, so the job array runs the command line the real CLI will get
// (`EXE sweep run -dir DIR -index I`, or the index from the environment)
// through RunPoint, with a run that takes a few steps and stops cleanly on
// SIGTERM/SIGINT, writing run.json as the engine does. Its run directory holds:
//
//	trials.txt  one line per step, the same whatever the interruptions
//	starts.txt  one line per start: the state it started from
//	run.json    status complete | interrupted
//
// IPLGPU_STANDIN_STEPS (default 4) and IPLGPU_STANDIN_STEP_MS (default 100)
// set the length of a run.

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const standInVar = "IPLGPU_SWEEP_STANDIN"

func TestMain(m *testing.M) {
	if os.Getenv(standInVar) == "1" {
		os.Exit(standIn(os.Args[1:]))
	}
	os.Exit(m.Run())
}

var errInterrupted = errors.New("interrupted")

func standIn(args []string) int {
	if len(args) < 2 || args[0] != "sweep" || args[1] != "run" {
		fmt.Fprintf(os.Stderr, "stand-in: want sweep run ..., got %q\n", args)
		return 2
	}
	fs := flag.NewFlagSet("sweep run", flag.ContinueOnError)
	dir := fs.String("dir", "", "sweep directory")
	index := fs.Int("index", -1, "point index (default: from the environment)")
	if err := fs.Parse(args[2:]); err != nil {
		return 2
	}
	m, err := ReadManifest(*dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "stand-in:", err)
		return 1
	}
	i := *index
	if i < 0 {
		if i, _, err = IndexFromEnv(os.Getenv); err != nil {
			fmt.Fprintln(os.Stderr, "stand-in:", err)
			return 2
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	st, err := RunPoint(ctx, *dir, m, i, Options{Run: standInRun, Log: func(s string) { fmt.Fprintln(os.Stderr, "stand-in:", s) }})
	fmt.Fprintf(os.Stderr, "stand-in: point %d was %s: %v\n", i, st, err)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errInterrupted):
		return 130
	default:
		return 1
	}
}

func envInt(k string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(k)); err == nil {
		return v
	}
	return def
}

// standInTrial is line k of a point's trials.txt.
func standInTrial(p Point, sets []string, k int) string {
	return fmt.Sprintf("trial %d index=%d seed=%d sets=%s\n", k, p.Index, p.Seed, strings.Join(sets, ","))
}

func standInRun(ctx context.Context, t Task) error {
	steps := envInt("IPLGPU_STANDIN_STEPS", 4)
	step := time.Duration(envInt("IPLGPU_STANDIN_STEP_MS", 100)) * time.Millisecond
	if err := os.MkdirAll(t.RunDir, 0o755); err != nil {
		return err
	}
	trials := filepath.Join(t.RunDir, "trials.txt")
	done := 0
	switch t.State {
	case Pending:
		if ents, _ := os.ReadDir(t.RunDir); len(ents) > 0 {
			return fmt.Errorf("pending point with %d files in %s", len(ents), t.RunDir)
		}
	case Resumable:
		done = countLines(trials)
	default:
		return fmt.Errorf("stand-in cannot start from %s", t.State)
	}
	appendLine(filepath.Join(t.RunDir, "starts.txt"), fmt.Sprintf("start at trial %d from %s (job %s, restarts %s)\n",
		done, t.State, os.Getenv("SLURM_JOB_ID"), cmp.Or(os.Getenv("SLURM_RESTART_COUNT"), "0")))
	summary := func(status string, k int) error {
		return writeAtomic(filepath.Join(t.RunDir, "run.json"),
			fmt.Appendf(nil, `{"status":%q,"trials_done":%d,"trials_total":%d}`+"\n", status, k, steps), 0o644)
	}
	for k := done; k < steps; k++ {
		select {
		case <-ctx.Done():
			if err := summary("interrupted", k); err != nil {
				return err
			}
			return errInterrupted
		case <-time.After(step):
		}
		appendLine(trials, standInTrial(t.Point, t.Sets, k))
	}
	return summary("complete", steps)
}

func countLines(path string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	for sc := bufio.NewScanner(f); sc.Scan(); {
		n++
	}
	return n
}

func appendLine(path, line string) {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		panic(err)
	}
	f.WriteString(line)
	f.Close()
}

// wantTrials is a finished point's trials.txt.
func wantTrials(m *Manifest, p Point, steps int) string {
	var b strings.Builder
	for k := 0; k < steps; k++ {
		b.WriteString(standInTrial(p, m.Overrides(p), k))
	}
	return b.String()
}

// checkFinished checks that every point is done with the trials of an
// uninterrupted run, and returns each point's starts.txt lines.
func checkFinished(t *testing.T, dir string, m *Manifest, steps int) [][]string {
	t.Helper()
	sts, err := Status(dir, m, RunJSONProbe)
	if err != nil {
		t.Fatal(err)
	}
	if c := Count(sts); c[Done] != len(m.Points) {
		t.Errorf("%s, want all done", Summary(sts))
	}
	starts := make([][]string, len(m.Points))
	for i, p := range m.Points {
		rd := m.RunDir(dir, p)
		if b, _ := os.ReadFile(filepath.Join(rd, "trials.txt")); string(b) != wantTrials(m, p, steps) {
			t.Errorf("point %d trials.txt:\n%s\nwant (as uninterrupted):\n%s", i, b, wantTrials(m, p, steps))
		}
		b, _ := os.ReadFile(filepath.Join(rd, "starts.txt"))
		starts[i] = strings.Split(strings.TrimSpace(string(b)), "\n")
	}
	return starts
}
