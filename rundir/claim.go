package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/iplgpu/iplgpu/internal/fsutil"
)

// claim takes the exclusive lock of dir: an flock(2) on dir/.iplgpu.lock,
// held by the open file until it is closed (fsutil.TryLock): two processes can
// never both hold it, and it dies with its process.
func claim(dir string) (*os.File, error) {
	f, err := fsutil.TryLock(filepath.Join(dir, LockFile))
	if errors.Is(err, fsutil.ErrLocked) {
		return nil, fmt.Errorf("run directory %s is being written by another iplgpu process; choose another -out", dir)
	}
	if err != nil {
		return nil, fmt.Errorf("run directory %s: %w", dir, err)
	}
	return f, nil
}

// entries lists dir's entries other than the lock file.
func entries(dir string) ([]fs.DirEntry, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := ents[:0]
	for _, e := range ents {
		if e.Name() != LockFile {
			out = append(out, e)
		}
	}
	return out, nil
}

// CheckNew refuses a run directory that already holds files, so that no
// earlier run is overwritten; it creates nothing. Create checks again under
// the lock: this is for refusing early, before any long work.
func CheckNew(dir string) error {
	if dir == "" {
		return errors.New("output directory: empty path")
	}
	st, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("output directory %s is a file, not a directory: choose another -out", dir)
	}
	ents, err := entries(dir)
	if err != nil {
		return fmt.Errorf("output directory %s: %w", dir, err)
	}
	if len(ents) > 0 {
		return fmt.Errorf("output directory %s already holds %d entries: choose another -out or remove it (runs are never overwritten)", dir, len(ents))
	}
	return nil
}
