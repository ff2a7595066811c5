package rundir

import (
	"io"

	"github.com/iplgpu/iplgpu/internal/fsutil"
)

// WriteFileAtomic writes path (mode 0644) through a temporary file in the same
// directory, synced and renamed into place: readers see the old file or the
// whole new one, never a part, and a full disk leaves the old file as it was.
func WriteFileAtomic(path string, write func(w io.Writer) error) error {
	return fsutil.WriteAtomic(path, 0o644, write)
}

// WriteBytesAtomic is WriteFileAtomic for a byte slice.
func WriteBytesAtomic(path string, b []byte) error {
	return WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(b)
		return err
	})
}
