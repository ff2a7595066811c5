package rundir

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// Two writers racing for one new directory: exactly one gets it, the other is
// told another process writes there; once it is closed the directory holds
// files and is refused for good.
func TestCreateIsExclusive(t *testing.T) {
	for range 20 {
		dir := filepath.Join(t.TempDir(), "run")
		var wg sync.WaitGroup
		ws := make([]*Writer, 2)
		errs := make([]error, 2)
		for k := range 2 {
			wg.Go(func() { ws[k], errs[k] = Create(dir) })
		}
		wg.Wait()
		won := 0
		for k := range 2 {
			if errs[k] == nil {
				won++
				continue
			}
			if !strings.Contains(errs[k].Error(), "another iplgpu process") && !strings.Contains(errs[k].Error(), "already holds") {
				t.Errorf("loser's error %q names neither the lock nor the files", errs[k])
			}
		}
		if won != 1 {
			t.Fatalf("%d writers got %s, want exactly 1 (errors %v)", won, dir, errs)
		}
		for _, w := range ws {
			if w != nil {
				if err := w.WriteStatus(&Status{State: StateRunning}); err != nil {
					t.Fatal(err)
				}
				if err := w.Close(); err != nil {
					t.Fatal(err)
				}
			}
		}
		if _, err := Create(dir); err == nil || !strings.Contains(err.Error(), "already holds 1 entries") {
			t.Fatalf("Create on a finished run: %v", err)
		}
	}
}

// An empty directory is taken; a file where the directory should be is
// refused with its name.
func TestCreateEmptyAndFile(t *testing.T) {
	dir := t.TempDir()
	w, err := Create(dir)
	if err != nil {
		t.Fatalf("empty directory: %v", err)
	}
	w.Close()
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, []byte("x"), 0o644)
	if _, err := Create(file); err == nil || !strings.Contains(err.Error(), file) {
		t.Errorf("a file as the run directory: %v", err)
	}
}

// WriteFileAtomic leaves the old file whole when the writer fails, and no
// temporary file either way.
func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a.csv")
	if err := WriteBytesAtomic(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	err := WriteFileAtomic(path, func(w io.Writer) error {
		w.Write([]byte("half"))
		return errors.New("disk full")
	})
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("error %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("file after a failed write: %q, want the old content", b)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("%d entries, want the file alone", len(ents))
	}
}
