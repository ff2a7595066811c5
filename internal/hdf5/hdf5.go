//go:build hdf5

// Package hdf5 is the small part of the HDF5 C library (libhdf5, through cgo)
// that the NWB reader and writer need: groups, soft links, attributes
// (strings, numbers, object references), whole datasets of numbers and
// strings, and chunked datasets appended to and read in slices, so that
// large arrays stream. Built with -tags hdf5 (Debian: libhdf5-dev).
package hdf5

/*
#cgo pkg-config: hdf5
#include <stdlib.h>
#include <string.h>
#include <hdf5.h>

static hid_t t_double(void) { return H5T_NATIVE_DOUBLE; }
static hid_t t_float(void)  { return H5T_NATIVE_FLOAT; }
static hid_t t_int64(void)  { return H5T_NATIVE_INT64; }
static hid_t t_int32(void)  { return H5T_NATIVE_INT32; }
static hid_t t_uint64(void) { return H5T_NATIVE_UINT64; }
static hid_t t_uint16(void) { return H5T_NATIVE_UINT16; }
static hid_t t_uint8(void)  { return H5T_NATIVE_UINT8; }
static hid_t t_ref(void)    { return H5T_STD_REF_OBJ; }
static hid_t p_default(void) { return H5P_DEFAULT; }
static hid_t p_dcreate(void) { return H5P_DATASET_CREATE; }
static hid_t p_lcreate(void) { return H5P_LINK_CREATE; }
static hid_t s_all(void) { return H5S_ALL; }
static hid_t vlen_str(void) {
	hid_t t = H5Tcopy(H5T_C_S1);
	H5Tset_size(t, H5T_VARIABLE);
	H5Tset_cset(t, H5T_CSET_UTF8);
	return t;
}
static herr_t quiet(void) { return H5Eset_auto2(H5E_DEFAULT, NULL, NULL); }
static int is_vlen_str(hid_t t) { return H5Tget_class(t) == H5T_STRING && H5Tis_variable_str(t) > 0; }
static herr_t make_ref(hobj_ref_t *ref, hid_t loc, const char *name) { return H5Rcreate(ref, loc, name, H5R_OBJECT, -1); }
static ssize_t ref_name(hid_t loc, hobj_ref_t *ref, char *buf, size_t n) { return H5Rget_name(loc, H5R_OBJECT, ref, buf, n); }
*/
import "C"

import (
	"errors"
	"fmt"
	"unsafe"
)

func init() { C.quiet() }

// File is an open HDF5 file.
type File struct {
	id   C.hid_t
	path string
}

func cstr(s string) *C.char { return C.CString(s) }

func (f *File) fail(what, name string) error {
	return fmt.Errorf("%s: %s %s failed", f.path, what, name)
}

// Create creates (or truncates) the HDF5 file path.
func Create(path string) (*File, error) {
	p := cstr(path)
	defer C.free(unsafe.Pointer(p))
	id := C.H5Fcreate(p, C.H5F_ACC_TRUNC, C.p_default(), C.p_default())
	if id < 0 {
		return nil, fmt.Errorf("%s: cannot create the HDF5 file", path)
	}
	return &File{id: id, path: path}, nil
}

// Open opens the HDF5 file path for reading.
func Open(path string) (*File, error) {
	p := cstr(path)
	defer C.free(unsafe.Pointer(p))
	if C.H5Fis_hdf5(p) <= 0 {
		return nil, fmt.Errorf("%s: not an HDF5 file (an NWB 2.x file is one)", path)
	}
	id := C.H5Fopen(p, C.H5F_ACC_RDONLY, C.p_default())
	if id < 0 {
		return nil, fmt.Errorf("%s: cannot open the HDF5 file", path)
	}
	return &File{id: id, path: path}, nil
}

// Close closes the file; the data are on disk when it returns nil.
func (f *File) Close() error {
	if f.id < 0 {
		return nil
	}
	id := f.id
	f.id = -1
	if C.H5Fclose(id) < 0 {
		return fmt.Errorf("%s: closing the HDF5 file failed", f.path)
	}
	return nil
}

// Path is the file's name.
func (f *File) Path() string { return f.path }

// CreateGroup creates the group at the absolute path name.
func (f *File) CreateGroup(name string) error {
	n := cstr(name)
	defer C.free(unsafe.Pointer(n))
	g := C.H5Gcreate2(f.id, n, C.p_default(), C.p_default(), C.p_default())
	if g < 0 {
		return f.fail("creating group", name)
	}
	C.H5Gclose(g)
	return nil
}

// SoftLink makes name a soft link to target.
func (f *File) SoftLink(target, name string) error {
	t, n := cstr(target), cstr(name)
	defer C.free(unsafe.Pointer(t))
	defer C.free(unsafe.Pointer(n))
	if C.H5Lcreate_soft(t, f.id, n, C.p_default(), C.p_default()) < 0 {
		return f.fail("linking", name)
	}
	return nil
}

// Exists says whether the object name exists (every group on its path too).
func (f *File) Exists(name string) bool {
	if name == "/" {
		return true
	}
	path := ""
	for _, part := range splitPath(name) {
		path += "/" + part
		n := cstr(path)
		ok := C.H5Lexists(f.id, n, C.p_default()) > 0 && C.H5Oexists_by_name(f.id, n, C.p_default()) > 0
		C.free(unsafe.Pointer(n))
		if !ok {
			return false
		}
	}
	return true
}

func splitPath(name string) []string {
	var out []string
	start := 0
	for i := 0; i <= len(name); i++ {
		if i == len(name) || name[i] == '/' {
			if i > start {
				out = append(out, name[start:i])
			}
			start = i + 1
		}
	}
	return out
}

// Members lists the names of the links in group name, in name order.
func (f *File) Members(name string) ([]string, error) {
	n := cstr(name)
	defer C.free(unsafe.Pointer(n))
	g := C.H5Gopen2(f.id, n, C.p_default())
	if g < 0 {
		return nil, f.fail("opening group", name)
	}
	defer C.H5Gclose(g)
	var info C.H5G_info_t
	if C.H5Gget_info(g, &info) < 0 {
		return nil, f.fail("listing group", name)
	}
	dot := cstr(".")
	defer C.free(unsafe.Pointer(dot))
	out := make([]string, 0, int(info.nlinks))
	for i := C.hsize_t(0); i < info.nlinks; i++ {
		sz := C.H5Lget_name_by_idx(g, dot, C.H5_INDEX_NAME, C.H5_ITER_INC, i, nil, 0, C.p_default())
		if sz < 0 {
			return nil, f.fail("listing group", name)
		}
		buf := make([]byte, int(sz)+1)
		C.H5Lget_name_by_idx(g, dot, C.H5_INDEX_NAME, C.H5_ITER_INC, i, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)), C.p_default())
		out = append(out, string(buf[:sz]))
	}
	return out, nil
}

// object opens the group or dataset name.
func (f *File) object(name string) (C.hid_t, error) {
	n := cstr(name)
	defer C.free(unsafe.Pointer(n))
	o := C.H5Oopen(f.id, n, C.p_default())
	if o < 0 {
		return -1, fmt.Errorf("%s: no object %s", f.path, name)
	}
	return o, nil
}

func simple(dims []int) C.hid_t {
	if len(dims) == 0 {
		return C.H5Screate(C.H5S_SCALAR)
	}
	d := make([]C.hsize_t, len(dims))
	for i, v := range dims {
		d[i] = C.hsize_t(v)
	}
	return C.H5Screate_simple(C.int(len(dims)), &d[0], nil)
}

// writeAttr writes attribute attr of object obj with type t, shape dims and
// the memory at buf.
func (f *File) writeAttr(obj, attr string, t C.hid_t, dims []int, buf unsafe.Pointer) error {
	o, err := f.object(obj)
	if err != nil {
		return err
	}
	defer C.H5Oclose(o)
	a := cstr(attr)
	defer C.free(unsafe.Pointer(a))
	sp := simple(dims)
	defer C.H5Sclose(sp)
	if C.H5Aexists(o, a) > 0 {
		C.H5Adelete(o, a)
	}
	id := C.H5Acreate2(o, a, t, sp, C.p_default(), C.p_default())
	if id < 0 {
		return f.fail("creating attribute", obj+"@"+attr)
	}
	defer C.H5Aclose(id)
	if C.H5Awrite(id, t, buf) < 0 {
		return f.fail("writing attribute", obj+"@"+attr)
	}
	return nil
}

// cstrings holds C copies of strings, freed by free.
type cstrings []*C.char

func newCStrings(ss []string) cstrings {
	out := make(cstrings, len(ss))
	for i, s := range ss {
		out[i] = cstr(s)
	}
	return out
}

func (c cstrings) free() {
	for _, p := range c {
		C.free(unsafe.Pointer(p))
	}
}

// array copies the pointers into C memory, the char** the library reads.
func (c cstrings) array() (unsafe.Pointer, func()) {
	n := max(len(c), 1)
	p := C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0))))
	arr := unsafe.Slice((**C.char)(p), n)
	copy(arr, c)
	return p, func() { C.free(p) }
}

// AttrString writes a variable-length UTF-8 string attribute.
func (f *File) AttrString(obj, attr, value string) error {
	return f.attrStrings(obj, attr, []string{value}, nil)
}

// AttrStrings writes a 1-axis attribute of variable-length strings.
func (f *File) AttrStrings(obj, attr string, values []string) error {
	return f.attrStrings(obj, attr, values, []int{len(values)})
}

func (f *File) attrStrings(obj, attr string, values []string, dims []int) error {
	t := C.vlen_str()
	defer C.H5Tclose(t)
	cs := newCStrings(values)
	defer cs.free()
	p, done := cs.array()
	defer done()
	return f.writeAttr(obj, attr, t, dims, p)
}

// AttrFloat64 writes a scalar float64 attribute.
func (f *File) AttrFloat64(obj, attr string, v float64) error {
	x := C.double(v)
	return f.writeAttr(obj, attr, C.t_double(), nil, unsafe.Pointer(&x))
}

// AttrInt32 writes a scalar int32 attribute.
func (f *File) AttrInt32(obj, attr string, v int32) error {
	x := C.int32_t(v)
	return f.writeAttr(obj, attr, C.t_int32(), nil, unsafe.Pointer(&x))
}

// AttrRef writes a scalar object-reference attribute pointing to target.
func (f *File) AttrRef(obj, attr, target string) error {
	t := cstr(target)
	defer C.free(unsafe.Pointer(t))
	ref := (*C.hobj_ref_t)(C.malloc(C.size_t(unsafe.Sizeof(C.hobj_ref_t(0)))))
	defer C.free(unsafe.Pointer(ref))
	if C.make_ref(ref, f.id, t) < 0 {
		return f.fail("referencing", target)
	}
	return f.writeAttr(obj, attr, C.t_ref(), nil, unsafe.Pointer(ref))
}

// ReadAttrString reads a string attribute (scalar, or the first of an array).
func (f *File) ReadAttrString(obj, attr string) (string, error) {
	ss, err := f.ReadAttrStrings(obj, attr)
	if err != nil {
		return "", err
	}
	if len(ss) == 0 {
		return "", fmt.Errorf("%s: attribute %s@%s is empty", f.path, obj, attr)
	}
	return ss[0], nil
}

// ReadAttrStrings reads a string attribute (fixed or variable length).
func (f *File) ReadAttrStrings(obj, attr string) ([]string, error) {
	o, err := f.object(obj)
	if err != nil {
		return nil, err
	}
	defer C.H5Oclose(o)
	a := cstr(attr)
	defer C.free(unsafe.Pointer(a))
	if C.H5Aexists(o, a) <= 0 {
		return nil, fmt.Errorf("%s: %s has no attribute %s", f.path, obj, attr)
	}
	id := C.H5Aopen(o, a, C.p_default())
	if id < 0 {
		return nil, f.fail("opening attribute", obj+"@"+attr)
	}
	defer C.H5Aclose(id)
	ft := C.H5Aget_type(id)
	defer C.H5Tclose(ft)
	sp := C.H5Aget_space(id)
	defer C.H5Sclose(sp)
	n := int(C.H5Sget_simple_extent_npoints(sp))
	if C.H5Tget_class(ft) != C.H5T_STRING {
		return nil, fmt.Errorf("%s: attribute %s@%s is not a string", f.path, obj, attr)
	}
	return readStrings(ft, n, func(mt C.hid_t, buf unsafe.Pointer) bool { return C.H5Aread(id, mt, buf) >= 0 })
}

// readStrings reads n strings of file type ft through read.
func readStrings(ft C.hid_t, n int, read func(C.hid_t, unsafe.Pointer) bool) ([]string, error) {
	out := make([]string, n)
	if n == 0 {
		return out, nil
	}
	if C.is_vlen_str(ft) != 0 {
		mt := C.vlen_str()
		defer C.H5Tclose(mt)
		p := C.malloc(C.size_t(n) * C.size_t(unsafe.Sizeof(uintptr(0))))
		defer C.free(p)
		if !read(mt, p) {
			return nil, errors.New("reading strings failed")
		}
		arr := unsafe.Slice((**C.char)(p), n)
		for i, s := range arr {
			if s != nil {
				out[i] = C.GoString(s)
				C.free(unsafe.Pointer(s))
			}
		}
		return out, nil
	}
	size := int(C.H5Tget_size(ft))
	mt := C.H5Tcopy(ft)
	defer C.H5Tclose(mt)
	buf := C.malloc(C.size_t(n * size))
	defer C.free(buf)
	if !read(mt, buf) {
		return nil, errors.New("reading strings failed")
	}
	b := C.GoBytes(buf, C.int(n*size))
	for i := range out {
		s := b[i*size : (i+1)*size]
		for len(s) > 0 && (s[len(s)-1] == 0 || s[len(s)-1] == ' ') {
			s = s[:len(s)-1]
		}
		out[i] = string(s)
	}
	return out, nil
}

// ReadAttrRef reads an object-reference attribute as the path it points to.
func (f *File) ReadAttrRef(obj, attr string) (string, error) {
	o, err := f.object(obj)
	if err != nil {
		return "", err
	}
	defer C.H5Oclose(o)
	a := cstr(attr)
	defer C.free(unsafe.Pointer(a))
	id := C.H5Aopen(o, a, C.p_default())
	if id < 0 {
		return "", fmt.Errorf("%s: %s has no attribute %s", f.path, obj, attr)
	}
	defer C.H5Aclose(id)
	ref := (*C.hobj_ref_t)(C.malloc(C.size_t(unsafe.Sizeof(C.hobj_ref_t(0)))))
	defer C.free(unsafe.Pointer(ref))
	if C.H5Aread(id, C.t_ref(), unsafe.Pointer(ref)) < 0 {
		return "", f.fail("reading reference", obj+"@"+attr)
	}
	buf := make([]byte, 1024)
	n := C.ref_name(f.id, ref, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
	if n < 0 {
		return "", f.fail("resolving reference", obj+"@"+attr)
	}
	return string(buf[:n]), nil
}

// Number is a type a dataset may be written from or read into.
type Number interface {
	float64 | float32 | int64 | int32 | uint64 | uint16 | uint8
}

func memType[T Number]() C.hid_t {
	var z T
	switch any(z).(type) {
	case float64:
		return C.t_double()
	case float32:
		return C.t_float()
	case int64:
		return C.t_int64()
	case int32:
		return C.t_int32()
	case uint64:
		return C.t_uint64()
	case uint16:
		return C.t_uint16()
	default:
		return C.t_uint8()
	}
}

// dataset creates dataset name of type t and shape dims; chunk > 0 makes it
// chunked along axis 0 with chunks of chunk rows, extendible without limit.
func (f *File) dataset(name string, t C.hid_t, dims []int, chunk int) (C.hid_t, error) {
	n := cstr(name)
	defer C.free(unsafe.Pointer(n))
	var sp C.hid_t
	dcpl := C.p_default()
	if chunk > 0 {
		d := make([]C.hsize_t, len(dims))
		mx := make([]C.hsize_t, len(dims))
		ch := make([]C.hsize_t, len(dims))
		for i, v := range dims {
			d[i], mx[i], ch[i] = C.hsize_t(v), C.hsize_t(v), C.hsize_t(v)
		}
		mx[0], ch[0] = C.H5S_UNLIMITED, C.hsize_t(chunk)
		sp = C.H5Screate_simple(C.int(len(dims)), &d[0], &mx[0])
		dcpl = C.H5Pcreate(C.p_dcreate())
		defer C.H5Pclose(dcpl)
		C.H5Pset_chunk(dcpl, C.int(len(dims)), &ch[0])
	} else {
		sp = simple(dims)
	}
	defer C.H5Sclose(sp)
	lcpl := C.H5Pcreate(C.p_lcreate())
	defer C.H5Pclose(lcpl)
	C.H5Pset_create_intermediate_group(lcpl, 1)
	id := C.H5Dcreate2(f.id, n, t, sp, lcpl, dcpl, C.p_default())
	if id < 0 {
		return -1, f.fail("creating dataset", name)
	}
	return id, nil
}

// Write writes the whole dataset name of shape dims (nil: a scalar) from v.
func Write[T Number](f *File, name string, dims []int, v []T) error {
	want := 1
	for _, d := range dims {
		want *= d
	}
	if len(v) != want {
		return fmt.Errorf("hdf5: %s: %d values for shape %v", name, len(v), dims)
	}
	id, err := f.dataset(name, memType[T](), dims, 0)
	if err != nil {
		return err
	}
	defer C.H5Dclose(id)
	if want == 0 {
		return nil
	}
	if C.H5Dwrite(id, memType[T](), C.s_all(), C.s_all(), C.p_default(), unsafe.Pointer(&v[0])) < 0 {
		return f.fail("writing dataset", name)
	}
	return nil
}

// WriteStrings writes dataset name of variable-length strings: a scalar when
// scalar, else 1 axis.
func (f *File) WriteStrings(name string, v []string, scalar bool) error {
	t := C.vlen_str()
	defer C.H5Tclose(t)
	dims := []int{len(v)}
	if scalar {
		dims = nil
	}
	id, err := f.dataset(name, t, dims, 0)
	if err != nil {
		return err
	}
	defer C.H5Dclose(id)
	if len(v) == 0 {
		return nil
	}
	cs := newCStrings(v)
	defer cs.free()
	p, done := cs.array()
	defer done()
	if C.H5Dwrite(id, t, C.s_all(), C.s_all(), C.p_default(), p) < 0 {
		return f.fail("writing dataset", name)
	}
	return nil
}

// WriteRefs writes dataset name, 1 axis of object references to targets.
func (f *File) WriteRefs(name string, targets []string) error {
	id, err := f.dataset(name, C.t_ref(), []int{len(targets)}, 0)
	if err != nil {
		return err
	}
	defer C.H5Dclose(id)
	if len(targets) == 0 {
		return nil
	}
	refs := (*C.hobj_ref_t)(C.malloc(C.size_t(len(targets)) * C.size_t(unsafe.Sizeof(C.hobj_ref_t(0)))))
	defer C.free(unsafe.Pointer(refs))
	arr := unsafe.Slice(refs, len(targets))
	for i, t := range targets {
		ct := cstr(t)
		rc := C.make_ref(&arr[i], f.id, ct)
		C.free(unsafe.Pointer(ct))
		if rc < 0 {
			return f.fail("referencing", t)
		}
	}
	if C.H5Dwrite(id, C.t_ref(), C.s_all(), C.s_all(), C.p_default(), unsafe.Pointer(refs)) < 0 {
		return f.fail("writing dataset", name)
	}
	return nil
}

// Appender appends rows to a chunked 1-axis dataset.
type Appender[T Number] struct {
	f    *File
	id   C.hid_t
	name string
	n    int
}

// NewAppender creates the chunked, extendible 1-axis dataset name.
func NewAppender[T Number](f *File, name string, chunk int) (*Appender[T], error) {
	id, err := f.dataset(name, memType[T](), []int{0}, chunk)
	if err != nil {
		return nil, err
	}
	return &Appender[T]{f: f, id: id, name: name}, nil
}

// Append writes v after the values appended so far.
func (a *Appender[T]) Append(v []T) error {
	if len(v) == 0 {
		return nil
	}
	size := C.hsize_t(a.n + len(v))
	if C.H5Dset_extent(a.id, &size) < 0 {
		return a.f.fail("extending dataset", a.name)
	}
	fs := C.H5Dget_space(a.id)
	defer C.H5Sclose(fs)
	start, count := C.hsize_t(a.n), C.hsize_t(len(v))
	C.H5Sselect_hyperslab(fs, C.H5S_SELECT_SET, &start, nil, &count, nil)
	ms := C.H5Screate_simple(1, &count, nil)
	defer C.H5Sclose(ms)
	if C.H5Dwrite(a.id, memType[T](), ms, fs, C.p_default(), unsafe.Pointer(&v[0])) < 0 {
		return a.f.fail("writing dataset", a.name)
	}
	a.n += len(v)
	return nil
}

// Len is the number of values appended.
func (a *Appender[T]) Len() int { return a.n }

// Close closes the dataset.
func (a *Appender[T]) Close() error {
	if a.id >= 0 {
		C.H5Dclose(a.id)
		a.id = -1
	}
	return nil
}

// Class is the kind of values a dataset holds.
type Class int

// The classes Info reports.
const (
	Other Class = iota
	Integer
	Float
	String
	Reference
	Bool // an enum of FALSE and TRUE, as h5py writes numpy bools
)

func (c Class) String() string {
	return [...]string{"other", "integer", "float", "string", "reference", "bool"}[c]
}

// Info is a dataset's shape and class.
type Info struct {
	Dims  []int
	Class Class
}

// Len is the number of values.
func (i Info) Len() int {
	n := 1
	for _, d := range i.Dims {
		n *= d
	}
	return n
}

func classOf(t C.hid_t) Class {
	switch C.H5Tget_class(t) {
	case C.H5T_INTEGER:
		return Integer
	case C.H5T_FLOAT:
		return Float
	case C.H5T_STRING:
		return String
	case C.H5T_REFERENCE:
		return Reference
	case C.H5T_ENUM:
		if C.H5Tget_nmembers(t) == 2 && C.H5Tget_size(t) == 1 {
			return Bool
		}
	}
	return Other
}

// Stat returns dataset name's shape and class; ok is false when name is not
// a dataset.
func (f *File) Stat(name string) (Info, bool) {
	if !f.Exists(name) {
		return Info{}, false
	}
	id, err := f.openDataset(name)
	if err != nil {
		return Info{}, false
	}
	defer C.H5Dclose(id)
	t := C.H5Dget_type(id)
	defer C.H5Tclose(t)
	sp := C.H5Dget_space(id)
	defer C.H5Sclose(sp)
	rank := int(C.H5Sget_simple_extent_ndims(sp))
	info := Info{Class: classOf(t), Dims: make([]int, rank)}
	if rank > 0 {
		d := make([]C.hsize_t, rank)
		C.H5Sget_simple_extent_dims(sp, &d[0], nil)
		for i, v := range d {
			info.Dims[i] = int(v)
		}
	}
	return info, true
}

// openDataset opens dataset name; the caller closes it.
func (f *File) openDataset(name string) (C.hid_t, error) {
	n := cstr(name)
	defer C.free(unsafe.Pointer(n))
	id := C.H5Dopen2(f.id, n, C.p_default())
	if id < 0 {
		return -1, fmt.Errorf("%s: no dataset %s", f.path, name)
	}
	return id, nil
}

// Read reads count values of dataset name from offset start along axis 0
// (count < 0: all), converted to T by the library (integers, floats; bools
// as 0 and 1).
func Read[T Number](f *File, name string, start, count int) ([]T, error) {
	id, err := f.openDataset(name)
	if err != nil {
		return nil, err
	}
	defer C.H5Dclose(id)
	fs := C.H5Dget_space(id)
	defer C.H5Sclose(fs)
	rank := int(C.H5Sget_simple_extent_ndims(fs))
	dims := make([]C.hsize_t, max(rank, 1))
	dims[0] = 1
	if rank > 0 {
		C.H5Sget_simple_extent_dims(fs, &dims[0], nil)
	}
	rowLen := 1
	for _, d := range dims[1:] {
		rowLen *= int(d)
	}
	if count < 0 {
		count = int(dims[0]) - start
	}
	if start < 0 || count < 0 || start+count > int(dims[0]) {
		return nil, fmt.Errorf("%s: %s: rows [%d, %d) outside its %d", f.path, name, start, start+count, dims[0])
	}
	out := make([]T, count*rowLen)
	if len(out) == 0 {
		return out, nil
	}
	ft := C.H5Dget_type(id)
	defer C.H5Tclose(ft)
	mt := memType[T]()
	if classOf(ft) == Bool {
		mt = C.H5Tget_native_type(ft, C.H5T_DIR_ASCEND)
		defer C.H5Tclose(mt)
	}
	ms := C.hid_t(C.s_all())
	if rank > 0 {
		st := make([]C.hsize_t, rank)
		ct := make([]C.hsize_t, rank)
		copy(ct, dims)
		st[0], ct[0] = C.hsize_t(start), C.hsize_t(count)
		C.H5Sselect_hyperslab(fs, C.H5S_SELECT_SET, &st[0], nil, &ct[0], nil)
		ms = C.H5Screate_simple(C.int(rank), &ct[0], nil)
		defer C.H5Sclose(ms)
	}
	if classOf(ft) == Bool {
		raw := make([]int8, len(out))
		if C.H5Dread(id, mt, ms, fs, C.p_default(), unsafe.Pointer(&raw[0])) < 0 {
			return nil, f.fail("reading dataset", name)
		}
		for i, v := range raw {
			out[i] = T(v)
		}
		return out, nil
	}
	if C.H5Dread(id, mt, ms, fs, C.p_default(), unsafe.Pointer(&out[0])) < 0 {
		return nil, fmt.Errorf("%s: reading dataset %s as %T failed (is it numeric?)", f.path, name, out[0])
	}
	return out, nil
}

// ReadStrings reads a dataset of strings (scalar or 1 axis).
func (f *File) ReadStrings(name string) ([]string, error) {
	id, err := f.openDataset(name)
	if err != nil {
		return nil, err
	}
	defer C.H5Dclose(id)
	ft := C.H5Dget_type(id)
	defer C.H5Tclose(ft)
	if C.H5Tget_class(ft) != C.H5T_STRING {
		return nil, fmt.Errorf("%s: %s does not hold strings", f.path, name)
	}
	sp := C.H5Dget_space(id)
	defer C.H5Sclose(sp)
	cnt := int(C.H5Sget_simple_extent_npoints(sp))
	ss, err := readStrings(ft, cnt, func(mt C.hid_t, buf unsafe.Pointer) bool {
		return C.H5Dread(id, mt, C.s_all(), C.s_all(), C.p_default(), buf) >= 0
	})
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", f.path, name, err)
	}
	return ss, nil
}

// ReadRefs reads a 1-axis dataset of object references as the paths they
// point to.
func (f *File) ReadRefs(name string) ([]string, error) {
	info, ok := f.Stat(name)
	if !ok || info.Class != Reference {
		return nil, fmt.Errorf("%s: %s is not a dataset of object references", f.path, name)
	}
	id, err := f.openDataset(name)
	if err != nil {
		return nil, err
	}
	defer C.H5Dclose(id)
	cnt := info.Len()
	out := make([]string, cnt)
	if cnt == 0 {
		return out, nil
	}
	refs := (*C.hobj_ref_t)(C.malloc(C.size_t(cnt) * C.size_t(unsafe.Sizeof(C.hobj_ref_t(0)))))
	defer C.free(unsafe.Pointer(refs))
	if C.H5Dread(id, C.t_ref(), C.s_all(), C.s_all(), C.p_default(), unsafe.Pointer(refs)) < 0 {
		return nil, f.fail("reading dataset", name)
	}
	buf := make([]byte, 1024)
	for i, r := range unsafe.Slice(refs, cnt) {
		k := C.ref_name(f.id, &r, (*C.char)(unsafe.Pointer(&buf[0])), C.size_t(len(buf)))
		if k < 0 {
			return nil, f.fail("resolving reference in", name)
		}
		out[i] = string(buf[:k])
	}
	return out, nil
}
