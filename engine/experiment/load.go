package experiment

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/fisher"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/engine/npy"
)

// runData is everything read from a run directory.
type runData struct {
	dir        string
	cfg        *model.Config
	configYAML []byte
	run        engine.RunSummary
	hasRunJSON bool

	resp    fisher.Responses
	trials  []fisher.Trial // as fisher.ReadTrials parsed them
	rows    []trialRow     // the same lines with the columns fisher ignores
	frames  []float32      // trials x frames (deg), rows as trials.csv lines
	nFrames int            // frames per trial in frames.npy
	nFrRows int            // rows of frames.npy

	theta  []float32 // preferred orientation per neuron (rad)
	owner  []int32   // owner neuron per spine
	edgeA  []int32   // spine a of each candidate contact
	edgeB  []int32   // spine b
	wSnaps [][]float32
	wFinal bool // wSnaps holds w_final.npy alone (no w_sessions.npy)
}

// trialRow holds the trials.csv columns that fisher.Trial does not.
type trialRow struct {
	session, block int
	name, mode     string
	learning       bool
	ablation       string
	frames         string
	recorded       bool
	row            int
}

// missingFile wraps a file error so that the message names the file and says
// what it is.
func missingFile(path, what string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("%s: missing (%s); is %s a complete iplgpu run directory?", path, what, filepath.Dir(path))
	}
	return fmt.Errorf("%s: %w", path, err)
}

func loadRun(dir string, notef func(string, ...any)) (*runData, error) {
	st, err := os.Stat(dir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("run directory %s does not exist", dir)
		}
		return nil, fmt.Errorf("run directory %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%s is not a directory; give the run directory that iplgpu run wrote", dir)
	}
	d := &runData{dir: dir}
	path := func(name string) string { return filepath.Join(dir, name) }

	cfgPath := path("config.yaml")
	if d.configYAML, err = os.ReadFile(cfgPath); err != nil {
		return nil, missingFile(cfgPath, "the resolved configuration", err)
	}
	if d.cfg, err = model.LoadConfig("", cfgPath, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}

	runPath := path("run.json")
	if b, err := os.ReadFile(runPath); err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: %w", runPath, err)
		}
		notef("%s is missing: run status and timings unknown; analysing what the directory holds", runPath)
	} else if err := json.Unmarshal(b, &d.run); err != nil {
		return nil, fmt.Errorf("%s: malformed JSON: %v", runPath, err)
	} else {
		d.hasRunJSON = true
	}
	switch d.run.Status {
	case "complete", "":
	case "interrupted":
		notef("warning: the run was interrupted after %d of %d trials; analysing the trials that finished", d.run.TrialsDone, d.run.TrialsTotal)
	default:
		notef("warning: run.json says status %q (%s); analysing the trials that finished", d.run.Status, d.run.Error)
	}

	respPath := path("responses.npy")
	shape, data, err := npy.Read(respPath)
	if err != nil {
		return nil, missingFile(respPath, "the recorded spike counts", err)
	}
	if d.resp, err = fisher.NewResponses(shape, data); err != nil {
		return nil, fmt.Errorf("%s: %w", respPath, err)
	}

	trialsPath := path("trials.csv")
	tb, err := os.ReadFile(trialsPath)
	if err != nil {
		return nil, missingFile(trialsPath, "the trial table", err)
	}
	if d.trials, err = fisher.ReadTrials(bytes.NewReader(tb)); err != nil {
		return nil, fmt.Errorf("%s: %w", trialsPath, err)
	}
	if d.rows, err = readTrialRows(bytes.NewReader(tb)); err != nil {
		return nil, fmt.Errorf("%s: %w", trialsPath, err)
	}
	if len(d.rows) != len(d.trials) {
		return nil, fmt.Errorf("%s: %d trial rows parsed twice gave %d; the file is malformed", trialsPath, len(d.trials), len(d.rows))
	}
	for i := range d.rows {
		d.rows[i].row, d.rows[i].recorded = d.trials[i].Row, d.trials[i].Recorded
	}
	// A run stopped between writing a trial's counts and its table line (or the
	// reverse) can disagree by a row; trials without counts are not analysed.
	dropped := 0
	for i := range d.trials {
		if d.trials[i].Row >= d.resp.Trials {
			d.trials[i].Row, d.trials[i].Recorded = -1, false
			d.rows[i].row, d.rows[i].recorded = -1, false
			dropped++
		}
	}
	if dropped > 0 {
		notef("%d recorded trials of %s have no row in %s (%d rows); they are left out", dropped, trialsPath, respPath, d.resp.Trials)
	}

	framesPath := path("frames.npy")
	fshape, fdata, err := npy.Read(framesPath)
	if err != nil {
		return nil, missingFile(framesPath, "the frame orientations", err)
	}
	fr, ok := fdata.([]float32)
	if !ok || len(fshape) != 2 {
		return nil, fmt.Errorf("%s: %T of shape %v; want float32 trials x frames (deg)", framesPath, fdata, fshape)
	}
	d.frames, d.nFrRows, d.nFrames = fr, fshape[0], fshape[1]
	if d.nFrRows < len(d.rows) {
		notef("%s holds %d rows for %d trials; tuning curves leave out trials without frames", framesPath, d.nFrRows, len(d.rows))
	}

	if d.theta, err = readFloat32(path("theta.npy"), "the preferred orientations (rad)", 1); err != nil {
		return nil, err
	}
	if len(d.theta) != d.resp.Neurons {
		return nil, fmt.Errorf("%s: %d neurons but responses.npy has %d", path("theta.npy"), len(d.theta), d.resp.Neurons)
	}
	if d.owner, err = readInt32(path("spine_owner.npy"), "the owner neuron of each spine", 1); err != nil {
		return nil, err
	}
	for k, o := range d.owner {
		if o < 0 || int(o) >= len(d.theta) {
			return nil, fmt.Errorf("%s: spine %d belongs to neuron %d, outside [0, %d)", path("spine_owner.npy"), k, o, len(d.theta))
		}
	}
	edges, err := readInt32(path("edges.npy"), "the candidate contacts", 2)
	if err != nil {
		return nil, err
	}
	ne := len(edges) / 2
	d.edgeA, d.edgeB = make([]int32, ne), make([]int32, ne)
	for e := range ne {
		a, b := edges[2*e], edges[2*e+1]
		if a < 0 || b < 0 || int(a) >= len(d.owner) || int(b) >= len(d.owner) {
			return nil, fmt.Errorf("%s: contact %d joins spines %d and %d, outside [0, %d)", path("edges.npy"), e, a, b, len(d.owner))
		}
		d.edgeA[e], d.edgeB[e] = a, b
	}

	wsPath := path("w_sessions.npy")
	wshape, wdata, err := npy.Read(wsPath)
	switch {
	case err == nil:
		w, ok := wdata.([]float32)
		if !ok || len(wshape) != 2 || wshape[1] != ne {
			return nil, fmt.Errorf("%s: %T of shape %v; want float32 snapshots x %d contacts", wsPath, wdata, wshape, ne)
		}
		for k := range wshape[0] {
			d.wSnaps = append(d.wSnaps, w[k*ne:(k+1)*ne])
		}
	case errors.Is(err, fs.ErrNotExist):
		wfPath := path("w_final.npy")
		w, err := readFloat32(wfPath, "the structural weights at the end", 1)
		if err != nil {
			return nil, fmt.Errorf("%v (and no w_sessions.npy: the run kept no snapshots)", err)
		}
		if len(w) != ne {
			return nil, fmt.Errorf("%s: %d weights for %d contacts", wfPath, len(w), ne)
		}
		d.wSnaps, d.wFinal = [][]float32{w}, true
		notef("no w_sessions.npy (output.w_snapshots was off): the network is summarised at the end only, from w_final.npy")
	default:
		return nil, fmt.Errorf("%s: %w", wsPath, err)
	}
	return d, nil
}

func readFloat32(path, what string, axes int) ([]float32, error) {
	shape, data, err := npy.Read(path)
	if err != nil {
		return nil, missingFile(path, what, err)
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
		return nil, missingFile(path, what, err)
	}
	v, ok := data.([]int32)
	if !ok || len(shape) != axes || (axes == 2 && shape[1] != 2) {
		return nil, fmt.Errorf("%s: %T of shape %v; want a %d-axis int32 array (%s)", path, data, shape, axes, what)
	}
	return v, nil
}

// readTrialRows parses the block-level columns of trials.csv that fisher's
// reader leaves out. learning, ablation and frames are optional (defaults 0,
// none, noise).
func readTrialRows(r io.Reader) ([]trialRow, error) {
	cr := csv.NewReader(r)
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("no header row (%v)", err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.ToLower(h))] = i
	}
	field := func(rec []string, name string) string {
		i, ok := col[name]
		if !ok || i >= len(rec) {
			return ""
		}
		return strings.TrimSpace(rec[i])
	}
	var rows []trialRow
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		t := trialRow{name: field(rec, "block_name"), mode: field(rec, "mode"), ablation: field(rec, "ablation"), frames: field(rec, "frames"), row: -1}
		if t.session, err = strconv.Atoi(field(rec, "session")); err != nil {
			return nil, fmt.Errorf("line %d: session %q is not an integer", line, field(rec, "session"))
		}
		if t.block, err = strconv.Atoi(field(rec, "block")); err != nil {
			return nil, fmt.Errorf("line %d: block %q is not an integer", line, field(rec, "block"))
		}
		t.learning = truthy(field(rec, "learning"))
		t.recorded = truthy(field(rec, "recorded"))
		if t.ablation == "" {
			t.ablation = "none"
		}
		if t.frames == "" {
			t.frames = "noise"
		}
		rows = append(rows, t)
	}
	return rows, nil
}

func truthy(s string) bool {
	s = strings.ToLower(s)
	return s == "1" || s == "true"
}
