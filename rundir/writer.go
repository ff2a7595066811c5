package rundir

import (
	"encoding/csv"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/npy"
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
	rows    int
	closed  bool
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
	return &Writer{dir: dir, lock: lock}, nil
}

// Dir is the run directory.
func (w *Writer) Dir() string { return w.dir }

func (w *Writer) path(name string) string { return filepath.Join(w.dir, name) }

// WriteConfig writes config.yaml: the resolved configuration with the engine
// version and the seed, which iplgpu run -config reruns.
func (w *Writer) WriteConfig(cfg *model.Config) error {
	return WriteBytesAtomic(w.path(ConfigFile), model.ResolvedYAML(cfg))
}

// WriteStatus writes run.json atomically.
func (w *Writer) WriteStatus(s *Status) error { return WriteStatus(w.dir, s) }

// WriteNetwork writes the anatomy as .npy arrays.
func (w *Writer) WriteNetwork(net *model.Network) error {
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
	files := []struct {
		name  string
		shape []int
		data  any
	}{
		{SomaPosFile, []int{net.N, 3}, soma},
		{ThetaFile, []int{net.N}, net.Theta},
		{SpinePosFile, []int{net.Spines(), 3}, spine},
		{SpinePhiFile, []int{net.Spines()}, net.Phi},
		{SpineOwnerFile, []int{net.Spines()}, owner},
		{EdgesFile, []int{net.Edges(), 2}, edges},
	}
	for _, f := range files {
		if err := npy.WriteFile(w.path(f.name), f.shape, f.data); err != nil {
			return err
		}
	}
	return nil
}

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
	w.csv = csv.NewWriter(w.csvFile)
	if err := w.csv.Write(TrialsColumns); err != nil {
		return err
	}
	w.csv.Flush()
	return w.csv.Error()
}

// AppendTrial records one finished trial: its counts (bins x neurons) as the
// next row of responses.npy when t.Recorded (t.Row is set to that row, else to
// -1), its frame orientations (rad; stored in degrees) as the next row of
// frames.npy, and t as the next line of trials.csv.
func (w *Writer) AppendTrial(t *TrialRecord, counts []uint16, framesRad []float32) error {
	t.Row = -1
	if t.Recorded {
		if err := w.resp.Append(counts); err != nil {
			return err
		}
		t.Row = w.rows
		w.rows++
	}
	deg := make([]float32, len(framesRad))
	for i, f := range framesRad {
		deg[i] = f * 180 / math.Pi
	}
	if err := w.frames.Append(deg); err != nil {
		return err
	}
	if err := w.csv.Write(t.fields()); err != nil {
		return err
	}
	w.csv.Flush()
	return w.csv.Error()
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
	return npy.WriteFile(w.path(GainFinalFile), []int{len(gain)}, gain)
}

// Close closes every stream, leaving each file valid, and releases the lock.
// Closing twice is a no-op.
func (w *Writer) Close() error {
	if w.closed {
		return nil
	}
	w.closed = true
	var errs []error
	for _, s := range []*npy.StreamWriter{w.resp, w.frames, w.wsnap} {
		if s != nil {
			errs = append(errs, s.Close())
		}
	}
	if w.csvFile != nil {
		w.csv.Flush()
		errs = append(errs, w.csv.Error(), w.csvFile.Close())
	}
	if w.lock != nil {
		errs = append(errs, w.lock.Close())
	}
	return errors.Join(errs...)
}
