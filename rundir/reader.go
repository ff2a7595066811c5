package rundir

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/npy"
)

// Recording is what any recording in the run-directory layout holds, iplgpu's
// or a user's: the counts and the trial table.
type Recording struct {
	Dir       string
	Responses fisher.Responses // trials x bins x neurons spike counts (responses.npy)
	Trials    []TrialRecord    // every line of trials.csv, recorded or not
}

// Run is everything an iplgpu run directory holds, read and cross-checked.
type Run struct {
	Recording
	Config     *model.Config
	ConfigYAML []byte
	Status     Status // run.json (zero when missing: HasStatus false)
	HasStatus  bool

	Frames         []float32 // trials x frames orientations (deg), rows as trials.csv lines
	FramesPerTrial int
	FrameRows      int

	SomaPos    []float32 // neurons x 3 (um); nil when soma_pos.npy is missing
	Theta      []float32 // preferred orientation per neuron (rad)
	Owner      []int32   // owner neuron per spine
	EdgeA      []int32   // spine a of each candidate contact
	EdgeB      []int32   // spine b
	WSnapshots [][]float32
	WFinalOnly bool // WSnapshots holds w_final.npy alone (no w_sessions.npy)
}

// Notef receives what a reader noticed and worked around (may be nil).
type Notef func(format string, a ...any)

func (n Notef) note(format string, a ...any) {
	if n != nil {
		n(format, a...)
	}
}

// missing wraps a file error so that the message names the file and says what
// it is.
func missing(path, what string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: missing (%s); is %s a complete iplgpu run directory?", path, what, filepath.Dir(path))
	}
	return fmt.Errorf("%s: %w", path, err)
}

func checkDir(dir string) error {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("run directory %s does not exist", dir)
		}
		return fmt.Errorf("run directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory; give the run directory that iplgpu run wrote", dir)
	}
	return nil
}

// OpenRecording reads responses.npy and trials.csv of dir. Recorded trials
// whose row responses.npy does not hold (a run stopped between the two
// writes) are marked not recorded, with a note.
func OpenRecording(dir string, notef Notef) (*Recording, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	r := &Recording{Dir: dir}
	respPath := filepath.Join(dir, ResponsesFile)
	shape, data, err := npy.Read(respPath)
	if err != nil {
		return nil, missing(respPath, "the recorded spike counts", err)
	}
	if r.Responses, err = fisher.NewResponses(shape, data); err != nil {
		return nil, fmt.Errorf("%s: %w", respPath, err)
	}
	trialsPath := filepath.Join(dir, TrialsFile)
	tb, err := os.ReadFile(trialsPath)
	if err != nil {
		return nil, missing(trialsPath, "the trial table", err)
	}
	if r.Trials, err = ReadTrials(bytes.NewReader(tb)); err != nil {
		return nil, fmt.Errorf("%s: %w", trialsPath, err)
	}
	dropped := 0
	for i := range r.Trials {
		if t := &r.Trials[i]; t.Row >= r.Responses.Trials {
			t.Row, t.Recorded = -1, false
			dropped++
		}
	}
	if dropped > 0 {
		notef.note("%d recorded trials of %s have no row in %s (%d rows); they are left out", dropped, trialsPath, respPath, r.Responses.Trials)
	}
	return r, nil
}

// Open reads and cross-checks a whole run directory. Missing or malformed
// files are errors naming the file; an interrupted or failed run is read with
// a note (every prefix of a run is a valid run directory).
func Open(dir string, notef Notef) (*Run, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	d := &Run{}
	path := func(name string) string { return filepath.Join(dir, name) }
	var err error

	cfgPath := path(ConfigFile)
	if d.ConfigYAML, err = os.ReadFile(cfgPath); err != nil {
		return nil, missing(cfgPath, "the resolved configuration", err)
	}
	if d.Config, err = model.LoadConfig("", cfgPath, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}

	if d.Status, d.HasStatus, err = ReadStatus(dir); err != nil {
		return nil, err
	}
	switch {
	case !d.HasStatus:
		notef.note("%s is missing: run status and timings unknown; analysing what the directory holds", path(StatusFile))
	case d.Status.State == StateComplete:
	case d.Status.State == StateInterrupted || d.Status.State == StateRunning:
		notef.note("warning: the run stopped after %d of %d trials (status %q); analysing the trials that finished", d.Status.TrialsDone, d.Status.TrialsTotal, d.Status.State)
	default:
		notef.note("warning: run.json says status %q (%s); analysing the trials that finished", d.Status.State, d.Status.Error)
	}

	rec, err := OpenRecording(dir, notef)
	if err != nil {
		return nil, err
	}
	d.Recording = *rec

	framesPath := path(FramesFile)
	fshape, fdata, err := npy.Read(framesPath)
	if err != nil {
		return nil, missing(framesPath, "the frame orientations", err)
	}
	fr, ok := fdata.([]float32)
	if !ok || len(fshape) != 2 {
		return nil, fmt.Errorf("%s: %T of shape %v; want float32 trials x frames (deg)", framesPath, fdata, fshape)
	}
	d.Frames, d.FrameRows, d.FramesPerTrial = fr, fshape[0], fshape[1]
	if d.FrameRows < len(d.Trials) {
		notef.note("%s holds %d rows for %d trials; tuning curves leave out trials without frames", framesPath, d.FrameRows, len(d.Trials))
	}

	if d.Theta, err = readFloat32(path(ThetaFile), "the preferred orientations (rad)", 1); err != nil {
		return nil, err
	}
	if len(d.Theta) != d.Responses.Neurons {
		return nil, fmt.Errorf("%s: %d neurons but %s has %d", path(ThetaFile), len(d.Theta), ResponsesFile, d.Responses.Neurons)
	}
	if _, err := os.Stat(path(SomaPosFile)); err == nil {
		if d.SomaPos, err = readFloat32(path(SomaPosFile), "the soma positions (um)", 2); err != nil {
			return nil, err
		}
		if len(d.SomaPos) != 3*d.Responses.Neurons {
			return nil, fmt.Errorf("%s: %d values; want %d neurons x 3 (x, y, z in um)", path(SomaPosFile), len(d.SomaPos), d.Responses.Neurons)
		}
	} else {
		notef.note("%s is missing: no spatial analysis", path(SomaPosFile))
	}
	if d.Owner, err = readInt32(path(SpineOwnerFile), "the owner neuron of each spine", 1); err != nil {
		return nil, err
	}
	for k, o := range d.Owner {
		if o < 0 || int(o) >= len(d.Theta) {
			return nil, fmt.Errorf("%s: spine %d belongs to neuron %d, outside [0, %d)", path(SpineOwnerFile), k, o, len(d.Theta))
		}
	}
	edges, err := readInt32(path(EdgesFile), "the candidate contacts", 2)
	if err != nil {
		return nil, err
	}
	ne := len(edges) / 2
	d.EdgeA, d.EdgeB = make([]int32, ne), make([]int32, ne)
	for e := range ne {
		a, b := edges[2*e], edges[2*e+1]
		if a < 0 || b < 0 || int(a) >= len(d.Owner) || int(b) >= len(d.Owner) {
			return nil, fmt.Errorf("%s: contact %d joins spines %d and %d, outside [0, %d)", path(EdgesFile), e, a, b, len(d.Owner))
		}
		d.EdgeA[e], d.EdgeB[e] = a, b
	}

	wsPath := path(WSessionsFile)
	wshape, wdata, err := npy.Read(wsPath)
	switch {
	case err == nil:
		w, ok := wdata.([]float32)
		if !ok || len(wshape) != 2 || wshape[1] != ne {
			return nil, fmt.Errorf("%s: %T of shape %v; want float32 snapshots x %d contacts", wsPath, wdata, wshape, ne)
		}
		for k := range wshape[0] {
			d.WSnapshots = append(d.WSnapshots, w[k*ne:(k+1)*ne])
		}
	case errors.Is(err, fs.ErrNotExist):
		wfPath := path(WFinalFile)
		w, err := readFloat32(wfPath, "the structural weights at the end", 1)
		if err != nil {
			return nil, fmt.Errorf("%v (and no %s: the run kept no snapshots)", err, WSessionsFile)
		}
		if len(w) != ne {
			return nil, fmt.Errorf("%s: %d weights for %d contacts", wfPath, len(w), ne)
		}
		d.WSnapshots, d.WFinalOnly = [][]float32{w}, true
		notef.note("no %s (output.w_snapshots was off): the network is summarised at the end only, from %s", WSessionsFile, WFinalFile)
	default:
		return nil, fmt.Errorf("%s: %w", wsPath, err)
	}
	return d, nil
}

func readFloat32(path, what string, axes int) ([]float32, error) {
	shape, data, err := npy.Read(path)
	if err != nil {
		return nil, missing(path, what, err)
	}
	v, ok := data.([]float32)
	if !ok || len(shape) != axes {
		return nil, fmt.Errorf("%s: %T of shape %v; want a %d-axis float32 array (%s)", path, data, shape, axes, what)
	}
	return v, nil
}

func readInt32(path, what string, axes int) ([]int32, error) {
	shape, data, err := npy.Read(path)
	if err != nil {
		return nil, missing(path, what, err)
	}
	v, ok := data.([]int32)
	if !ok || len(shape) != axes || (axes == 2 && shape[1] != 2) {
		return nil, fmt.Errorf("%s: %T of shape %v; want a %d-axis int32 array (%s)", path, data, shape, axes, what)
	}
	return v, nil
}
