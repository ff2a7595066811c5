package rundir_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
)

// FuzzReadTrials: any bytes as trials.csv. ReadTrials never panics; its
// errors are short, printable and wrap ErrBadTrials; what it accepts has
// every recorded trial on a row of its own and every trial number once.
func FuzzReadTrials(f *testing.F) {
	head := strings.Join(rundir.TrialsColumns, ",") + "\n"
	line := "0,1,0,task,task,0.3,0,none,noise,1,0,1\n"
	for _, s := range []string{
		head, head + line, head + line + line, head + line[:20],
		"recorded,coherence,mode,block,session\n1,0.3,task,0,1\n0,-0.3,task,0,1\n",
		"session,block,mode,coherence,recorded,row\n1,0,task,0.3,1,0\n1,0,task,-0.3,1,0\n",
		"session,block,mode,coherence,recorded\n1,0,task,NaN,1\n",
		"session,block,mode,coherence,recorded\n1,0,task,1e400,1\n",
		"\x00\x01\x02\xff\xfe\"\n\"",
		strings.Repeat("a", 5000) + "\n",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		trials, err := rundir.ReadTrials(bytes.NewReader(b))
		if err != nil {
			msg := err.Error()
			if len(msg) > 1000 || strings.ContainsFunc(msg, func(r rune) bool { return r < ' ' && r != '\t' }) {
				t.Fatalf("error of %d bytes: %q", len(msg), msg)
			}
			return
		}
		rows, nums := map[int]bool{}, map[int]bool{}
		for i, tr := range trials {
			if tr.Recorded {
				if tr.Row < 0 || rows[tr.Row] {
					t.Fatalf("trial %d: row %d", i, tr.Row)
				}
				rows[tr.Row] = true
			} else if tr.Row != -1 {
				t.Fatalf("unrecorded trial %d on row %d", i, tr.Row)
			}
			if tr.Trial >= 0 {
				if nums[tr.Trial] {
					t.Fatalf("trial number %d twice", tr.Trial)
				}
				nums[tr.Trial] = true
			}
		}
	})
}

// FuzzOpen: a tiny run directory with one file cut, overwritten at one byte,
// grown by a byte, removed, or a trials.csv line repeated: what a crash, a
// full disk or a hand edit can leave. rundir.Open never panics, and the
// analysis of whatever Open accepts never panics either (issue 14 items 1, 7
// and 9).
func FuzzOpen(f *testing.F) {
	files, err := tinyRun()
	if err != nil {
		f.Fatal(err)
	}
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	idx := func(name string) uint8 { return uint8(slices.Index(names, name)) }
	// mode: 0 cut at off, 1 set byte at off to val, 2 insert val at off,
	// 3 remove the file, 4 repeat a trials.csv line, 5 keep the first off
	// rows of the streamed arrays and lines of trials.csv (a prefix).
	f.Add(idx(rundir.WSessionsFile), uint32(0), byte(0), uint8(5))
	f.Add(idx(rundir.WSessionsFile), uint32(300), byte(0), uint8(0))
	f.Add(idx(rundir.TrialsFile), uint32(100), byte(0), uint8(0))
	f.Add(idx(rundir.TrialsFile), uint32(3), byte(0), uint8(4))
	f.Add(idx(rundir.ConfigFile), uint32(0), byte(0), uint8(0))
	f.Add(idx(rundir.ConfigFile), uint32(200), byte('9'), uint8(1))
	f.Add(idx(rundir.StatusFile), uint32(0), byte(0), uint8(0))
	f.Add(idx(rundir.ResponsesFile), uint32(60), byte('9'), uint8(1))
	f.Add(idx(rundir.EdgesFile), uint32(130), byte(0xff), uint8(1))
	f.Add(idx(rundir.SpineOwnerFile), uint32(130), byte(0x7f), uint8(1))
	f.Add(idx(rundir.FramesFile), uint32(0), byte(0), uint8(3))
	f.Add(uint8(0), uint32(7), byte(0), uint8(5))
	f.Add(uint8(0), uint32(1), byte(0), uint8(5))
	f.Fuzz(func(t *testing.T, which uint8, off uint32, val byte, mode uint8) {
		fs := map[string][]byte{}
		for k, v := range files {
			fs[k] = bytes.Clone(v)
		}
		name := names[int(which)%len(names)]
		b := fs[name]
		o := int(off) % (len(b) + 1)
		switch mode % 6 {
		case 0:
			fs[name] = b[:o]
		case 1:
			if o < len(b) {
				b[o] = val
			}
		case 2:
			fs[name] = append(b[:o:o], append([]byte{val}, b[o:]...)...)
		case 3:
			delete(fs, name)
		case 4:
			lines := bytes.SplitAfter(fs[rundir.TrialsFile], []byte("\n"))
			k := 1 + int(off)%(len(lines)-1)
			lines = slices.Insert(lines, k, lines[k])
			fs[rundir.TrialsFile] = bytes.Join(lines, nil)
		case 5:
			prefix(t, fs, int(off)%20)
		}
		dir := t.TempDir()
		for n, b := range fs {
			os.WriteFile(filepath.Join(dir, n), b, 0o644)
		}
		d, err := rundir.Open(dir, nil)
		if err != nil {
			if len(err.Error()) > 2000 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		analysis.Compute(d, analysis.Options{Subsets: 3, TimeSubsets: 1, SpatialMaxPairs: 50})
	})
}

// prefix cuts the tiny run to its first k trials, as a kill -9 leaves it.
func prefix(t *testing.T, fs map[string][]byte, k int) {
	lines := bytes.SplitAfter(fs[rundir.TrialsFile], []byte("\n"))
	if k+1 < len(lines) {
		fs[rundir.TrialsFile] = bytes.Join(lines[:k+1], nil)
	}
	trials, err := rundir.ReadTrials(bytes.NewReader(fs[rundir.TrialsFile]))
	if err != nil {
		t.Fatal(err)
	}
	rec := 0
	for _, tr := range trials {
		if tr.Recorded {
			rec++
		}
	}
	cutRows(t, fs, rundir.ResponsesFile, rec)
	cutRows(t, fs, rundir.FramesFile, len(trials))
	cutRows(t, fs, rundir.WSessionsFile, min(k/8, 2))
	delete(fs, rundir.WFinalFile)
	delete(fs, rundir.GainFinalFile)
}

// cutRows keeps the first rows of the .npy array fs[name].
func cutRows(t *testing.T, fs map[string][]byte, name string, rows int) {
	dir := t.TempDir()
	path := filepath.Join(dir, name)
	os.WriteFile(path, fs[name], 0o644)
	shape, data, err := npy.Read(path)
	if err != nil {
		t.Fatal(err)
	}
	rows = min(rows, shape[0])
	per := 1
	for _, s := range shape[1:] {
		per *= s
	}
	shape[0] = rows
	switch d := data.(type) {
	case []uint16:
		err = npy.WriteFile(path, shape, d[:rows*per])
	case []float32:
		err = npy.WriteFile(path, shape, d[:rows*per])
	}
	if err != nil {
		t.Fatal(err)
	}
	fs[name], _ = os.ReadFile(path)
}

// FuzzManifest: any bytes as manifest.json. ParseManifest never panics; its
// errors are short and printable; what it accepts is a consistent manifest
// (every file a run directory's, offsets within sizes, the identity's sums
// those of its files), which reads back unchanged from its JSON.
func FuzzManifest(f *testing.F) {
	// A manifest built by hand (no simulation in the fuzz workers).
	sum := func(c byte) string { return strings.Repeat(string(c), 64) }
	m0 := &rundir.Manifest{Format: rundir.ManifestFormat, State: rundir.ManifestCheckpoint, TrialsDone: 5, Files: map[string]rundir.FileSum{
		rundir.ConfigFile:     {Size: 100, SHA256: sum('c')},
		rundir.CheckpointFile: {Size: 900, SHA256: sum('d')},
		rundir.TrialsFile:     {Size: 300, SHA256: sum('e'), Prefix: true},
		rundir.ResponsesFile:  {Size: 700, Offset: 256, SHA256: sum('f'), Prefix: true},
	}}
	for i, n := range rundir.NetworkFiles {
		m0.Files[n] = rundir.FileSum{Size: int64(200 + i), SHA256: sum(byte('0' + i))}
	}
	m0.Identity = rundir.Identity{Version: "0.0.0", Seed: 1, ConfigSHA256: sum('c'), NetworkSHA256: rundir.NetworkSHA256(m0.Files)}
	good, err := json.MarshalIndent(m0, "", "  ")
	if err != nil {
		f.Fatal(err)
	}
	if _, err := rundir.ParseManifest(good); err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add([]byte(`{"format":1,"state":"checkpoint","files":{}}`))
	f.Add(bytes.Replace(good, []byte(`"checkpoint"`), []byte(`"complete"`), 1))
	f.Add(bytes.Replace(good, []byte(`"size": `), []byte(`"size": -`), 1))
	f.Add(bytes.Replace(good, []byte(`"theta.npy"`), []byte(`"../theta.npy"`), 1))
	f.Add(good[:len(good)/2])
	f.Add([]byte("\x00\xff{"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := rundir.ParseManifest(b)
		if err != nil {
			msg := err.Error()
			if len(msg) > 1000 || strings.ContainsFunc(msg, func(r rune) bool { return r < ' ' && r != '\t' }) {
				t.Fatalf("error of %d bytes: %q", len(msg), msg)
			}
			return
		}
		for name, s := range m.Files {
			if strings.ContainsAny(name, `/\`) || s.Offset > s.Size || s.Size < 0 {
				t.Fatalf("accepted %q: %+v", name, s)
			}
		}
		if rundir.NetworkSHA256(m.Files) != m.NetworkSHA256 || m.Files[rundir.ConfigFile].SHA256 != m.ConfigSHA256 {
			t.Fatalf("accepted an inconsistent identity: %+v", m.Identity)
		}
		b2, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := rundir.ParseManifest(b2)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("round trip: %v, %+v, want %+v", err, m2, m)
		}
	})
}

// FuzzCheckpoint: any bytes as checkpoint.npz. OpenCheckpoint and Restore
// never panic; a restore either fails or fills every variable with its
// type.
func FuzzCheckpoint(f *testing.F) {
	dir := f.TempDir()
	w := []float32{0.1, 0.5, 1}
	step, gate, on := uint64(42), 0.75, true
	var absent []float64
	vars := func(w *[]float32, step *uint64, gate *float64, on *bool, absent *[]float64) []rundir.Var {
		return []rundir.Var{{Name: "state/w", Ptr: w}, {Name: "host/step", Ptr: step}, {Name: "host/gate", Ptr: gate}, {Name: "host/on", Ptr: on}, {Name: "host/absent", Ptr: absent}}
	}
	info := rundir.CheckpointInfo{Version: "v", Seed: 3, TrialsDone: 2, TrialsTotal: 9, TrialLines: 2, FramesRows: 2,
		Files: map[string]rundir.FileSum{rundir.TrialsFile: {Size: 10, SHA256: strings.Repeat("a", 64), Prefix: true}}}
	if err := rundir.WriteCheckpoint(dir, info, vars(&w, &step, &gate, &on, &absent)); err != nil {
		f.Fatal(err)
	}
	good, err := os.ReadFile(filepath.Join(dir, rundir.CheckpointFile))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(good[:len(good)/2])
	for _, at := range []int{40, len(good) / 2, len(good) - 30} {
		b := bytes.Clone(good)
		b[at] ^= 0x10
		f.Add(b)
	}
	f.Add([]byte("PK\x03\x04"))
	work := f.TempDir() // one per process: the fuzz function runs one input at a time
	f.Fuzz(func(t *testing.T, b []byte) {
		d := work
		if err := os.WriteFile(filepath.Join(d, rundir.CheckpointFile), b, 0o644); err != nil {
			t.Fatal(err)
		}
		ck, err := rundir.OpenCheckpoint(d)
		if err != nil {
			return
		}
		defer ck.Close()
		var w2 []float32
		var step2 uint64
		var gate2 float64
		var on2 bool
		absent2 := []float64{1}
		if err := ck.Restore(vars(&w2, &step2, &gate2, &on2, &absent2)); err != nil {
			if len(err.Error()) > 2000 {
				t.Fatalf("error of %d bytes", len(err.Error()))
			}
			return
		}
		if absent2 != nil && len(absent2) == 0 {
			t.Fatalf("absent restored as an empty, not a nil, slice")
		}
	})
}
