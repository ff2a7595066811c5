package rundir

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/iplgpu/iplgpu/engine/model"
)

// The values of Status.State.
const (
	StateRunning     = model.StateRunning
	StateComplete    = model.StateComplete
	StateInterrupted = model.StateInterrupted
	StateFailed      = model.StateFailed
)

// Status is run.json: what the run was, how far it got, and what it cost.
type Status = model.RunStatus

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
