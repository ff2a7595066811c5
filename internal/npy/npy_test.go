package npy

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// samples returns one typed slice of n elements per supported type, with values
// that exercise the type's range.
func samples(n int) []any {
	u8 := make([]uint8, n)
	u16 := make([]uint16, n)
	u32 := make([]uint32, n)
	i32 := make([]int32, n)
	i64 := make([]int64, n)
	u64 := make([]uint64, n)
	f32 := make([]float32, n)
	f64 := make([]float64, n)
	for i := range n {
		u8[i] = uint8(250 + i)
		u16[i] = uint16(65530 + i)
		u32[i] = uint32(4294967290 + i)
		i32[i] = int32(-2147483648 + i*1000003)
		i64[i] = int64(-1<<62) + int64(i)*1234567890123
		u64[i] = uint64(1<<64-10) + uint64(i)
		f32[i] = float32(i)*0.25 - 1e-7
		f64[i] = float64(i)*1e300 - 3.141592653589793
	}
	return []any{u8, u16, u32, i32, i64, u64, f32, f64}
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	shapes := [][]int{{6}, {2, 3}, {3, 1, 2}, {0, 4}, {}}
	for _, shape := range shapes {
		for _, data := range samples(prod(shape)) {
			name := fmt.Sprintf("%T_%v", data, shape)
			t.Run(name, func(t *testing.T) {
				path := filepath.Join(dir, strings.NewReplacer("[", "", "]", "", " ", "x").Replace(name)+".npy")
				if err := WriteFile(path, shape, data); err != nil {
					t.Fatal(err)
				}
				raw, err := os.ReadFile(path)
				if err != nil {
					t.Fatal(err)
				}
				hl := int(binary.LittleEndian.Uint16(raw[8:10]))
				if (10+hl)%64 != 0 || raw[10+hl-1] != '\n' {
					t.Errorf("header of %d bytes: want a multiple of 64 ending in newline", 10+hl)
				}
				gotShape, got, err := Read(path)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(gotShape, shape) && !(len(gotShape) == 0 && len(shape) == 0) {
					t.Errorf("shape %v, want %v", gotShape, shape)
				}
				if !reflect.DeepEqual(got, data) {
					t.Errorf("data %v, want %v", got, data)
				}
				_, f, err := ReadFloat64(path)
				if err != nil {
					t.Fatal(err)
				}
				v := reflect.ValueOf(data)
				for i := range f {
					var want float64
					switch x := v.Index(i); x.Kind() {
					case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
						want = float64(x.Uint())
					case reflect.Int32, reflect.Int64:
						want = float64(x.Int())
					default:
						want = x.Float()
					}
					if f[i] != want {
						t.Errorf("ReadFloat64[%d] = %v, want %v", i, f[i], want)
					}
				}
			})
		}
	}
}

// TestLargeChunks round-trips arrays larger than the 1 MiB read and write chunks,
// with lengths that are not a multiple of a chunk.
func TestLargeChunks(t *testing.T) {
	dir := t.TempDir()
	u := make([]uint16, 1_500_001)
	for i := range u {
		u[i] = uint16(i * 7)
	}
	f := make([]float64, 300_007)
	for i := range f {
		f[i] = float64(i) / 3
	}
	for _, data := range []any{u, f} {
		path := filepath.Join(dir, fmt.Sprintf("%T.npy", data)[2:])
		n := reflect.ValueOf(data).Len()
		if err := WriteFile(path, []int{n}, data); err != nil {
			t.Fatal(err)
		}
		_, got, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, data) {
			t.Errorf("%T of %d elements did not round-trip", data, n)
		}
	}
}

func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "bad.npy")
	cases := []struct {
		name  string
		shape []int
		data  any
		want  string
	}{
		{"length", []int{2, 3}, make([]float32, 5), "5 elements but shape [2 3] needs 6"},
		{"type", []int{2}, []int{1, 2}, "cannot write Go type []int"},
		{"negative", []int{-1}, []uint8{}, "negative size"},
	}
	for _, c := range cases {
		err := WriteFile(path, c.shape, c.data)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "bad.npy") {
			t.Errorf("%s: error %v, want one naming the file and containing %q", c.name, err, c.want)
		}
	}
}

// TestWriterStreams appends several batches and checks after every Append that the
// file on disk is a valid .npy holding exactly the rows so far, with the data never
// moved.
func TestWriterStreams(t *testing.T) {
	path := filepath.Join(t.TempDir(), "resp.npy")
	tail := []int{3, 2}
	w, err := Create(path, []uint16(nil), tail)
	if err != nil {
		t.Fatal(err)
	}
	check := func(rows int, want []uint16) {
		t.Helper()
		raw, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if hl := int(binary.LittleEndian.Uint16(raw[8:10])); 10+hl != 256 {
			t.Fatalf("header is %d bytes, want the reserved 256", 10+hl)
		}
		shape, data, err := Read(path)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(shape, []int{rows, 3, 2}) {
			t.Fatalf("shape %v after %d rows", shape, rows)
		}
		if !reflect.DeepEqual(data, want) {
			t.Fatalf("data %v, want %v", data, want)
		}
		if w.Rows() != rows {
			t.Fatalf("Rows() = %d, want %d", w.Rows(), rows)
		}
	}
	check(0, []uint16{})
	var all []uint16
	for i, rows := range []int{1, 3, 0, 2} {
		batch := make([]uint16, rows*6)
		for j := range batch {
			batch[j] = uint16(1000*i + j)
		}
		if err := w.Append(batch); err != nil {
			t.Fatal(err)
		}
		all = append(all, batch...)
		check(len(all)/6, all)
	}
	if err := w.Append(make([]uint16, 5)); err == nil || !strings.Contains(err.Error(), "not a whole number of rows") {
		t.Errorf("partial row: error %v", err)
	}
	if err := w.Append(make([]float32, 6)); err == nil || !strings.Contains(err.Error(), "[]float32") {
		t.Errorf("wrong type: error %v", err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if err := w.Append(make([]uint16, 6)); err == nil {
		t.Error("Append after Close: no error")
	}
	check(6, all)

	// A writer stopped after writing rows but before rewriting the header leaves
	// trailing bytes; the file still reads as the rows of the last header.
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 12))
	f.Close()
	check(6, all)
}

// OpenAppend cuts a streamed file to the rows asked for and appends after
// them: the result is byte for byte the file of a writer that wrote those rows
// and the new ones in one go, whatever the stopped writer left past them.
func TestOpenAppend(t *testing.T) {
	dir := t.TempDir()
	row := func(i int) []uint16 { return []uint16{uint16(10 * i), uint16(10*i + 1), uint16(10*i + 2)} }
	write := func(path string, rows []int) {
		t.Helper()
		w, err := Create(path, []uint16(nil), []int{3})
		if err != nil {
			t.Fatal(err)
		}
		for _, i := range rows {
			if err := w.Append(row(i)); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	want := filepath.Join(dir, "want.npy")
	write(want, []int{0, 1, 2, 7, 8})
	wantBytes, _ := os.ReadFile(want)
	for _, tc := range []struct {
		name  string
		junk  int // bytes past the last row, as a writer stopped before its header rewrite leaves
		rows  []int
		after int
	}{
		{"cut two rows", 0, []int{0, 1, 2, 3, 4}, 3},
		{"at the end", 0, []int{0, 1, 2}, 3},
		{"after junk", 5, []int{0, 1, 2}, 3},
		{"cut rows and junk", 4, []int{0, 1, 2, 5}, 3},
	} {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".npy")
		write(path, tc.rows)
		if tc.junk > 0 {
			f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
			f.Write(bytes.Repeat([]byte{0xAB}, tc.junk))
			f.Close()
		}
		w, err := OpenAppend(path, []uint16(nil), []int{3}, tc.after)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if w.Rows() != tc.after {
			t.Errorf("%s: Rows() = %d, want %d", tc.name, w.Rows(), tc.after)
		}
		shape, _, err := Read(path)
		if err != nil || !reflect.DeepEqual(shape, []int{tc.after, 3}) {
			t.Errorf("%s: reopened file reads as shape %v (%v), want %d rows", tc.name, shape, err, tc.after)
		}
		w.Append(row(7))
		w.Append(row(8))
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		got, _ := os.ReadFile(path)
		if !bytes.Equal(got, wantBytes) {
			t.Errorf("%s: %d bytes after reopening and appending; they differ from the %d of one writer's", tc.name, len(got), len(wantBytes))
		}
	}

	path := filepath.Join(dir, "four.npy")
	write(path, []int{0, 1, 2, 3})
	before, _ := os.ReadFile(path)
	// A valid .npy whose header is not padded: no room for a longer row count.
	plain := filepath.Join(dir, "plain.npy")
	dict := "{'descr': '<u2', 'fortran_order': False, 'shape': (4, 3), }"
	hdr := append([]byte("\x93NUMPY\x01\x00"), byte(len(dict)+1), 0)
	hdr = append(append(hdr, dict...), '\n')
	if err := os.WriteFile(plain, append(hdr, make([]byte, 24)...), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := Read(plain); err != nil {
		t.Fatalf("the unpadded file: %v", err)
	}
	for _, tc := range []struct {
		name  string
		path  string
		data0 any
		tail  []int
		rows  int
		err   string
	}{
		{"more rows than held", path, []uint16(nil), []int{3}, 5, "holds 4 rows; want at least 5"},
		{"other type", path, []float32(nil), []int{3}, 2, "holds <u2; want <f4"},
		{"other row shape", path, []uint16(nil), []int{4}, 2, "has shape [4 3]; want rows of shape [4]"},
		{"negative", path, []uint16(nil), []int{3}, -1, "after row -1"},
		{"not streamed", plain, []uint16(nil), []int{3}, 2, "not a streamed array"},
		{"missing", filepath.Join(dir, "none.npy"), []uint16(nil), []int{3}, 0, "no such file"},
	} {
		_, err := OpenAppend(tc.path, tc.data0, tc.tail, tc.rows)
		if err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.err)
		}
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Error("a refused OpenAppend changed the file")
	}
}

func TestCreateErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Create(filepath.Join(dir, "a.npy"), []string(nil), nil); err == nil || !strings.Contains(err.Error(), "[]string") {
		t.Errorf("bad type: %v", err)
	}
	if _, err := Create(filepath.Join(dir, "b.npy"), []float64(nil), []int{3, 0}); err == nil || !strings.Contains(err.Error(), "positive") {
		t.Errorf("zero tail: %v", err)
	}
	// 1-D streamed array.
	p := filepath.Join(dir, "c.npy")
	w, err := Create(p, []int64(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	w.Append([]int64{1, 2, 3})
	w.Close()
	shape, data, err := Read(p)
	if err != nil || !reflect.DeepEqual(shape, []int{3}) || !reflect.DeepEqual(data, []int64{1, 2, 3}) {
		t.Errorf("1-D stream: %v %v %v", shape, data, err)
	}
}

// rawNpy builds a version-1.0 file from a header dict and data bytes.
func rawNpy(dict string, data []byte) []byte {
	var b bytes.Buffer
	b.Write(encodeHeader(dict, headerSize(dict, 0)))
	b.Write(data)
	return b.Bytes()
}

func TestReadErrors(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name string
		file []byte
		want string
	}{
		{"complex", rawNpy("{'descr': '<c8', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), "dtype '<c8' not supported (want one of |u1, <u2"},
		{"bigendian", rawNpy("{'descr': '>f8', 'fortran_order': False, 'shape': (1,), }", make([]byte, 8)), "big-endian"},
		{"fortran", rawNpy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }", make([]byte, 32)), "fortran_order True not supported"},
		{"truncated", rawNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", make([]byte, 20)), "truncated"},
		{"magic", []byte("PK\x03\x04 this is a zip"), "not a .npy file"},
		{"short", []byte("\x93NUM"), "too short"},
		{"version", append([]byte("\x93NUMPY\x07\x00"), make([]byte, 64)...), "version 7.0 not supported"},
		{"noshape", rawNpy("{'descr': '<f4', 'fortran_order': False, }", nil), "no 'shape'"},
		{"structured", rawNpy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }", make([]byte, 4)), "structured"},
		{"garbage", rawNpy("{'descr' '<f4'}", nil), "bad header"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name+".npy")
		if err := os.WriteFile(path, c.file, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _, err := Read(path)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), c.name+".npy") {
			t.Errorf("%s: error %v, want one naming the file and containing %q", c.name, err, c.want)
		}
	}
	if _, _, err := ReadFloat64(filepath.Join(dir, "missing.npy")); err == nil || !strings.Contains(err.Error(), "missing.npy") {
		t.Errorf("missing file: %v", err)
	}
}

// TestVersion2Header reads a format 2.0 file (4-byte header length).
func TestVersion2Header(t *testing.T) {
	dict := "{'descr': '<i4', 'fortran_order': False, 'shape': (2,), }"
	var b bytes.Buffer
	b.Write(magic)
	b.Write([]byte{2, 0})
	total := (12 + len(dict) + 1 + 63) / 64 * 64
	binary.Write(&b, binary.LittleEndian, uint32(total-12))
	b.WriteString(dict)
	b.WriteString(strings.Repeat(" ", total-12-len(dict)-1) + "\n")
	binary.Write(&b, binary.LittleEndian, []int32{-5, 7})
	path := filepath.Join(t.TempDir(), "v2.npy")
	os.WriteFile(path, b.Bytes(), 0o644)
	shape, data, err := Read(path)
	if err != nil || !reflect.DeepEqual(shape, []int{2}) || !reflect.DeepEqual(data, []int32{-5, 7}) {
		t.Errorf("v2: %v %v %v", shape, data, err)
	}
}

// numpyPython returns a Python interpreter that imports numpy, or "" with the reason.
func numpyPython() (string, string) {
	var tried []string
	for _, py := range []string{"python3", "/usr/bin/python3", "python"} {
		if _, err := exec.LookPath(py); err != nil {
			continue
		}
		if err := exec.Command(py, "-c", "import numpy").Run(); err == nil {
			return py, ""
		}
		tried = append(tried, py)
	}
	return "", fmt.Sprintf("no Python with numpy (tried %v; apt-get install python3-numpy to run this test)", tried)
}

// TestNumpyInterop checks both directions against NumPy itself: numpy loads what
// we write (WriteFile and a streamed Writer) with the right shape, dtype and
// values, and we read what numpy saves.
func TestNumpyInterop(t *testing.T) {
	py, why := numpyPython()
	if py == "" {
		t.Skip(why)
	}
	dir := t.TempDir()
	names := []string{"u1", "u2", "u4", "i4", "i8", "u8", "f4", "f8"}
	shape := []int{2, 3}
	for i, data := range samples(6) {
		if err := WriteFile(filepath.Join(dir, names[i]+".npy"), shape, data); err != nil {
			t.Fatal(err)
		}
	}
	w, err := Create(filepath.Join(dir, "stream.npy"), []float32(nil), []int{4})
	if err != nil {
		t.Fatal(err)
	}
	w.Append([]float32{0, 1, 2, 3})
	w.Append([]float32{4, 5, 6, 7, 8, 9, 10, 11})
	// Not closed: the file must already be valid.
	defer w.Close()

	script := `
import sys, numpy as np
d = sys.argv[1]
for n in ["u1", "u2", "u4", "i4", "i8", "u8", "f4", "f8"]:
    a = np.load(d + "/" + n + ".npy")
    print(n, a.dtype.str, a.shape, " ".join(repr(x) for x in a.ravel().tolist()))
s = np.load(d + "/stream.npy")
print("stream", s.dtype.str, s.shape, float(s.sum()), s[2, 3])
np.save(d + "/fromnp.npy", np.arange(12, dtype="<u2").reshape(3, 4) * 1000)
np.save(d + "/fromnp1.npy", np.array([1.5, -2.25], dtype="<f8"))
`
	out, err := exec.Command(py, "-c", script, dir).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	wantDescr := []string{"|u1", "<u2", "<u4", "<i4", "<i8", "<u8", "<f4", "<f8"}
	for i, data := range samples(6) {
		v := reflect.ValueOf(data)
		var vals []string
		for j := range v.Len() {
			x := v.Index(j)
			switch x.Kind() {
			case reflect.Float32:
				// numpy's tolist converts float32 to Python float (float64).
				vals = append(vals, pyRepr(float64(x.Float())))
			case reflect.Float64:
				vals = append(vals, pyRepr(x.Float()))
			default:
				vals = append(vals, fmt.Sprint(x.Interface()))
			}
		}
		want := fmt.Sprintf("%s %s (2, 3) %s", names[i], wantDescr[i], strings.Join(vals, " "))
		if lines[i] != want {
			t.Errorf("numpy saw\n  %s\nwant\n  %s", lines[i], want)
		}
	}
	if want := "stream <f4 (3, 4) 66.0 11.0"; lines[8] != want {
		t.Errorf("numpy saw %q, want %q", lines[8], want)
	}
	shape2, data2, err := Read(filepath.Join(dir, "fromnp.npy"))
	if err != nil {
		t.Fatal(err)
	}
	want2 := make([]uint16, 12)
	for i := range want2 {
		want2[i] = uint16(i * 1000)
	}
	if !reflect.DeepEqual(shape2, []int{3, 4}) || !reflect.DeepEqual(data2, want2) {
		t.Errorf("numpy's file read as %v %v", shape2, data2)
	}
	shape3, data3, err := ReadFloat64(filepath.Join(dir, "fromnp1.npy"))
	if err != nil || !reflect.DeepEqual(shape3, []int{2}) || !reflect.DeepEqual(data3, []float64{1.5, -2.25}) {
		t.Errorf("numpy's 1-D file read as %v %v %v", shape3, data3, err)
	}
}

// pyRepr formats a float64 as Python's repr does for the values used here.
func pyRepr(x float64) string {
	s := fmt.Sprintf("%v", x)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
