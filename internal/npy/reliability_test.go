package npy

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// A header that truthfully declares more than the memory this process can
// allocate (a sparse 4 TB file) is refused before the allocation, naming the
// file and the sizes (issue 14 item 6: an 800 GB array was read into
// memory).
func TestReadRefusesArraysBeyondMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "huge.npy")
	head := rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (500000000000, 1), }", nil)
	if err := os.WriteFile(path, head, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(path, int64(len(head))+4e12); err != nil {
		t.Skipf("no sparse 4 TB file here: %v", err)
	}
	info, err := ReadInfo(path)
	if err != nil || info.Bytes() != 4e12 || info.Descr != "<f8" || !reflect.DeepEqual(info.Shape, []int{500000000000, 1}) {
		t.Fatalf("ReadInfo: %+v, %v", info, err)
	}
	for _, read := range []func(string) error{
		func(p string) error { _, _, err := Read(p); return err },
		func(p string) error { _, _, err := ReadFloat64(p); return err },
	} {
		err := read(path)
		if err == nil || !strings.Contains(err.Error(), "huge.npy") || !strings.Contains(err.Error(), "need 3.6 TiB") && !strings.Contains(err.Error(), "need 7.3 TiB") {
			t.Errorf("error %v", err)
		}
	}
}

// A long or binary header is not echoed whole.
func TestBadHeaderIsShortened(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.npy")
	junk := strings.Repeat("\x01\xffjunk", 5000)
	var b bytes.Buffer
	b.Write(magic)
	b.Write([]byte{2, 0})
	binary.Write(&b, binary.LittleEndian, uint32(len(junk)))
	b.WriteString(junk)
	os.WriteFile(path, b.Bytes(), 0o644)
	_, _, err := Read(path)
	if err == nil || len(err.Error()) > 400 || strings.ContainsRune(err.Error(), '\x01') {
		t.Fatalf("%d bytes: %q", len(err.Error()), err)
	}
	os.WriteFile(path, rawNpy("{'descr': '"+strings.Repeat("x", 10000)+"', 'fortran_order': False, 'shape': (1,), }", nil), 0o644)
	if _, _, err := Read(path); err == nil || len(err.Error()) > 400 {
		t.Fatalf("long descr: %v", err)
	}
}

// FuzzRead: any bytes as a .npy file: Read never panics or allocates more
// than the file holds; what it accepts has as many elements as its shape, and
// ReadInfo agrees with it. The seeds are valid files of every dtype and
// version and the malformed ones of the probe.
func FuzzRead(f *testing.F) {
	for _, d := range samples(6) {
		var b bytes.Buffer
		path := filepath.Join(f.TempDir(), "s.npy")
		if err := WriteFile(path, []int{2, 3}, d); err != nil {
			f.Fatal(err)
		}
		raw, _ := os.ReadFile(path)
		b.Write(raw)
		f.Add(b.Bytes())
	}
	f.Add(rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (100000000000, 1), }", nil))
	f.Add(rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", make([]byte, 20)))
	f.Add(rawNpy("{'descr': '<u2', 'fortran_order': False, 'shape': (0, 5), }", nil))
	f.Add(rawNpy("{'descr': '<u2', 'fortran_order': False, 'shape': (), }", []byte{1, 2}))
	f.Add(rawNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (3L,), }", make([]byte, 24)))
	f.Add(rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (9223372036854775807, 2), }", nil))
	f.Add(rawNpy("{'descr': '<f8', 'fortran_order': False, 'shape': (-1,), }", nil))
	f.Add(rawNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", make([]byte, 4)))
	f.Add([]byte("\x93NUMPY\x03\x00\xff\xff\xff\x00{"))
	f.Add([]byte("\x93NUMPY\x01\x00"))
	f.Fuzz(func(t *testing.T, file []byte) {
		path := filepath.Join(t.TempDir(), "f.npy")
		if err := os.WriteFile(path, file, 0o644); err != nil {
			t.Fatal(err)
		}
		shape, data, err := Read(path)
		info, ierr := ReadInfo(path)
		if err != nil {
			if len(err.Error()) > 1000 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if ierr != nil || !reflect.DeepEqual(info.Shape, shape) {
			t.Fatalf("Read accepts shape %v, ReadInfo says %+v, %v", shape, info, ierr)
		}
		n := reflect.ValueOf(data).Len()
		if n != prod(shape) || int64(n)*int64(info.Elem) > int64(len(file)) {
			t.Fatalf("%d elements for shape %v from a file of %d bytes", n, shape, len(file))
		}
		if _, f64, err := ReadFloat64(path); err != nil || len(f64) != n {
			t.Fatalf("ReadFloat64: %d values, %v", len(f64), err)
		}
	})
}
