package rundir

import (
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/npy"
)

// Writer writes one run directory. It holds the directory's lock from Create to
// Close, streams the per-trial files so that after every AppendTrial each of
// them is valid and describes the same finished trials, and writes everything
// else whole.
type Writer struct {
	dir     string
	lock    *os.File
	resp    *npy.StreamWriter
	frames  *npy.StreamWriter
	wsnap   *npy.StreamWriter
	csvFile *os.File
	csv     *csv.Writer
	rows    int // rows of responses.npy
	lines   int // lines of trials.csv after its header
	closed  bool
	// configSum is the SHA-256 of config.yaml as written (or found, when
	// reopened), which checkpoints record.
	configSum string
	seed      uint64
	// sums holds the whole files written (config.yaml, the network, the
	// final arrays); hashes the streamed files' bytes so far.
	sums     map[string]FileSum
	hashes   map[string]*streamHash
	csvBytes *countWriter
	// changed is set once a resumed run's files are changed (see Changed).
	changed bool
	// reopened is the info of the checkpoint Reopen found (nil: none), which
	// ResumeRecording cuts the streamed files back to.
	reopened *CheckpointInfo
}

// countWriter counts the bytes written through it.
type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

// Create claims dir for a new run: it creates dir (and its parents) if needed,
// takes its lock, and refuses when another process holds the lock or when dir
// holds any file, so that no earlier run is overwritten and two runs can never
// write one directory.
func Create(dir string) (*Writer, error) {
	if err := CheckNew(dir); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("output directory: %w", err)
	}
	lock, err := claim(dir)
	if err != nil {
		return nil, err
	}
	if err := CheckNew(dir); err != nil { // again, under the lock
		lock.Close()
		return nil, err
	}
	return &Writer{dir: dir, lock: lock, sums: map[string]FileSum{}, hashes: map[string]*streamHash{}}, nil
}

// Dir is the run directory.
func (w *Writer) Dir() string { return w.dir }

func (w *Writer) path(name string) string { return filepath.Join(w.dir, name) }

// WriteConfig writes config.yaml: the resolved configuration with the engine
// version and the seed, which iplgpu run -config reruns.
func (w *Writer) WriteConfig(cfg *model.Config) error {
	b := model.ResolvedYAML(cfg)
	if err := WriteBytesAtomic(w.path(ConfigFile), b); err != nil {
		return err
	}
	w.configSum = ConfigSHA256(b)
	w.seed = cfg.Seed
	w.sums[ConfigFile] = FileSum{Size: int64(len(b)), SHA256: w.configSum}
	return nil
}

// sumWritten records the sum of a whole file just written.
func (w *Writer) sumWritten(name string) error {
	s, err := SumFile(w.path(name))
	if err != nil {
		return err
	}
	w.sums[name] = s
	return nil
}

// WriteStatus writes run.json atomically.
func (w *Writer) WriteStatus(s *Status) error { return WriteStatus(w.dir, s) }

// RemoveCheckpoint removes checkpoint.npz (RemoveCheckpoint), which a
// complete run no longer needs.
func (w *Writer) RemoveCheckpoint() error { return RemoveCheckpoint(w.dir) }

type networkFile struct {
	name  string
	shape []int
	data  any
}

// networkFiles are the network's arrays as WriteNetwork writes them.
func networkFiles(net *model.Network) []networkFile {
	soma := make([]float32, 0, 3*net.N)
	for i := 0; i < net.N; i++ {
		soma = append(soma, net.SomaX[i], net.SomaY[i], net.SomaZ[i])
	}
	spine := make([]float32, 0, 3*net.Spines())
	owner := make([]int32, net.Spines())
	for k := 0; k < net.Spines(); k++ {
		spine = append(spine, net.SpineX[k], net.SpineY[k], net.SpineZ[k])
		owner[k] = int32(k / net.M)
	}
	edges := make([]int32, 0, 2*net.Edges())
	for e := range net.EdgeA {
		edges = append(edges, net.EdgeA[e], net.EdgeB[e])
	}
	return []networkFile{
		{SomaPosFile, []int{net.N, 3}, soma},
		{ThetaFile, []int{net.N}, net.Theta},
		{SpinePosFile, []int{net.Spines(), 3}, spine},
		{SpinePhiFile, []int{net.Spines()}, net.Phi},
		{SpineOwnerFile, []int{net.Spines()}, owner},
		{EdgesFile, []int{net.Edges(), 2}, edges},
	}
}

// WriteNetwork writes the anatomy as .npy arrays.
func (w *Writer) WriteNetwork(net *model.Network) error {
	for _, f := range networkFiles(net) {
		if err := npy.WriteFile(w.path(f.name), f.shape, f.data); err != nil {
			return err
		}
		if err := w.sumWritten(f.name); err != nil {
			return err
		}
	}
	return nil
}

// CheckNetwork compares the network files of a resumed run with the files
// this engine writes for net (the network its config.yaml builds), and
// refuses any that differ, is missing, or was not what the checkpoint
// recorded: a resumed run continues only on its own network.
func (w *Writer) CheckNetwork(net *model.Network) error {
	for _, f := range networkFiles(net) {
		h := sha256.New()
		cw := &countWriter{w: h}
		if err := npy.Encode(cw, f.name, f.shape, f.data); err != nil {
			return err
		}
		want := FileSum{Size: cw.n, SHA256: hex.EncodeToString(h.Sum(nil))}
		got, err := SumFile(w.path(f.name))
		if err != nil {
			return Refusal{fmt.Errorf("cannot resume: %s: %w (the network files are part of the run; restore them or start a new run)", w.path(f.name), err)}
		}
		if got != want {
			return Refusal{fmt.Errorf("cannot resume: %s is not the network file config.yaml's network gives (%d bytes, SHA-256 %.12s...; want %d bytes, %.12s...): it was changed or comes from another run", w.path(f.name), got.Size, got.SHA256, want.Size, want.SHA256)}
		}
		if rec, ok := w.sums[f.name]; ok && rec != want {
			return Refusal{fmt.Errorf("cannot resume: %s differs from what the checkpoint recorded", w.path(f.name))}
		}
		w.sums[f.name] = want
	}
	return nil
}

// Refusal is an error that refuses to continue a run before anything in its
// directory was changed.
type Refusal struct{ Err error }

func (r Refusal) Error() string { return r.Err.Error() }
func (r Refusal) Unwrap() error { return r.Err }

// Changed says whether a reopened run's files have been changed yet
// (ResumeRecording cuts them): until then a refusal leaves the directory as
// it was.
func (w *Writer) Changed() bool { return w.changed }

// StartRecording creates the streamed files: responses.npy (rows of bins x
// neurons), frames.npy (rows of frames), trials.csv (its header) and, when
// snapshots is set, w_sessions.npy (rows of edges).
func (w *Writer) StartRecording(bins, neurons, frames, edges int, snapshots bool) error {
	var err error
	if w.resp, err = npy.Create(w.path(ResponsesFile), []uint16(nil), []int{bins, neurons}); err != nil {
		return err
	}
	if w.frames, err = npy.Create(w.path(FramesFile), []float32(nil), []int{frames}); err != nil {
		return err
	}
	if snapshots {
		if w.wsnap, err = npy.Create(w.path(WSessionsFile), []float32(nil), []int{edges}); err != nil {
			return err
		}
	}
	if w.csvFile, err = os.Create(w.path(TrialsFile)); err != nil {
		return err
	}
	w.csvBytes = &countWriter{w: w.csvFile}
	w.csv = csv.NewWriter(w.csvBytes)
	for _, s := range w.streams() {
		w.hashes[s.name] = &streamHash{h: sha256.New(), off: s.off, done: s.off}
	}
	if err := w.csv.Write(TrialsColumns); err != nil {
		return err
	}
	w.csv.Flush()
	return w.csv.Error()
}

// AppendTrial records one finished trial: t as the next line of trials.csv,
// then its counts (bins x neurons) as the next row of responses.npy when
// t.Recorded (t.Row is set to that row, else to -1), then its frame
// orientations (rad; stored in degrees) as the next row of frames.npy. The
// line comes first so that the arrays never hold a row that trials.csv does
// not describe, however the process is stopped.
func (w *Writer) AppendTrial(t *TrialRecord, counts []uint16, framesRad []float32) error {
	t.Row = -1
	if t.Recorded {
		t.Row = w.rows
	}
	if err := w.csv.Write(trialFields(t)); err != nil {
		return err
	}
	w.csv.Flush()
	if err := w.csv.Error(); err != nil {
		return err
	}
	w.lines++
	if t.Recorded {
		if err := w.resp.Append(counts); err != nil {
			return err
		}
		w.rows++
	}
	deg := make([]float32, len(framesRad))
	for i, f := range framesRad {
		deg[i] = f * 180 / math.Pi
	}
	return w.frames.Append(deg)
}

// Rows is the number of recorded trials so far (rows of responses.npy).
func (w *Writer) Rows() int { return w.rows }

// AppendWSnapshot adds the structural weights of every edge as the next row of
// w_sessions.npy; it does nothing when snapshots are off.
func (w *Writer) AppendWSnapshot(wv []float32) error {
	if w.wsnap == nil {
		return nil
	}
	return w.wsnap.Append(wv)
}

// WriteFinal writes w_final.npy (w of every edge) and gain_final.npy (the
// homeostatic gain of every neuron) at the end of a run.
func (w *Writer) WriteFinal(wv, gain []float32) error {
	if err := npy.WriteFile(w.path(WFinalFile), []int{len(wv)}, wv); err != nil {
		return err
	}
	if err := w.sumWritten(WFinalFile); err != nil {
		return err
	}
	if err := npy.WriteFile(w.path(GainFinalFile), []int{len(gain)}, gain); err != nil {
		return err
	}
	return w.sumWritten(GainFinalFile)
}

// stream is one streamed file as it stands: its name, where its rows start
// and its size with the rows written.
type stream struct {
	name      string
	off, size int64
}

// streams lists the streamed files being written.
func (w *Writer) streams() []stream {
	var out []stream
	if w.csvBytes != nil {
		out = append(out, stream{TrialsFile, 0, w.csvBytes.n})
	}
	for _, s := range []struct {
		name string
		s    *npy.StreamWriter
	}{{ResponsesFile, w.resp}, {FramesFile, w.frames}, {WSessionsFile, w.wsnap}} {
		if s.s != nil {
			out = append(out, stream{s.name, s.s.DataOffset(), s.s.Size()})
		}
	}
	return out
}

// identity is the run's identity from the sums recorded so far.
func (w *Writer) identity() Identity {
	return Identity{Version: model.Version, Seed: w.seed, ConfigSHA256: w.configSum, NetworkSHA256: NetworkSHA256(w.sums)}
}

// Finish closes the streamed files and writes the complete run's manifest:
// every file whole. The caller then says complete in run.json.
func (w *Writer) Finish(trialsDone int) error {
	if err := w.closeStreams(); err != nil {
		return err
	}
	m := &Manifest{Identity: w.identity(), State: ManifestComplete, TrialsDone: trialsDone, Files: map[string]FileSum{}}
	for n, s := range w.sums {
		m.Files[n] = s
	}
	for _, n := range streamedFiles {
		if _, ok := w.hashes[n]; !ok {
			continue
		}
		s, err := SumFile(w.path(n))
		if err != nil {
			return err
		}
		m.Files[n] = s
	}
	return WriteManifest(w.dir, m)
}

// WriteCheckpoint syncs the streamed files to stable storage, then writes
// checkpoint.npz (WriteCheckpoint) with the position at and vars; the rest of
// its info (the engine version, the seed, ConfigSHA256 and the recorder
// counts TrialLines, ResponsesRows, FramesRows, WSnapshots) it fills from what
// this Writer has written: a checkpoint never counts a row that is not on
// disk.
func (w *Writer) WriteCheckpoint(at model.CheckpointAt, vars []Var) error {
	if w.csv == nil {
		return errors.New("rundir: WriteCheckpoint before StartRecording")
	}
	info := CheckpointInfo{Version: model.Version, Seed: w.seed, Backend: at.Backend,
		TrialsDone: at.TrialsDone, TrialsTotal: at.TrialsTotal, Block: at.Block, TrialInBlock: at.TrialInBlock}
	w.csv.Flush()
	errs := []error{w.csv.Error(), w.csvFile.Sync()}
	for _, s := range []*npy.StreamWriter{w.resp, w.frames, w.wsnap} {
		if s != nil {
			errs = append(errs, s.Sync())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	info.ConfigSHA256 = w.configSum
	info.TrialLines, info.ResponsesRows, info.FramesRows = w.lines, w.rows, w.frames.Rows()
	info.WSnapshots = 0
	if w.wsnap != nil {
		info.WSnapshots = w.wsnap.Rows()
	}
	// The checkpoint records the sums of every file so far, the streamed
	// ones up to here (hashing only the rows since the last checkpoint).
	info.Files = map[string]FileSum{}
	for n, s := range w.sums {
		info.Files[n] = s
	}
	for _, s := range w.streams() {
		sh := w.hashes[s.name]
		if err := sh.advance(w.path(s.name), s.size); err != nil {
			return err
		}
		info.Files[s.name] = sh.sum()
	}
	info.NetworkSHA256 = NetworkSHA256(w.sums)
	ckSum, err := writeCheckpoint(w.dir, info, vars)
	if err != nil {
		return err
	}
	m := &Manifest{Identity: w.identity(), State: ManifestCheckpoint, TrialsDone: info.TrialsDone, Files: info.Files}
	m.Files[CheckpointFile] = ckSum
	return WriteManifest(w.dir, m)
}

// Close closes every stream, leaving each file valid, and releases the lock.
// Closing twice is a no-op.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	errs := []error{w.closeStreams()}
	if w.lock != nil {
		errs = append(errs, w.lock.Close())
	}
	return errors.Join(errs...)
}

// closeStreams closes every streamed file, leaving each valid; closing
// twice is a no-op.
func (w *Writer) closeStreams() error {
	var errs []error
	for _, s := range []*npy.StreamWriter{w.resp, w.frames, w.wsnap} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	if w.csvFile != nil {
		w.csv.Flush()
		errs = append(errs, w.csv.Error(), w.csvFile.Close())
		w.csvFile = nil
	}
	return errors.Join(errs...)
}
