// Package fsutil holds the two file-system primitives that the run directory
// (rundir) and the sweep directory (sweep) both rely on: the atomic write and
// the exclusive lock. One implementation each, so both directories keep the
// same promises.
package fsutil

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// WriteAtomic writes path with the given mode through a temporary file in the
// same directory, synced and renamed into place: readers see the old file or
// the whole new one, never a part, and a failed write (a full disk) leaves the
// old file as it was and no temporary file.
func WriteAtomic(path string, mode os.FileMode, write func(w io.Writer) error) error {
	dir, name := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+name+"-*")
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	bw := bufio.NewWriter(tmp)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp.Name(), mode)
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// ErrLocked says that another open file description holds the lock.
var ErrLocked = errors.New("locked by another process")

// TryLock takes an exclusive flock(2) on path (created if missing, with its
// directory), without waiting: ErrLocked when another holds it. The lock lives
// as long as the returned file is open; the kernel drops it when the process
// ends, however it ends (kill -9 included). On NFS, Linux maps flock to POSIX
// locks, which NFS carries between nodes.
func TryLock(path string) (*os.File, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrLocked
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// Held says whether some process holds the lock at path now. It creates
// nothing: a lock file that is not there is not held.
func Held(path string) (bool, error) {
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	defer f.Close() // drops the lock if this call took it
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return true, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	return false, nil
}

// RemoveTemps removes the temporary files that WriteAtomic leaves in dir
// when its process is killed between creating one and renaming it (kill -9,
// a node lost): dir/.NAME-DIGITS for each of names. Call it only while
// holding the directory's lock, so that no live writer's file is taken. It
// returns the paths removed.
func RemoveTemps(dir string, names ...string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	for _, e := range ents {
		for _, name := range names {
			digits, ok := strings.CutPrefix(e.Name(), "."+name+"-")
			if !ok || digits == "" || strings.Trim(digits, "0123456789") != "" {
				continue
			}
			p := filepath.Join(dir, e.Name())
			if err := os.Remove(p); err != nil {
				return removed, err
			}
			removed = append(removed, p)
		}
	}
	return removed, nil
}
