package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"
)

// The values of Status.State.
const (
	StateRunning     = "running"
	StateComplete    = "complete"
	StateInterrupted = "interrupted"
	StateFailed      = "failed"
)

// Status is run.json: what the run was, how far it got, and what it cost.
type Status struct {
	Version      string    `json:"version"`
	Seed         uint64    `json:"seed"`
	Backend      string    `json:"backend"`
	State        string    `json:"status"` // running | complete | interrupted | failed
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

// WriteStatus writes dir/run.json atomically, so that a full disk or a crash
// leaves the previous run.json whole.
func WriteStatus(dir string, s *Status) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return WriteBytesAtomic(filepath.Join(dir, StatusFile), append(b, '\n'))
}

// ReadStatus reads dir/run.json; ok is false (with a nil error) when there is
// none.
func ReadStatus(dir string) (s Status, ok bool, err error) {
	path := filepath.Join(dir, StatusFile)
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, false, nil
	}
	if err != nil {
		return s, false, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxStatusBytes+1))
	if err != nil {
		return s, false, fmt.Errorf("%s: %w", path, err)
	}
	if len(b) > maxStatusBytes {
		return s, false, fmt.Errorf("%s: larger than %d bytes; not an iplgpu run.json", path, maxStatusBytes)
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return s, false, fmt.Errorf("%s: malformed JSON: %v", path, err)
	}
	return s, true, nil
}

// maxStatusBytes bounds what ReadStatus reads: a run.json is under 1 kB.
const maxStatusBytes = 1 << 20
