package rundir

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/npy"
)

// CheckpointFormat is the version of checkpoint.npz's layout (2: with the
// files' sums).
const CheckpointFormat = 2

// checkpointInfoMember is the member of checkpoint.npz that holds
// CheckpointInfo as JSON; every other member is a .npy array.
const checkpointInfoMember = "checkpoint.json"

// CheckpointInfo is where a run stood when its checkpoint was written: the
// protocol position, what the streamed files held, and what the state belongs
// to. It is the member checkpoint.json of checkpoint.npz.
type CheckpointInfo struct {
	Format       int    `json:"format"`        // CheckpointFormat
	Version      string `json:"version"`       // engine version that wrote it (model.Version)
	ConfigSHA256 string `json:"config_sha256"` // hex SHA-256 of config.yaml's bytes
	Seed         uint64 `json:"seed"`
	Backend      string `json:"backend"` // the backend that wrote it, as run.json names it

	// The protocol position: the trials done, and the block and the trial
	// within it of the next trial (Block = number of blocks when none is left).
	TrialsDone   int `json:"trials_done"`
	TrialsTotal  int `json:"trials_total"`
	Block        int `json:"block"`
	TrialInBlock int `json:"trial_in_block"`

	// What the recorder had written: lines of trials.csv after its header
	// (= TrialsDone), rows of responses.npy, frames.npy and w_sessions.npy.
	TrialLines    int `json:"trial_lines"`
	ResponsesRows int `json:"responses_rows"`
	FramesRows    int `json:"frames_rows"`
	WSnapshots    int `json:"w_snapshots"`

	// NetworkSHA256 and Files: the run's network (see Identity) and the
	// sums of its files when the checkpoint was written, the streamed ones
	// up to the checkpoint (Prefix).
	NetworkSHA256 string             `json:"network_sha256"`
	Files         map[string]FileSum `json:"files"`
}

// Var is one variable of a checkpoint: its name (a member NAME.npy of
// checkpoint.npz; "/" groups, e.g. state/w, host/step) and a pointer to it. Ptr
// points at a slice of an element type package npy writes (*[]float32,
// *[]float64, *[]uint8, *[]uint16, *[]uint32, *[]int32, *[]int64, *[]uint64),
// stored as a 1-d array, or at a scalar (*float64, *float32, *uint64, *int,
// *bool), stored as a 0-d array (int as int64, bool as uint8). A nil slice is
// stored as absent (listed in checkpoint.json's "absent") and restored as nil.
//
// The list of Vars is the one description of what a checkpoint holds: the
// writer and the reader take the same list, so a new variable is one more
// entry.
type Var = model.Var

// checkpointFile is the file's layout: the info, the names of the nil slices.
type checkpointFile struct {
	CheckpointInfo
	Absent []string `json:"absent,omitempty"`
}

// encodeVar returns the shape and the npy data of v.
func encodeVar(v Var) (shape []int, data any, absent bool, err error) {
	switch p := v.Ptr.(type) {
	case *int:
		return []int{}, []int64{int64(*p)}, false, nil
	case *bool:
		var b uint8
		if *p {
			b = 1
		}
		return []int{}, []uint8{b}, false, nil
	case *float64:
		return []int{}, []float64{*p}, false, nil
	case *float32:
		return []int{}, []float32{*p}, false, nil
	case *uint64:
		return []int{}, []uint64{*p}, false, nil
	}
	rv := reflect.ValueOf(v.Ptr)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Slice {
		return nil, nil, false, fmt.Errorf("checkpoint variable %s is a %T, not a pointer to a slice or a scalar", v.Name, v.Ptr)
	}
	s := rv.Elem()
	if s.IsNil() {
		return nil, nil, true, nil
	}
	return []int{s.Len()}, s.Interface(), false, nil
}

// decodeVar stores data of shape into v.
func decodeVar(v Var, member string, shape []int, data any) error {
	scalar := func() error {
		if len(shape) != 0 {
			return fmt.Errorf("%s: shape %v; want a scalar (0-d array)", member, shape)
		}
		return nil
	}
	bad := func() error {
		return fmt.Errorf("%s holds %T of shape %v; %s is a %T", member, data, shape, v.Name, v.Ptr)
	}
	// A scalar's shape is checked before its one element is read: a
	// malformed archive may hold an empty array where a 0-d one belongs.
	switch p := v.Ptr.(type) {
	case *int:
		var x int64
		if err := setScalar(&x, data, scalar, bad); err != nil {
			return err
		}
		*p = int(x)
		return nil
	case *bool:
		var x uint8
		if err := setScalar(&x, data, scalar, bad); err != nil {
			return err
		}
		if x > 1 {
			return bad()
		}
		*p = x == 1
		return nil
	case *float64:
		return setScalar(p, data, scalar, bad)
	case *float32:
		return setScalar(p, data, scalar, bad)
	case *uint64:
		return setScalar(p, data, scalar, bad)
	}
	rv := reflect.ValueOf(v.Ptr)
	if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Slice {
		return fmt.Errorf("checkpoint variable %s is a %T, not a pointer to a slice or a scalar", v.Name, v.Ptr)
	}
	if reflect.TypeOf(data) != rv.Elem().Type() || len(shape) != 1 {
		return bad()
	}
	rv.Elem().Set(reflect.ValueOf(data))
	return nil
}

// setScalar stores the one element of data, a []T of shape [] (scalar
// checks the shape), into p; bad is the error of data of another type.
func setScalar[T any](p *T, data any, scalar, bad func() error) error {
	d, ok := data.([]T)
	if !ok {
		return bad()
	}
	if err := scalar(); err != nil {
		return err
	}
	*p = d[0]
	return nil
}

// memberName is the archive member of variable name.
func memberName(name string) string { return name + ".npy" }

// WriteCheckpoint writes dir/checkpoint.npz atomically (WriteFileAtomic): info
// and every variable of vars. It is an uncompressed .npz archive, which
// numpy reads (np.load): one .npy member per variable, and checkpoint.json.
func WriteCheckpoint(dir string, info CheckpointInfo, vars []Var) error {
	_, err := writeCheckpoint(dir, info, vars)
	return err
}

// writeCheckpoint is WriteCheckpoint; it returns the file's sum, hashed as
// it is written.
func writeCheckpoint(dir string, info CheckpointInfo, vars []Var) (FileSum, error) {
	info.Format = CheckpointFormat
	cf := checkpointFile{CheckpointInfo: info}
	type enc struct {
		name  string
		shape []int
		data  any
	}
	var members []enc
	seen := map[string]bool{}
	for _, v := range vars {
		if v.Name == "" || strings.HasSuffix(v.Name, ".json") || seen[v.Name] {
			return FileSum{}, fmt.Errorf("checkpoint variable name %q is empty, repeated or reserved", v.Name)
		}
		seen[v.Name] = true
		shape, data, absent, err := encodeVar(v)
		if err != nil {
			return FileSum{}, err
		}
		if absent {
			cf.Absent = append(cf.Absent, v.Name)
			continue
		}
		members = append(members, enc{v.Name, shape, data})
	}
	js, err := json.MarshalIndent(cf, "", "  ")
	if err != nil {
		return FileSum{}, err
	}
	path := filepath.Join(dir, CheckpointFile)
	h := sha256.New()
	var size int64
	err = WriteFileAtomic(path, func(f io.Writer) error {
		h.Reset()
		cw := &countWriter{w: io.MultiWriter(f, h)}
		defer func() { size = cw.n }()
		zw := zip.NewWriter(cw)
		add := func(name string) (io.Writer, error) {
			// Stored, not deflated: the state is mostly incompressible
			// floats, and np.load reads stored members directly.
			return zw.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Store})
		}
		mw, err := add(checkpointInfoMember)
		if err != nil {
			return err
		}
		if _, err := mw.Write(append(js, '\n')); err != nil {
			return err
		}
		for _, m := range members {
			mw, err := add(memberName(m.name))
			if err != nil {
				return err
			}
			if err := npy.Encode(mw, path+":"+memberName(m.name), m.shape, m.data); err != nil {
				return err
			}
		}
		return zw.Close()
	})
	if err != nil {
		return FileSum{}, err
	}
	return FileSum{Size: size, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// Checkpoint is an open checkpoint.npz: Info is read; Restore reads the
// variables. Close it when done.
type Checkpoint struct {
	Info   CheckpointInfo
	path   string
	absent []string
	zr     *zip.ReadCloser
}

// ErrNoCheckpoint says that a run directory holds no checkpoint.
var ErrNoCheckpoint = errors.New("no checkpoint")

// OpenCheckpoint opens dir/checkpoint.npz and reads its info; the error wraps
// ErrNoCheckpoint when there is none. A file that is not a checkpoint of
// this format is an error naming it.
func OpenCheckpoint(dir string) (*Checkpoint, error) {
	path := filepath.Join(dir, CheckpointFile)
	zr, err := zip.OpenReader(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", path, ErrNoCheckpoint)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable checkpoint (%v)", path, err)
	}
	c := &Checkpoint{path: path, zr: zr}
	// Every member is stored (WriteCheckpoint never deflates), so none can
	// hold more than the file: a damaged header declaring more would make
	// a reader allocate what it declares.
	var fileSize uint64
	if st, err := os.Stat(path); err == nil {
		fileSize = uint64(st.Size())
	}
	for _, f := range zr.File {
		if f.Method != zip.Store || f.UncompressedSize64 > fileSize || f.CompressedSize64 != f.UncompressedSize64 {
			zr.Close()
			return nil, fmt.Errorf("%s: member %s is not stored as iplgpu stores it (method %d, %d bytes in a file of %d): the checkpoint is damaged", path, shortStr(f.Name), f.Method, f.UncompressedSize64, fileSize)
		}
	}
	var cf checkpointFile
	f, err := zr.Open(checkpointInfoMember)
	if err == nil {
		// Read to the end, so that the zip reader checks the member's CRC.
		var b []byte
		b, err = io.ReadAll(io.LimitReader(f, 1<<20))
		f.Close()
		if err == nil {
			err = json.Unmarshal(b, &cf)
		}
	}
	if err != nil {
		zr.Close()
		return nil, fmt.Errorf("%s: its %s: %v", path, checkpointInfoMember, err)
	}
	if cf.Format != CheckpointFormat {
		zr.Close()
		return nil, fmt.Errorf("%s is format %d; this iplgpu reads format %d", path, cf.Format, CheckpointFormat)
	}
	c.Info, c.absent = cf.CheckpointInfo, cf.Absent
	return c, nil
}

// checkMembers reads every member to its end, so that the zip reader checks
// its CRC-32: a damaged checkpoint is refused before anything is restored.
func (c *Checkpoint) checkMembers() error {
	for _, f := range c.zr.File {
		r, err := f.Open()
		if err == nil {
			_, err = io.Copy(io.Discard, r)
			r.Close()
		}
		if err != nil {
			return fmt.Errorf("%s: member %s fails its check (%v): the checkpoint is damaged", c.path, shortStr(f.Name), err)
		}
	}
	return nil
}

// Path is the checkpoint's file.
func (c *Checkpoint) Path() string { return c.path }

// At is the backend and the protocol position of the checkpoint's info.
func (c *Checkpoint) At() model.CheckpointAt {
	in := c.Info
	return model.CheckpointAt{Backend: in.Backend, TrialsDone: in.TrialsDone, TrialsTotal: in.TrialsTotal, Block: in.Block, TrialInBlock: in.TrialInBlock}
}

// Close closes the file.
func (c *Checkpoint) Close() error { return c.zr.Close() }

// Restore reads every variable of vars from the checkpoint. The checkpoint
// must hold exactly these variables, each with the type of its Ptr: one it
// lacks, or one it has that vars does not name, means another engine version
// wrote it, and nothing is restored halfway without an error.
func (c *Checkpoint) Restore(vars []Var) error {
	have := map[string]*zip.File{}
	for _, f := range c.zr.File {
		if f.Name != checkpointInfoMember {
			have[f.Name] = f
		}
	}
	want := map[string]bool{}
	var missing []string
	for _, v := range vars {
		want[memberName(v.Name)] = true
		if have[memberName(v.Name)] == nil && !slices.Contains(c.absent, v.Name) {
			missing = append(missing, v.Name)
		}
	}
	var extra []string
	for name := range have {
		if !want[name] {
			extra = append(extra, strings.TrimSuffix(name, ".npy"))
		}
	}
	for _, name := range c.absent {
		if !want[memberName(name)] {
			extra = append(extra, name)
		}
	}
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		var why []string
		if len(missing) > 0 {
			why = append(why, "it lacks "+strings.Join(missing, ", "))
		}
		if len(extra) > 0 {
			why = append(why, "it holds "+strings.Join(extra, ", ")+", which this version does not restore")
		}
		if c.Info.Version == model.Version {
			return fmt.Errorf("%s is damaged: %s, yet it names this engine version (%s)", c.path, strings.Join(why, "; "), c.Info.Version)
		}
		return fmt.Errorf("%s (engine version %s) does not hold this version's state: %s; finish the run with the version that started it", c.path, c.Info.Version, strings.Join(why, "; "))
	}
	for _, v := range vars {
		f := have[memberName(v.Name)]
		if f == nil { // absent: a nil slice
			rv := reflect.ValueOf(v.Ptr)
			if rv.Kind() != reflect.Pointer || rv.Elem().Kind() != reflect.Slice {
				return fmt.Errorf("%s: %s is absent, but %s is not a slice", c.path, v.Name, v.Name)
			}
			rv.Elem().Set(reflect.Zero(rv.Elem().Type()))
			continue
		}
		r, err := f.Open()
		if err != nil {
			return fmt.Errorf("%s: %s: %w", c.path, f.Name, err)
		}
		name := c.path + ":" + f.Name
		shape, data, err := npy.Decode(name, r, int64(f.UncompressedSize64))
		if err == nil {
			// Read to the end: the zip reader checks the member's CRC there.
			_, err = io.Copy(io.Discard, r)
		}
		r.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := decodeVar(v, name, shape, data); err != nil {
			return err
		}
	}
	return nil
}

// RemoveCheckpoint deletes dir's checkpoint, if any: a complete run keeps
// none.
func RemoveCheckpoint(dir string) error {
	err := os.Remove(filepath.Join(dir, CheckpointFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	return err
}

// ConfigSHA256 is the hex SHA-256 of b (config.yaml's bytes), as
// CheckpointInfo.ConfigSHA256 records it.
func ConfigSHA256(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}
