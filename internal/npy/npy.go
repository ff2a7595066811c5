// Package npy reads and writes NumPy .npy files (format version 1.0 written;
// 1.0, 2.0 and 3.0 read), little-endian, C order.
//
// Supported element types, as Go slices and NumPy descriptors:
//
//	[]uint8 "|u1", []uint16 "<u2", []uint32 "<u4", []int32 "<i4",
//	[]int64 "<i8", []uint64 "<u8", []float32 "<f4", []float64 "<f8".
//
// WriteFile writes a whole array; StreamWriter streams an array whose first axis grows
// and keeps the file a valid .npy after every Append, so a run stopped by a crash
// or Ctrl-C leaves every row appended so far readable; OpenAppend reopens such a
// file to append after a given row (a run resumed from a checkpoint). Read returns the typed
// slice; ReadFloat64 converts any supported type to float64.
//
// Errors name the file and say what was wrong. Passing a data value that is not
// one of the supported slice types is a programming error and returns an error
// naming the Go type.
package npy

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"github.com/iplgpu/iplgpu/internal/sysmem"
)

var magic = []byte("\x93NUMPY")

// maxElems bounds the element count of a shape so that sizes never overflow.
const maxElems = 1 << 48

// dtype describes one supported element type.
type dtype struct {
	descr string       // NumPy descriptor as written
	size  int          // bytes per element
	typ   reflect.Type // Go slice type
}

var dtypes = []dtype{
	{"|u1", 1, reflect.TypeFor[[]uint8]()},
	{"<u2", 2, reflect.TypeFor[[]uint16]()},
	{"<u4", 4, reflect.TypeFor[[]uint32]()},
	{"<i4", 4, reflect.TypeFor[[]int32]()},
	{"<i8", 8, reflect.TypeFor[[]int64]()},
	{"<u8", 8, reflect.TypeFor[[]uint64]()},
	{"<f4", 4, reflect.TypeFor[[]float32]()},
	{"<f8", 8, reflect.TypeFor[[]float64]()},
}

// supportedList is the list used in error messages.
func supportedList() string {
	s := make([]string, len(dtypes))
	for i, d := range dtypes {
		s[i] = d.descr
	}
	return strings.Join(s, ", ")
}

// dtypeOf returns the dtype of a supported typed slice.
func dtypeOf(data any) (dtype, bool) {
	t := reflect.TypeOf(data)
	for _, d := range dtypes {
		if d.typ == t {
			return d, true
		}
	}
	return dtype{}, false
}

// dtypeByDescr looks up a descriptor; one-byte types are accepted with any byte
// order mark because NumPy writes them as '|'.
func dtypeByDescr(descr string) (dtype, bool) {
	if len(descr) == 3 && descr[2] == '1' && (descr[0] == '<' || descr[0] == '>' || descr[0] == '=') {
		descr = "|" + descr[1:]
	}
	for _, d := range dtypes {
		if d.descr == descr {
			return d, true
		}
	}
	return dtype{}, false
}

// sliceLen returns the length of a supported typed slice.
func sliceLen(data any) int { return reflect.ValueOf(data).Len() }

func prod(shape []int) int {
	n := 1
	for _, s := range shape {
		n *= s
	}
	return n
}

// headerDict formats the header dictionary (without padding).
func headerDict(descr string, shape []int) string {
	var b strings.Builder
	b.WriteString("{'descr': '")
	b.WriteString(descr)
	b.WriteString("', 'fortran_order': False, 'shape': (")
	for i, s := range shape {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(s))
	}
	if len(shape) == 1 {
		b.WriteString(",")
	}
	b.WriteString("), }")
	return b.String()
}

// encodeHeader returns the full version-1.0 header padded with spaces and a final
// '\n' to total bytes; total must be a multiple of 64 large enough for the dict.
func encodeHeader(dict string, total int) []byte {
	hl := total - len(magic) - 4
	h := make([]byte, 0, total)
	h = append(h, magic...)
	h = append(h, 1, 0)
	h = binary.LittleEndian.AppendUint16(h, uint16(hl))
	h = append(h, dict...)
	for len(h) < total-1 {
		h = append(h, ' ')
	}
	return append(h, '\n')
}

// headerSize is the smallest multiple of 64 that holds dict, at least min bytes.
func headerSize(dict string, min int) int {
	need := len(magic) + 4 + len(dict) + 1
	total := (need + 63) / 64 * 64
	if total < min {
		total = min
	}
	return total
}

func checkShape(path string, shape []int) error {
	for i, s := range shape {
		if s < 0 {
			return fmt.Errorf("%s: shape %v has a negative size on axis %d", path, shape, i)
		}
	}
	n := 1
	for _, s := range shape {
		if s != 0 && n > maxElems/s {
			return fmt.Errorf("%s: shape %v has more than %d elements", path, shape, maxElems)
		}
		n *= s
	}
	return nil
}

// WriteFile writes data, a supported typed slice of length prod(shape), to path as
// a C-order .npy array of the given shape.
func WriteFile(path string, shape []int, data any) error {
	if err := checkWrite(path, shape, data); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := Encode(f, path, shape, data); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// checkWrite refuses what Encode cannot write, before anything is written.
func checkWrite(name string, shape []int, data any) error {
	dt, ok := dtypeOf(data)
	if !ok {
		return fmt.Errorf("%s: cannot write Go type %T (want a slice of one of the types for %s)", name, data, supportedList())
	}
	if err := checkShape(name, shape); err != nil {
		return err
	}
	if n := sliceLen(data); n != prod(shape) {
		return fmt.Errorf("%s: data has %d elements but shape %v needs %d", name, n, shape, prod(shape))
	}
	if dict := headerDict(dt.descr, shape); len(dict) > math.MaxUint16-64 {
		return fmt.Errorf("%s: shape %v too long for a version 1.0 header", name, shape)
	}
	return nil
}

// Encode writes data, a supported typed slice of length prod(shape), to w as
// a whole .npy file (a C-order array of the given shape); name names it in
// errors. WriteFile is Encode into a file; a member of an .npz archive is
// written this way.
func Encode(w io.Writer, name string, shape []int, data any) error {
	if err := checkWrite(name, shape, data); err != nil {
		return err
	}
	dt, _ := dtypeOf(data)
	dict := headerDict(dt.descr, shape)
	bw := bufio.NewWriterSize(w, 1<<20)
	if _, err := bw.Write(encodeHeader(dict, headerSize(dict, 0))); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	// Write in chunks, as Read reads, to keep binary.Write's staging buffer small.
	v := reflect.ValueOf(data)
	n := v.Len()
	chunk := max(1, (1<<20)/dt.size)
	for i := 0; i < n; i += chunk {
		if err := binary.Write(bw, binary.LittleEndian, v.Slice(i, min(i+chunk, n)).Interface()); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	return nil
}

// StreamWriter streams an array whose first axis grows: each Append adds rows of shape
// tail. The header has a fixed reserved size and is rewritten after each Append,
// after the rows themselves, so the file on disk is always a valid .npy holding
// every row appended so far.
type StreamWriter struct {
	path     string
	f        *os.File
	dt       dtype
	tail     []int
	rowElems int
	rows     int
	hdrSize  int
	closed   bool
}

// writerHeaderMin is the reserved header size of a streamed file.
const writerHeaderMin = 256

// Create starts a streamed array at path. data0 is a zero-length typed slice
// giving the element type (e.g. []uint16(nil)); tail is the shape of one row
// (empty for a 1-D array), each size positive.
func Create(path string, data0 any, tail []int) (*StreamWriter, error) {
	dt, ok := dtypeOf(data0)
	if !ok {
		return nil, fmt.Errorf("%s: cannot write Go type %T (want a slice of one of the types for %s)", path, data0, supportedList())
	}
	for i, s := range tail {
		if s <= 0 {
			return nil, fmt.Errorf("%s: row shape %v has size %d on axis %d; a streamed row needs every size positive", path, tail, s, i)
		}
	}
	// Reserve room for the largest first-axis size so rewriting never moves data.
	widest := headerDict(dt.descr, append([]int{math.MaxInt64}, tail...))
	if len(widest) > math.MaxUint16-64 {
		return nil, fmt.Errorf("%s: row shape %v too long for a version 1.0 header", path, tail)
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	w := &StreamWriter{
		path:     path,
		f:        f,
		dt:       dt,
		tail:     append([]int(nil), tail...),
		rowElems: prod(tail),
		hdrSize:  headerSize(widest, writerHeaderMin),
	}
	if err := w.writeHeader(); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

// OpenAppend reopens the streamed array at path (written by Create with the
// element type of data0 and rows of shape tail) to append after its first rows
// rows: the file is cut to those rows, which drops any later rows and any bytes
// a writer stopped between its rows and its header left behind, and its header
// says rows. The header must declare at least rows rows, the data must be
// there, and the header must be a streamed file's (room for any row count);
// otherwise nothing is changed and the error says what differs.
func OpenAppend(path string, data0 any, tail []int, rows int) (*StreamWriter, error) {
	dt, ok := dtypeOf(data0)
	if !ok {
		return nil, fmt.Errorf("%s: cannot write Go type %T (want a slice of one of the types for %s)", path, data0, supportedList())
	}
	if rows < 0 {
		return nil, fmt.Errorf("%s: cannot append after row %d", path, rows)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, err
	}
	h, err := openHeader(path, f, bufio.NewReader(f))
	if err != nil {
		f.Close()
		return nil, err
	}
	fail := func(format string, a ...any) (*StreamWriter, error) {
		f.Close()
		return nil, fmt.Errorf("%s: "+format, append([]any{path}, a...)...)
	}
	if h.dt != dt {
		return fail("holds %s; want %s to append to", h.dt.descr, dt.descr)
	}
	if len(h.shape) != len(tail)+1 || !slices.Equal(h.shape[1:], tail) {
		return fail("has shape %v; want rows of shape %v", h.shape, tail)
	}
	if h.shape[0] < rows {
		return fail("holds %d rows; want at least %d", h.shape[0], rows)
	}
	widest := headerDict(dt.descr, append([]int{math.MaxInt64}, tail...))
	if need := int64(headerSize(widest, 0)); h.dataOff < need {
		return fail("its header (%d bytes) has no room for a growing row count (%d bytes): not a streamed array", h.dataOff, need)
	}
	w := &StreamWriter{
		path: path, f: f, dt: dt, tail: append([]int(nil), tail...),
		rowElems: prod(tail), rows: rows, hdrSize: int(h.dataOff),
	}
	if err := f.Truncate(h.dataOff + int64(rows)*int64(w.rowElems*dt.size)); err != nil {
		return fail("%v", err)
	}
	if err := w.writeHeader(); err != nil {
		f.Close()
		return nil, err
	}
	return w, nil
}

func (w *StreamWriter) writeHeader() error {
	dict := headerDict(w.dt.descr, append([]int{w.rows}, w.tail...))
	if _, err := w.f.WriteAt(encodeHeader(dict, w.hdrSize), 0); err != nil {
		return fmt.Errorf("%s: writing header: %w", w.path, err)
	}
	return nil
}

// Append adds rows; data has the Writer's element type and a length that is a
// multiple of the row size prod(tail).
func (w *StreamWriter) Append(data any) error {
	if w.closed {
		return fmt.Errorf("%s: Append after Close", w.path)
	}
	if reflect.TypeOf(data) != w.dt.typ {
		return fmt.Errorf("%s: Append of %T to an array of %s (want %v)", w.path, data, w.dt.descr, w.dt.typ)
	}
	n := sliceLen(data)
	if n%w.rowElems != 0 {
		return fmt.Errorf("%s: Append of %d elements is not a whole number of rows of shape %v (%d elements each)", w.path, n, w.tail, w.rowElems)
	}
	if n == 0 {
		return nil
	}
	var buf bytes.Buffer
	buf.Grow(n * w.dt.size)
	if err := binary.Write(&buf, binary.LittleEndian, data); err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	off := int64(w.hdrSize) + int64(w.rows)*int64(w.rowElems*w.dt.size)
	if _, err := w.f.WriteAt(buf.Bytes(), off); err != nil {
		return fmt.Errorf("%s: writing rows: %w", w.path, err)
	}
	w.rows += n / w.rowElems
	return w.writeHeader()
}

// Rows returns the number of rows appended so far.
func (w *StreamWriter) Rows() int { return w.rows }

// DataOffset is where the rows start in the file (the header's size): the
// bytes before it are rewritten as rows are added, those after it never.
func (w *StreamWriter) DataOffset() int64 { return int64(w.hdrSize) }

// Size is the file's size with the rows appended so far.
func (w *StreamWriter) Size() int64 {
	return int64(w.hdrSize) + int64(w.rows)*int64(w.rowElems*w.dt.size)
}

// Sync flushes the rows written so far to stable storage.
func (w *StreamWriter) Sync() error {
	if w.closed {
		return nil
	}
	if err := w.f.Sync(); err != nil {
		return fmt.Errorf("%s: %w", w.path, err)
	}
	return nil
}

// Close flushes the file to stable storage and closes it. Closing twice is a no-op.
func (w *StreamWriter) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	if err := w.f.Sync(); err != nil {
		w.f.Close()
		return fmt.Errorf("%s: %w", w.path, err)
	}
	return w.f.Close()
}

// header is a parsed .npy header.
type header struct {
	dt      dtype
	shape   []int
	dataOff int64
}

// readHeader parses the header of an open file.
func readHeader(path string, r io.Reader) (header, error) {
	var h header
	pre := make([]byte, 8)
	if _, err := io.ReadFull(r, pre); err != nil {
		return h, fmt.Errorf("%s: too short for a .npy file (%v)", path, err)
	}
	if !bytes.Equal(pre[:6], magic) {
		return h, fmt.Errorf("%s: not a .npy file (no \\x93NUMPY magic)", path)
	}
	major := pre[6]
	var hl int
	switch major {
	case 1:
		b := make([]byte, 2)
		if _, err := io.ReadFull(r, b); err != nil {
			return h, fmt.Errorf("%s: truncated header (%v)", path, err)
		}
		hl = int(binary.LittleEndian.Uint16(b))
		h.dataOff = 10 + int64(hl)
	case 2, 3:
		b := make([]byte, 4)
		if _, err := io.ReadFull(r, b); err != nil {
			return h, fmt.Errorf("%s: truncated header (%v)", path, err)
		}
		hl = int(binary.LittleEndian.Uint32(b))
		h.dataOff = 12 + int64(hl)
	default:
		return h, fmt.Errorf("%s: .npy format version %d.%d not supported (want 1.0, 2.0 or 3.0)", path, pre[6], pre[7])
	}
	if hl > 1<<24 {
		return h, fmt.Errorf("%s: header length %d is implausible", path, hl)
	}
	text := make([]byte, hl)
	if _, err := io.ReadFull(r, text); err != nil {
		return h, fmt.Errorf("%s: truncated header (%v)", path, err)
	}
	dict, err := parseDict(string(text))
	if err != nil {
		return h, fmt.Errorf("%s: bad header %s: %v", path, shorten(strings.TrimSpace(string(text))), err)
	}
	descr, ok := dict["descr"].(string)
	if !ok {
		return h, fmt.Errorf("%s: header has no 'descr' string (structured dtypes are not supported)", path)
	}
	h.dt, ok = dtypeByDescr(descr)
	if !ok {
		if len(descr) > 0 && descr[0] == '>' {
			return h, fmt.Errorf("%s: dtype '%s' is big-endian, not supported (want one of %s; convert with arr.astype(arr.dtype.newbyteorder('<')))", path, cut(descr), supportedList())
		}
		return h, fmt.Errorf("%s: dtype '%s' not supported (want one of %s)", path, cut(descr), supportedList())
	}
	fo, ok := dict["fortran_order"].(bool)
	if !ok {
		return h, fmt.Errorf("%s: header has no 'fortran_order' True/False", path)
	}
	if fo {
		return h, fmt.Errorf("%s: fortran_order True not supported (save a C-order array: np.save(path, np.ascontiguousarray(a)))", path)
	}
	shape, ok := dict["shape"].([]int)
	if !ok {
		return h, fmt.Errorf("%s: header has no 'shape' tuple of integers", path)
	}
	if err := checkShape(path, shape); err != nil {
		return h, err
	}
	h.shape = shape
	return h, nil
}

// Info is what a .npy header declares.
type Info struct {
	Shape []int
	Descr string // NumPy descriptor, e.g. "<u2"
	Elem  int    // bytes per element
	// DataOff is where the data starts (the header's size in bytes).
	DataOff int64
}

// Bytes is the size of the declared array (saturating at math.MaxInt64).
func (i Info) Bytes() int64 {
	return sysmem.Mul(float64(prod(i.Shape)), float64(i.Elem))
}

// ReadInfo reads and checks the header of a .npy file without reading its
// data: the shape, the dtype, and that the file holds as many bytes as the
// header declares.
func ReadInfo(path string) (Info, error) {
	f, err := os.Open(path)
	if err != nil {
		return Info{}, err
	}
	defer f.Close()
	h, err := openHeader(path, f, bufio.NewReader(f))
	if err != nil {
		return Info{}, err
	}
	return Info{Shape: h.shape, Descr: h.dt.descr, Elem: h.dt.size, DataOff: h.dataOff}, nil
}

// openHeader reads the header of f through r and checks the file's size
// against it.
func openHeader(path string, f *os.File, r io.Reader) (header, error) {
	h, err := readHeader(path, r)
	if err != nil {
		return h, err
	}
	if st, err := f.Stat(); err == nil {
		have := st.Size() - h.dataOff
		if want := int64(prod(h.shape)) * int64(h.dt.size); have < want {
			return h, fmt.Errorf("%s: header says shape %v of %s (%d bytes of data) but the file holds %d; the file is truncated", path, h.shape, h.dt.descr, want, have)
		}
	}
	return h, nil
}

// Read reads a .npy file and returns its shape and data as the typed slice of its
// element type (e.g. []uint16 for '<u2'). Bytes past the end of the array are
// ignored, as NumPy ignores them, so a file whose Writer was stopped between
// writing rows and rewriting the header still reads. A file shorter than its
// header declares, or an array larger than the memory this process can
// allocate (package sysmem), is refused before anything is allocated.
func Read(path string) (shape []int, data any, err error) {
	return read(path, 0)
}

// read is Read; extra bytes per element are what the caller allocates next
// (ReadFloat64's conversion), counted in the memory check.
func read(path string, extra int) (shape []int, data any, err error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	h, err := openHeader(path, f, br)
	if err != nil {
		return nil, nil, err
	}
	return readData(path, br, h, extra)
}

// Decode reads a whole .npy file from r, which holds size bytes (the size of
// an .npz member; -1 when unknown, then a short file is found when its data
// runs out); name names it in errors. Like Read it refuses, before allocating,
// an array larger than the memory this process can allocate or than size.
func Decode(name string, r io.Reader, size int64) (shape []int, data any, err error) {
	br := bufio.NewReaderSize(r, 1<<20)
	h, err := readHeader(name, br)
	if err != nil {
		return nil, nil, err
	}
	if want := int64(prod(h.shape)) * int64(h.dt.size); size >= 0 && size-h.dataOff < want {
		return nil, nil, fmt.Errorf("%s: header says shape %v of %s (%d bytes of data) but the file holds %d; the file is truncated", name, h.shape, h.dt.descr, want, size-h.dataOff)
	}
	return readData(name, br, h, 0)
}

// readData reads the data that h declares from br, positioned after the
// header.
func readData(path string, br io.Reader, h header, extra int) (shape []int, data any, err error) {
	n := prod(h.shape)
	if err := sysmem.Check(sysmem.Mul(float64(n), float64(h.dt.size+extra)), fmt.Sprintf("%s: its array of shape %v (%s)", path, h.shape, h.dt.descr)); err != nil {
		return nil, nil, err
	}
	v := reflect.MakeSlice(h.dt.typ, n, n)
	// Read in chunks: binary.Read stages its input in a byte slice as large as
	// the data, which would double the peak memory of a large array.
	chunk := max(1, (1<<20)/h.dt.size)
	for i := 0; i < n; i += chunk {
		if err := binary.Read(br, binary.LittleEndian, v.Slice(i, min(i+chunk, n)).Interface()); err != nil {
			return nil, nil, fmt.Errorf("%s: reading data: %w", path, err)
		}
	}
	return h.shape, v.Interface(), nil
}

// ReadFloat64 reads a .npy file of any supported element type and converts the
// data to float64.
func ReadFloat64(path string) (shape []int, data []float64, err error) {
	shape, raw, err := read(path, 8)
	if err != nil {
		return nil, nil, err
	}
	switch s := raw.(type) {
	case []float64:
		return shape, s, nil
	case []float32:
		return shape, convert(s), nil
	case []uint8:
		return shape, convert(s), nil
	case []uint16:
		return shape, convert(s), nil
	case []uint32:
		return shape, convert(s), nil
	case []int32:
		return shape, convert(s), nil
	case []int64:
		return shape, convert(s), nil
	case []uint64:
		return shape, convert(s), nil
	}
	panic(fmt.Sprintf("npy: unhandled type %T", raw))
}

func convert[T uint8 | uint16 | uint32 | int32 | int64 | uint64 | float32](s []T) []float64 {
	out := make([]float64, len(s))
	for i, v := range s {
		out[i] = float64(v)
	}
	return out
}

// parseDict parses the Python literal of a .npy header: a dict with string keys
// whose values are strings, True/False, or tuples of integers. Other values are
// returned as nil.
func parseDict(s string) (map[string]any, error) {
	p := &parser{s: s}
	p.space()
	if !p.eat('{') {
		return nil, fmt.Errorf("want '{' at offset %d", p.i)
	}
	out := map[string]any{}
	for {
		p.space()
		if p.eat('}') {
			return out, nil
		}
		key, err := p.str()
		if err != nil {
			return nil, err
		}
		p.space()
		if !p.eat(':') {
			return nil, fmt.Errorf("want ':' after key %q", key)
		}
		p.space()
		val, err := p.value()
		if err != nil {
			return nil, fmt.Errorf("value of %q: %v", key, err)
		}
		out[key] = val
		p.space()
		if p.eat(',') {
			continue
		}
		p.space()
		if p.eat('}') {
			return out, nil
		}
		return nil, fmt.Errorf("want ',' or '}' at offset %d", p.i)
	}
}

// shorten keeps a header's text readable in a message.
func shorten(s string) string {
	const max = 120
	q := strconv.Quote(s)
	if len(q) <= max {
		return q
	}
	return q[:max] + fmt.Sprintf("... (%d bytes)", len(s))
}

// cut shortens a header value for a message without quoting it.
func cut(s string) string {
	if len(s) <= 40 {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:40], "?") + fmt.Sprintf("... (%d bytes)", len(s))
}

type parser struct {
	s string
	i int
}

func (p *parser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\n' || p.s[p.i] == '\r') {
		p.i++
	}
}

func (p *parser) eat(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *parser) str() (string, error) {
	if p.i >= len(p.s) || (p.s[p.i] != '\'' && p.s[p.i] != '"') {
		return "", fmt.Errorf("want a quoted string at offset %d", p.i)
	}
	q := p.s[p.i]
	end := strings.IndexByte(p.s[p.i+1:], q)
	if end < 0 {
		return "", fmt.Errorf("unterminated string at offset %d", p.i)
	}
	v := p.s[p.i+1 : p.i+1+end]
	p.i += end + 2
	return v, nil
}

func (p *parser) value() (any, error) {
	if p.i >= len(p.s) {
		return nil, fmt.Errorf("unexpected end of header")
	}
	switch c := p.s[p.i]; {
	case c == '\'' || c == '"':
		return p.str()
	case strings.HasPrefix(p.s[p.i:], "True"):
		p.i += 4
		return true, nil
	case strings.HasPrefix(p.s[p.i:], "False"):
		p.i += 5
		return false, nil
	case c == '(':
		p.i++
		var dims []int
		for {
			p.space()
			if p.eat(')') {
				if dims == nil {
					dims = []int{}
				}
				return dims, nil
			}
			j := p.i
			for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
				p.i++
			}
			d, err := strconv.Atoi(p.s[j:p.i])
			if err != nil {
				return nil, fmt.Errorf("want an integer in the shape at offset %d", j)
			}
			// Python 2 era files may write long integers as 3L.
			p.eat('L')
			dims = append(dims, d)
			p.space()
			if p.eat(',') {
				continue
			}
			p.space()
			if p.eat(')') {
				return dims, nil
			}
			return nil, fmt.Errorf("want ',' or ')' in the shape at offset %d", p.i)
		}
	case c == '[' || c == '{':
		return nil, fmt.Errorf("structured or nested values are not supported")
	}
	return nil, fmt.Errorf("unexpected %q at offset %d", p.s[p.i], p.i)
}
