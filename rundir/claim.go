package rundir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// claim takes the exclusive lock of dir: an flock(2) on dir/.iplgpu.lock, held
// by the open file until release. The kernel drops it when the process ends,
// however it ends (kill -9 included), so a stale lock cannot block a later
// run, and two processes can never both hold it.
func claim(dir string) (*os.File, error) {
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("run directory %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("run directory %s is being written by another iplgpu process; choose another -out", dir)
		}
		return nil, fmt.Errorf("run directory %s: lock: %w", dir, err)
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
