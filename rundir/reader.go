package rundir

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/fsutil"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/internal/sysmem"
	"github.com/iplgpu/iplgpu/recording"
)

// Recording is what the analysis reads (package recording); OpenRecording
// fills the counts and the trial table of any recording in the run-directory
// layout, iplgpu's or a user's, Open everything a run directory holds.
type Recording = recording.Recording

// Run is everything an iplgpu run directory holds, read and cross-checked.
type Run struct {
	Dir string
	Recording
	Config     *model.Config
	ConfigYAML []byte
	Status     Status // run.json (zero when missing: HasStatus false)
	HasStatus  bool

	// The Recording holds the frames (frames.npy), the soma positions
	// (soma_pos.npy; nil when missing) and the preferred orientations
	// (theta.npy) besides the counts and the trial table.

	Owner      []int32 // owner neuron per spine
	EdgeA      []int32 // spine a of each candidate contact
	EdgeB      []int32 // spine b
	WSnapshots [][]float32
	WFinalOnly bool // WSnapshots holds w_final.npy alone (no w_sessions.npy)

	nextRow int // crossCheck's count of recorded trials
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
	r := &Recording{Source: dir}
	respPath := filepath.Join(dir, ResponsesFile)
	shape, data, err := npy.Read(respPath)
	if err != nil {
		return nil, missing(respPath, "the recorded spike counts", err)
	}
	if r.Responses, err = recording.NewResponses(shape, data); err != nil {
		return nil, fmt.Errorf("%s: %w", respPath, err)
	}
	trialsPath := filepath.Join(dir, TrialsFile)
	tb, err := os.ReadFile(trialsPath)
	if err != nil {
		return nil, missing(trialsPath, "the trial table", err)
	}
	if r.Trials, err = readTrialTable(tb, trialsPath, notef); err != nil {
		return nil, err
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

// readTrialTable parses trials.csv. A last line without its newline is one
// the writer was stopped in the middle of (kill -9, a full disk): it is left
// out with a note when it does not parse, or when the table is iplgpu's own
// (whose every line ends in a newline), since a cut line can still parse with
// a truncated last value.
func readTrialTable(tb []byte, path string, notef Notef) ([]TrialRecord, error) {
	trials, err := ReadTrials(bytes.NewReader(tb))
	cut := len(tb) > 0 && tb[len(tb)-1] != '\n'
	ours := bytes.HasPrefix(tb, []byte(strings.Join(TrialsColumns, ",")+"\n"))
	if cut && (err != nil || ours) {
		if i := bytes.LastIndexByte(tb, '\n'); i >= 0 {
			if trials2, err2 := ReadTrials(bytes.NewReader(tb[:i+1])); err2 == nil {
				notef.note("the last line of %s is incomplete (the run was stopped while writing it); it is left out", path)
				return trials2, nil
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return trials, nil
}

// Open reads and cross-checks a whole run directory. Missing or malformed
// files are errors naming the file; an interrupted or failed run is read with
// a note (every prefix of a run is a valid run directory). config.yaml must
// describe the arrays (neurons, spines, bins, frames, sessions): a config
// that does not (emptied, or from another run) is refused rather than let
// the report describe another network. Arrays too large for the memory this
// process can allocate are refused before any is read.
func Open(dir string, notef Notef) (*Run, error) {
	return OpenWith(dir, notef, OpenOptions{})
}

// OpenOptions are the choices of OpenWith.
type OpenOptions struct {
	// Unverified reads a run directory whose files differ from its
	// manifest, each difference a note that says so, instead of refusing it.
	Unverified bool
}

// OpenWith is Open with options. Before reading anything it checks the
// files against manifest.json (Verify): a file that is missing, or differs
// in size or SHA-256 from what the run wrote, is an error naming it and what
// differs, unless opt.Unverified.
func OpenWith(dir string, notef Notef, opt OpenOptions) (*Run, error) {
	if err := checkDir(dir); err != nil {
		return nil, err
	}
	if err := verifyDir(dir, notef, opt.Unverified); err != nil {
		return nil, err
	}
	d := &Run{}
	if err := checkRunMemory(dir); err != nil {
		return nil, err
	}
	if writing(dir) {
		notef.note("a run is still writing %s; analysing the trials it has finished so far", dir)
	}

	if err := d.readConfig(dir, notef); err != nil {
		return nil, err
	}
	rec, err := OpenRecording(dir, notef)
	if err != nil {
		return nil, err
	}
	d.Recording, d.Dir = *rec, dir
	if err := d.readFrames(notef); err != nil {
		return nil, err
	}
	if err := d.readNeurons(notef); err != nil {
		return nil, err
	}
	if err := d.readContacts(); err != nil {
		return nil, err
	}
	if err := d.readWeights(notef); err != nil {
		return nil, err
	}
	if err := d.crossCheck(); err != nil {
		return nil, err
	}
	return d, nil
}

// readConfig reads the run's resolved configuration and its status
// (run.json), noting a run that did not complete.
func (d *Run) readConfig(dir string, notef Notef) error {
	path := func(name string) string { return filepath.Join(dir, name) }
	var err error
	cfgPath := path(ConfigFile)
	if d.ConfigYAML, err = os.ReadFile(cfgPath); err != nil {
		return missing(cfgPath, "the resolved configuration", err)
	}
	if !hasYAMLContent(d.ConfigYAML) {
		return fmt.Errorf("%s is empty: it should hold the run's resolved configuration, which the analysis needs (bins, frames, sessions); restore it (iplgpu run writes it first; 'iplgpu config -config FILE' prints a config the run was made from)", cfgPath)
	}
	if d.Config, err = model.LoadConfig("", cfgPath, nil); err != nil {
		return fmt.Errorf("%s: %w", cfgPath, err)
	}

	if d.Status, d.HasStatus, err = ReadStatus(dir); err != nil {
		return err
	}
	switch {
	case !d.HasStatus:
		notef.note("%s is missing: run status and timings unknown; analysing what the directory holds", path(StatusFile))
	case d.Status.State == StateComplete:
	case d.Status.State == StateRunning:
		notef.note("warning: %s says the run is still running: it was killed (or is being written now); analysing the trials %s holds", path(StatusFile), TrialsFile)
	case d.Status.State == StateInterrupted:
		notef.note("warning: the run stopped after %d of %d trials (status %q); analysing the trials that finished", d.Status.TrialsDone, d.Status.TrialsTotal, d.Status.State)
	default:
		notef.note("warning: run.json says status %q (%s); analysing the trials that finished", d.Status.State, d.Status.Error)
	}
	return nil
}

// readFrames reads the frame orientations (frames.npy) into the recording.
func (d *Run) readFrames(notef Notef) error {
	path := func(name string) string { return filepath.Join(d.Dir, name) }
	framesPath := path(FramesFile)
	fshape, fdata, err := npy.Read(framesPath)
	if err != nil {
		return missing(framesPath, "the frame orientations", err)
	}
	fr, ok := fdata.([]float32)
	if !ok || len(fshape) != 2 {
		return fmt.Errorf("%s: %T of shape %v; want float32 trials x frames (deg)", framesPath, fdata, fshape)
	}
	for k, v := range fr {
		if !(v >= 0 && v <= 180) {
			return fmt.Errorf("%s: row %d, frame %d is %v deg, outside [0, 180]", framesPath, k/max(fshape[1], 1), k%max(fshape[1], 1), v)
		}
	}
	d.Frames, d.FrameRows, d.FramesPerTrial = fr, fshape[0], fshape[1]
	if d.FrameRows < len(d.Trials) {
		notef.note("%s holds %d rows for %d trials; tuning curves leave out trials without frames", framesPath, d.FrameRows, len(d.Trials))
	}
	return nil
}

// readNeurons reads the preferred orientations and, where present, the soma
// positions.
func (d *Run) readNeurons(notef Notef) error {
	path := func(name string) string { return filepath.Join(d.Dir, name) }
	var err error
	if d.Theta, err = readFloat32(path(ThetaFile), "the preferred orientations (rad)", 1); err != nil {
		return err
	}
	for i, v := range d.Theta {
		if !(v >= 0 && v <= math.Pi+1e-6) {
			return fmt.Errorf("%s: neuron %d has %v rad, outside [0, pi]", path(ThetaFile), i, v)
		}
	}
	if len(d.Theta) != d.Responses.Neurons {
		return fmt.Errorf("%s: %d neurons but %s has %d", path(ThetaFile), len(d.Theta), ResponsesFile, d.Responses.Neurons)
	}
	if _, err := os.Stat(path(SomaPosFile)); err == nil {
		if d.SomaPos, err = readFloat32(path(SomaPosFile), "the soma positions (um)", 2); err != nil {
			return err
		}
		if len(d.SomaPos) != 3*d.Responses.Neurons {
			return fmt.Errorf("%s: %d values; want %d neurons x 3 (x, y, z in um)", path(SomaPosFile), len(d.SomaPos), d.Responses.Neurons)
		}
	} else {
		notef.note("%s is missing: no spatial analysis", path(SomaPosFile))
	}
	return nil
}

// readContacts reads the owner neuron of each spine and the candidate
// contacts.
func (d *Run) readContacts() error {
	path := func(name string) string { return filepath.Join(d.Dir, name) }
	var err error
	if d.Owner, err = readInt32(path(SpineOwnerFile), "the owner neuron of each spine", 1); err != nil {
		return err
	}
	for k, o := range d.Owner {
		if o < 0 || int(o) >= len(d.Theta) {
			return fmt.Errorf("%s: spine %d belongs to neuron %d, outside [0, %d)", path(SpineOwnerFile), k, o, len(d.Theta))
		}
	}
	edges, err := readInt32(path(EdgesFile), "the candidate contacts", 2)
	if err != nil {
		return err
	}
	ne := len(edges) / 2
	d.EdgeA, d.EdgeB = make([]int32, ne), make([]int32, ne)
	for e := range ne {
		a, b := edges[2*e], edges[2*e+1]
		if a < 0 || b < 0 || int(a) >= len(d.Owner) || int(b) >= len(d.Owner) {
			return fmt.Errorf("%s: contact %d joins spines %d and %d, outside [0, %d)", path(EdgesFile), e, a, b, len(d.Owner))
		}
		d.EdgeA[e], d.EdgeB[e] = a, b
	}
	return nil
}

// readWeights reads the structural weights: the snapshots, or the final
// weights alone where the run kept no snapshot.
func (d *Run) readWeights(notef Notef) error {
	path := func(name string) string { return filepath.Join(d.Dir, name) }
	ne := len(d.EdgeA)
	wsPath := path(WSessionsFile)
	wshape, wdata, err := npy.Read(wsPath)
	switch {
	case err == nil:
		w, ok := wdata.([]float32)
		if !ok || len(wshape) != 2 || wshape[1] != ne {
			return fmt.Errorf("%s: %T of shape %v; want float32 snapshots x %d contacts", wsPath, wdata, wshape, ne)
		}
		for k := range wshape[0] {
			d.WSnapshots = append(d.WSnapshots, w[k*ne:(k+1)*ne])
		}
		if len(d.WSnapshots) == 0 {
			if w, err := readFloat32(path(WFinalFile), "the structural weights at the end", 1); err == nil && len(w) == ne {
				d.WSnapshots, d.WFinalOnly = [][]float32{w}, true
				notef.note("%s holds no snapshot: the network is summarised at the end only, from %s", wsPath, WFinalFile)
			} else {
				notef.note("%s holds no snapshot (the run stopped before its first session ended): no network statistics", wsPath)
			}
		}
	case errors.Is(err, fs.ErrNotExist):
		wfPath := path(WFinalFile)
		w, err := readFloat32(wfPath, "the structural weights at the end", 1)
		if err != nil {
			return fmt.Errorf("%v (and no %s: the run kept no snapshots)", err, WSessionsFile)
		}
		if len(w) != ne {
			return fmt.Errorf("%s: %d weights for %d contacts", wfPath, len(w), ne)
		}
		d.WSnapshots, d.WFinalOnly = [][]float32{w}, true
		notef.note("no %s (output.w_snapshots was off): the network is summarised at the end only, from %s", WSessionsFile, WFinalFile)
	default:
		return fmt.Errorf("%s: %w", wsPath, err)
	}
	return nil
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

// hasYAMLContent says whether b holds anything but comments and blank lines.
func hasYAMLContent(b []byte) bool {
	for _, line := range strings.Split(string(b), "\n") {
		if s := strings.TrimSpace(line); s != "" && !strings.HasPrefix(s, "#") && s != "---" {
			return true
		}
	}
	return false
}

// crossCheck compares config.yaml and run.json with the arrays: a config
// that describes another run would make every table and the report describe
// the wrong network.
func (d *Run) crossCheck() error {
	c := d.Config
	cfgPath := filepath.Join(d.Dir, ConfigFile)
	bad := func(key string, cfgVal any, file string, got any) error {
		return fmt.Errorf("%s says %s = %v but %s holds %v: the config does not describe this run (was it replaced or edited?); restore the run's own config.yaml", cfgPath, key, cfgVal, file, got)
	}
	if n := c.Network.Neurons; n != d.Responses.Neurons {
		return bad("network.neurons", n, ResponsesFile, fmt.Sprintf("%d neurons", d.Responses.Neurons))
	}
	if s := c.Network.Neurons * c.Network.SpinesPerNeuron; s != len(d.Owner) {
		return bad("network.neurons x network.spines_per_neuron", s, SpineOwnerFile, fmt.Sprintf("%d spines", len(d.Owner)))
	}
	if b := model.TimingOf(c).Bins; b != d.Responses.Bins {
		return bad("the bins per trial (stimulus.frames x stimulus.frame_ms / stimulus.bin_ms)", b, ResponsesFile, fmt.Sprintf("%d bins", d.Responses.Bins))
	}
	if f := c.Stimulus.Frames; f != d.FramesPerTrial {
		return bad("stimulus.frames", f, FramesFile, fmt.Sprintf("%d frames per trial", d.FramesPerTrial))
	}
	blocks := model.Blocks(c)
	d.nextRow = 0
	for i, t := range d.Trials {
		where := fmt.Sprintf("%s line %d", TrialsFile, i+2)
		if t.Block < 0 || t.Block >= len(blocks) {
			return bad("the number of blocks of the protocol", len(blocks), where, fmt.Sprintf("block %d", t.Block))
		}
		b := &blocks[t.Block]
		if t.Session != b.Session || (t.BlockName != "" && t.BlockName != b.Name) || t.Mode != b.Mode {
			return bad(fmt.Sprintf("block %d of the protocol", t.Block), fmt.Sprintf("session %d %q (%s)", b.Session, b.Name, b.Mode),
				where, fmt.Sprintf("session %d %q (%s)", t.Session, t.BlockName, t.Mode))
		}
		if err := d.checkLabels(i, t, b, where); err != nil {
			return err
		}
	}
	if st := d.Status; d.HasStatus && st.Neurons > 0 {
		statusPath := filepath.Join(d.Dir, StatusFile)
		switch {
		case st.Neurons != d.Responses.Neurons:
			return fmt.Errorf("%s says %d neurons but %s holds %d: the files come from different runs", statusPath, st.Neurons, ResponsesFile, d.Responses.Neurons)
		case st.Spines != len(d.Owner):
			return fmt.Errorf("%s says %d spines but %s holds %d: the files come from different runs", statusPath, st.Spines, SpineOwnerFile, len(d.Owner))
		case st.Edges != len(d.EdgeA):
			return fmt.Errorf("%s says %d candidate contacts but %s holds %d: the files come from different runs", statusPath, st.Edges, EdgesFile, len(d.EdgeA))
		case st.Seed != c.Seed:
			return fmt.Errorf("%s says seed %d but %s says seed %d: the files come from different runs", statusPath, st.Seed, cfgPath, c.Seed)
		}
	}
	return nil
}

// checkLabels checks trials.csv line i (trial t of block b) against the
// config and the arrays: its coherence is one the block was configured
// with; its learning, ablation, frames and recorded columns are the
// block's; a recorded trial's row is the next row of responses.npy; and the
// sign of its coherence is the one its signal frames show (frames.npy:
// orientation A for +, B = A + 90 deg for -; noise frames are drawn from a
// continuum and fall on A or B with negligible probability).
func (d *Run) checkLabels(i int, t TrialRecord, b *model.Block, where string) error {
	wrong := func(col string, got any, want string) error {
		return fmt.Errorf("%s (trial %d): column %s is %v, but %s: the trial table does not describe this run's data (was it edited or replaced?)", where, t.Trial, col, got, want)
	}
	abs := math.Abs(t.Coherence)
	if !slices.ContainsFunc(b.Coherences, func(c float64) bool { return math.Abs(c-abs) <= 1e-12*max(1, abs) }) {
		return wrong("coherence", t.Coherence, fmt.Sprintf("block %d (%s) of %s has coherences %v", b.Index, b.Name, ConfigFile, b.Coherences))
	}
	if t.Learning != b.Learning {
		return wrong("learning", b01(t.Learning), fmt.Sprintf("block %d (%s) of %s has learning %s", b.Index, b.Name, ConfigFile, b01(b.Learning)))
	}
	if t.Ablation != "" && b.Ablation != "" && t.Ablation != b.Ablation {
		return wrong("ablation", t.Ablation, fmt.Sprintf("block %d (%s) of %s has ablation %s", b.Index, b.Name, ConfigFile, b.Ablation))
	}
	if t.Frames != "" && b.Frames != "" && t.Frames != b.Frames {
		return wrong("frames", t.Frames, fmt.Sprintf("block %d (%s) of %s has frames %s", b.Index, b.Name, ConfigFile, b.Frames))
	}
	if t.Recorded && !b.Record {
		return wrong("recorded", 1, fmt.Sprintf("block %d (%s) of %s records no trial", b.Index, b.Name, ConfigFile))
	}
	if t.Recorded {
		if t.Row != d.nextRow {
			return wrong("row", t.Row, fmt.Sprintf("the recorded trials before it fill rows 0 to %d of %s", d.nextRow-1, ResponsesFile))
		}
		d.nextRow++
	}
	if t.Coherence == 0 || i >= d.FrameRows {
		return nil
	}
	a := float32(d.Config.Stimulus.TaskOrientationDeg * math.Pi / 180)
	onA, onB := 0, 0
	for _, f := range d.Frames[i*d.FramesPerTrial : (i+1)*d.FramesPerTrial] {
		switch {
		case sameOrientation(f, float64(a)):
			onA++
		case sameOrientation(f, float64(a)+math.Pi/2):
			onB++
		}
	}
	if (t.Coherence > 0 && onB > onA) || (t.Coherence < 0 && onA > onB) {
		return wrong("coherence", t.Coherence, fmt.Sprintf("row %d of %s shows %d frames of orientation A and %d of B", i, FramesFile, onA, onB))
	}
	return nil
}

// sameOrientation says whether the frame orientation deg (degrees, as
// frames.npy holds it) is the orientation rad (radians, modulo pi), to
// within float32 rounding.
func sameOrientation(deg float32, rad float64) bool {
	r := math.Mod(rad, math.Pi)
	if r < 0 {
		r += math.Pi
	}
	diff := math.Abs(float64(deg) - r*180/math.Pi)
	return diff < 2e-5 || math.Abs(diff-180) < 2e-5
}

// checkRunMemory refuses a run directory whose arrays (as their headers
// declare them) and trial table, read together, would not fit in the memory
// this process can allocate.
func checkRunMemory(dir string) error {
	var total int64
	for _, name := range []string{ResponsesFile, FramesFile, ThetaFile, SomaPosFile, SpineOwnerFile, EdgesFile, WSessionsFile, WFinalFile} {
		if info, err := npy.ReadInfo(filepath.Join(dir, name)); err == nil {
			total = sysmem.Add(total, info.Bytes())
		}
	}
	if st, err := os.Stat(filepath.Join(dir, TrialsFile)); err == nil {
		total = sysmem.Add(total, sysmem.Mul(float64(st.Size()), 4)) // the text and the records parsed from it
	}
	return sysmem.Check(total, fmt.Sprintf("the arrays and the trial table of %s", dir))
}

// writing says whether a writer holds dir's lock now (a run in progress).
func writing(dir string) bool {
	held, err := fsutil.Held(filepath.Join(dir, LockFile))
	return err == nil && held
}

// verifyDir checks dir's files against its manifest (the checkpoint, which
// the analysis does not read, aside). A directory without a manifest (from
// before manifests, or stopped before its first checkpoint) is read with a
// note.
func verifyDir(dir string, notef Notef, unverified bool) error {
	m, ok, err := ReadManifest(dir)
	switch {
	case err != nil && unverified:
		notef.note("UNVERIFIED (-unverified): %v; the files are analysed as they are", err)
		return nil
	case err != nil:
		return fmt.Errorf("%v: the run's files cannot be verified (-unverified analyses them anyway, saying so in the report)", err)
	case !ok:
		notef.note("%s has no %s (written before manifests, or stopped before its first checkpoint): its files are not verified", dir, ManifestFile)
		return nil
	}
	bad := m.Verify(dir, CheckpointFile)
	if m.State == ManifestCheckpoint {
		notef.note("%s covers the first %d trials (the run's last checkpoint): trials after them are not verified", filepath.Join(dir, ManifestFile), m.TrialsDone)
	}
	if len(bad) == 0 {
		return nil
	}
	if unverified {
		for _, b := range bad {
			notef.note("UNVERIFIED (-unverified): %s differs from %s: %s", filepath.Base(b.File), ManifestFile, b.Why)
		}
		return nil
	}
	why := make([]string, len(bad))
	for i, b := range bad {
		why[i] = b.Error()
	}
	return fmt.Errorf("%s does not hold what its %s records: %s; restore those files from the run (-unverified analyses it anyway, saying so in the report)", dir, ManifestFile, strings.Join(why, "; "))
}
