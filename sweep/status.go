package sweep

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/iplgpu/iplgpu/internal/fsutil"
)

// State is where a point stands.
type State string

// The states of a point.
const (
	Pending   State = "pending"   // nothing run yet
	Running   State = "running"   // a process holds the point's lock now
	Done      State = "done"      // finished: never run again
	Failed    State = "failed"    // the run failed (an error, not an interruption)
	Resumable State = "resumable" // started and stopped (interrupted, killed, preempted): run it again to continue
)

// Probe reads a point's run directory and says what it holds: Pending (nothing
// there), Done, Failed or Resumable, with a short detail for people (e.g. "412 of
// 3760 trials"). It is called only while no process runs the point, and it
// must not change the directory. The run directory's owner provides it;
// RunJSONProbe reads what engine.Simulate writes today.
type Probe func(runDir string) (State, string, error)

// RunJSONProbe classifies a run directory by its run.json: "status" complete ->
// Done, interrupted -> Resumable, failed -> Failed, running (a run that died
// without writing its end) -> Resumable. A missing or empty directory is
// Pending; one with files but no run.json (killed before it wrote one) is
// Resumable.
func RunJSONProbe(runDir string) (State, string, error) {
	f, err := os.Open(filepath.Join(runDir, "run.json"))
	if errors.Is(err, os.ErrNotExist) {
		ents, derr := os.ReadDir(runDir)
		if errors.Is(derr, os.ErrNotExist) || (derr == nil && len(ents) == 0) {
			return Pending, "", nil
		}
		if derr != nil {
			return "", "", derr
		}
		return Resumable, "no run.json", nil
	}
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	var rs struct {
		Status      string `json:"status"`
		Error       string `json:"error"`
		TrialsDone  int    `json:"trials_done"`
		TrialsTotal int    `json:"trials_total"`
	}
	if err := json.NewDecoder(io.LimitReader(f, 1<<20)).Decode(&rs); err != nil {
		return "", "", fmt.Errorf("%s: %w", f.Name(), err)
	}
	detail := ""
	if rs.TrialsTotal > 0 {
		detail = fmt.Sprintf("%d of %d trials", rs.TrialsDone, rs.TrialsTotal)
	}
	switch rs.Status {
	case "complete":
		return Done, detail, nil
	case "interrupted", "running":
		return Resumable, detail, nil
	case "failed":
		if rs.Error != "" {
			detail = strings.TrimSpace(detail + ": " + firstLine(rs.Error))
		}
		return Failed, strings.TrimPrefix(detail, ": "), nil
	default:
		return "", "", fmt.Errorf("%s: unknown status %q (want complete, interrupted, failed or running)", f.Name(), rs.Status)
	}
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	return s
}

// PointStatus is one point and its state.
type PointStatus struct {
	Point
	State  State
	Detail string
}

// Status classifies every point of the sweep in dir: Running while a process
// holds the point's lock (RunPoint and RunLocal hold it for the whole run),
// otherwise what probe says.
func Status(dir string, m *Manifest, probe Probe) ([]PointStatus, error) {
	out := make([]PointStatus, len(m.Points))
	for i, p := range m.Points {
		st, detail, err := pointState(dir, m, p, probe)
		if err != nil {
			return nil, err
		}
		out[i] = PointStatus{Point: p, State: st, Detail: detail}
	}
	return out, nil
}

func pointState(dir string, m *Manifest, p Point, probe Probe) (State, string, error) {
	held, err := lockHeld(lockPath(dir, p))
	if err != nil {
		return "", "", err
	}
	if held {
		return Running, "", nil
	}
	st, detail, err := probe(m.RunDir(dir, p))
	if err != nil {
		return "", "", fmt.Errorf("point %d (%s): %w", p.Index, p.Dir, err)
	}
	switch st {
	case Pending, Done, Failed, Resumable:
	case Running: // no process holds it: it died
		st = Resumable
	default:
		return "", "", fmt.Errorf("point %d (%s): the probe said %q", p.Index, p.Dir, st)
	}
	return st, detail, nil
}

// Count returns how many points are in each state.
func Count(sts []PointStatus) map[State]int {
	c := map[State]int{}
	for _, s := range sts {
		c[s.State]++
	}
	return c
}

// Summary is one line such as "12 points: 7 done, 2 running, 1 failed, 2 pending".
func Summary(sts []PointStatus) string {
	c := Count(sts)
	var parts []string
	for _, s := range []State{Done, Running, Resumable, Failed, Pending} {
		if c[s] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", c[s], s))
		}
	}
	return fmt.Sprintf("%d points: %s", len(sts), strings.Join(parts, ", "))
}

// lockPath is the lock file of point p.
func lockPath(dir string, p Point) string {
	return filepath.Join(dir, LocksDir, fmt.Sprintf("%04d.lock", p.Index))
}

// ErrClaimed says that another process runs the point now.
var ErrClaimed = errors.New("another process runs this point now")

// claim takes the point's lock (fsutil.TryLock): ErrClaimed while another
// process runs the point.
func claim(path string) (*os.File, error) {
	f, err := fsutil.TryLock(path)
	if errors.Is(err, fsutil.ErrLocked) {
		return nil, ErrClaimed
	}
	return f, err
}

// lockHeld says whether some process holds the lock at path now; it creates
// nothing.
func lockHeld(path string) (bool, error) { return fsutil.Held(path) }
