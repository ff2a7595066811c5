package rundir

import (
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine/model"
)

// vars is one variable of every kind a checkpoint stores, pointing into v.
type ckVars struct {
	F32  []float32
	U8   []uint8
	F64  []float64
	U64  []uint64
	I64  []int64
	Nil  []float64
	Step uint64
	Gate float64
	G32  float32
	N    int
	Sent bool
}

func (v *ckVars) list() []Var {
	return []Var{
		{Name: "state/f32", Ptr: &v.F32}, {Name: "state/u8", Ptr: &v.U8}, {Name: "host/f64", Ptr: &v.F64}, {Name: "host/u64", Ptr: &v.U64}, {Name: "host/i64", Ptr: &v.I64},
		{Name: "host/nil", Ptr: &v.Nil}, {Name: "host/step", Ptr: &v.Step}, {Name: "host/gate", Ptr: &v.Gate}, {Name: "host/g32", Ptr: &v.G32}, {Name: "host/n", Ptr: &v.N}, {Name: "host/sent", Ptr: &v.Sent},
	}
}

func sampleVars() *ckVars {
	return &ckVars{
		F32: []float32{1.5, float32(math.Inf(-1)), -0, math.SmallestNonzeroFloat32}, U8: []uint8{0, 1, 255},
		F64: []float64{math.Pi, math.NaN()}, U64: []uint64{math.MaxUint64}, I64: []int64{-7},
		Step: 1<<40 + 3, Gate: 0.15000000000000002, G32: 0.1, N: -3, Sent: true,
	}
}

// Every kind of variable comes back bit for bit (NaN, -0, infinities, nil
// slices, the largest uint64), with the info.
func TestCheckpointRoundTrip(t *testing.T) {
	dir := t.TempDir()
	in := sampleVars()
	info := CheckpointInfo{Version: "9.9", ConfigSHA256: "abc", Seed: 3, Backend: "cpu (2 workers)", TrialsDone: 12, TrialsTotal: 40,
		Block: 2, TrialInBlock: 5, TrialLines: 12, ResponsesRows: 7, FramesRows: 12, WSnapshots: 1}
	if err := WriteCheckpoint(dir, info, in.list()); err != nil {
		t.Fatal(err)
	}
	ck, err := OpenCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer ck.Close()
	info.Format = CheckpointFormat
	if !reflect.DeepEqual(ck.Info, info) {
		t.Errorf("info %+v, want %+v", ck.Info, info)
	}
	out := &ckVars{Nil: []float64{1}} // a nil slice restores as nil
	if err := ck.Restore(out.list()); err != nil {
		t.Fatal(err)
	}
	bits := func(f []float64) []uint64 {
		var b []uint64
		for _, x := range f {
			b = append(b, math.Float64bits(x))
		}
		return b
	}
	bits32 := func(f []float32) []uint32 {
		var b []uint32
		for _, x := range f {
			b = append(b, math.Float32bits(x))
		}
		return b
	}
	if !reflect.DeepEqual(bits32(out.F32), bits32(in.F32)) || !reflect.DeepEqual(bits(out.F64), bits(in.F64)) || out.Nil != nil {
		t.Errorf("float arrays: %v %v %v, want %v %v nil", out.F32, out.F64, out.Nil, in.F32, in.F64)
	}
	out.F32, out.F64, in.F32, in.F64 = nil, nil, nil, nil
	if !reflect.DeepEqual(out, in) {
		t.Errorf("restored %+v, want %+v", out, in)
	}
}

// Restore refuses a checkpoint that lacks a variable or holds one more, or
// one of another type, naming them; a damaged member (its CRC) is an error.
func TestCheckpointRestoreIsStrict(t *testing.T) {
	dir := t.TempDir()
	in := sampleVars()
	if err := WriteCheckpoint(dir, CheckpointInfo{Version: "9.9"}, in.list()); err != nil {
		t.Fatal(err)
	}
	restore := func(vars []Var) error {
		ck, err := OpenCheckpoint(dir)
		if err != nil {
			t.Fatal(err)
		}
		defer ck.Close()
		return ck.Restore(vars)
	}
	var out ckVars
	all := out.list()
	var extra []float32
	cases := []struct {
		name string
		vars []Var
		want string
	}{
		{"lacks", append(all[:len(all):len(all)], Var{Name: "state/x", Ptr: &extra}), "it lacks state/x"},
		{"holds more", all[1:], "it holds state/f32, which this version does not restore"},
		{"nil one more", append(append([]Var{}, all[:5]...), all[6:]...), "it holds host/nil"},
		{"other type", append([]Var{{Name: "state/f32", Ptr: &out.F64}}, all[1:]...), "state/f32.npy holds []float32 of shape [4]; state/f32 is a *[]float64"},
		{"scalar as array", append(append([]Var{}, all[:6]...), append([]Var{{Name: "host/step", Ptr: &out.U64}}, all[7:]...)...), "host/step.npy holds []uint64 of shape []"},
	}
	for _, c := range cases {
		err := restore(c.vars)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error containing %q", c.name, err, c.want)
		}
	}
	// Another version's checkpoint is named as such; this version's, with a
	// member missing, is damaged, not of another version.
	if err := restore(cases[0].vars); err == nil || !strings.Contains(err.Error(), "(engine version 9.9) does not hold this version's state") {
		t.Errorf("another version: %v", err)
	}
	own := t.TempDir()
	if err := WriteCheckpoint(own, CheckpointInfo{Version: model.Version}, in.list()); err != nil {
		t.Fatal(err)
	}
	ck, err := OpenCheckpoint(own)
	if err != nil {
		t.Fatal(err)
	}
	err = ck.Restore(cases[0].vars)
	ck.Close()
	if err == nil || !strings.Contains(err.Error(), "is damaged: it lacks state/x, yet it names this engine version") || strings.Contains(err.Error(), "finish the run with the version") {
		t.Errorf("this version's checkpoint lacking a member: %v", err)
	}

	// An array where a scalar belongs, the empty one included (its element
	// must not be read), is refused with its shape.
	arrays := t.TempDir()
	one, empty := []float32{1, 2}, []uint64{}
	if err := WriteCheckpoint(arrays, CheckpointInfo{Version: "9.9"}, []Var{{Name: "host/two", Ptr: &one}, {Name: "host/none", Ptr: &empty}}); err != nil {
		t.Fatal(err)
	}
	var f32 float32
	var u64 uint64
	for _, c := range []struct {
		v    Var
		want string
	}{
		{Var{Name: "host/two", Ptr: &f32}, "host/two.npy: shape [2]; want a scalar"},
		{Var{Name: "host/none", Ptr: &u64}, "host/none.npy: shape [0]; want a scalar"},
	} {
		ck, err := OpenCheckpoint(arrays)
		if err != nil {
			t.Fatal(err)
		}
		vars := []Var{{Name: "host/two", Ptr: &one}, {Name: "host/none", Ptr: &empty}}
		for i := range vars {
			if vars[i].Name == c.v.Name {
				vars[i] = c.v
			}
		}
		err = ck.Restore(vars)
		ck.Close()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s restored into a scalar: %v, want an error containing %q", c.v.Name, err, c.want)
		}
	}

	// Flip a byte inside the data of state/f32: the zip CRC catches it.
	path := filepath.Join(dir, CheckpointFile)
	b, _ := os.ReadFile(path)
	i := strings.Index(string(b), "'shape': (4,)")
	j := strings.Index(string(b[i:]), "\n") + i + 1 // first data byte after the header
	b[j] ^= 0x40
	os.WriteFile(path, b, 0o644)
	if err := restore(all); err == nil || !strings.Contains(err.Error(), "checksum") {
		t.Errorf("damaged member: %v, want a checksum error", err)
	}

	if _, err := OpenCheckpoint(t.TempDir()); !errors.Is(err, ErrNoCheckpoint) {
		t.Errorf("no checkpoint: %v", err)
	}
	os.WriteFile(path, []byte("not a zip"), 0o644)
	if _, err := OpenCheckpoint(dir); err == nil || !strings.Contains(err.Error(), "not a readable checkpoint") {
		t.Errorf("garbage: %v", err)
	}
}

// numpy reads checkpoint.npz with np.load: every array, and the info as the
// bytes of its JSON member.
func TestCheckpointNumpy(t *testing.T) {
	py := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import numpy").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("no Python with numpy (apt-get install python3-numpy)")
	}
	dir := t.TempDir()
	if err := WriteCheckpoint(dir, CheckpointInfo{Version: "9.9", TrialsDone: 12}, sampleVars().list()); err != nil {
		t.Fatal(err)
	}
	script := `
import sys, json, numpy as np
z = np.load(sys.argv[1])
print(sorted(z.files))
print(z["state/u8"].tolist(), z["host/step"].item(), z["host/step"].shape, z["host/sent"].item(), z["host/u64"].dtype.str)
print(json.loads(z["checkpoint.json"])["trials_done"], json.loads(z["checkpoint.json"])["absent"])
`
	out, err := exec.Command(py, "-c", script, filepath.Join(dir, CheckpointFile)).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	want := `['checkpoint.json', 'host/f64', 'host/g32', 'host/gate', 'host/i64', 'host/n', 'host/sent', 'host/step', 'host/u64', 'state/f32', 'state/u8']
[0, 1, 255] 1099511627779 () 1 <u8
12 ['host/nil']
`
	if string(out) != want {
		t.Errorf("numpy printed\n%s\nwant\n%s", out, want)
	}
}
