package rundir

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/fsutil"
	"github.com/iplgpu/iplgpu/internal/npy"
)

// Resume is what Reopen found in the directory of a stopped run.
type Resume struct {
	Config     *model.Config // read from config.yaml
	ConfigYAML []byte        // config.yaml's bytes
	// Checkpoint is the last checkpoint, open (the caller closes it); nil
	// when the run stopped before its first one, and then the run starts
	// again from its first trial.
	Checkpoint *Checkpoint
	Status     Status // run.json as the run left it (zero when missing)
	HasStatus  bool
	// Notes says what could not be checked (a directory without a
	// manifest) or was found and is harmless.
	Notes []string
}

// Close closes the checkpoint, if any.
func (r *Resume) Close() error {
	if r.Checkpoint != nil {
		return r.Checkpoint.Close()
	}
	return nil
}

// Reopen claims the directory of a stopped run (interrupted, killed or
// failed) to continue it: it takes the directory's lock, as Create does, and
// returns a Writer for the directory and what the run left. It refuses, with
// the reason, a directory that another process is writing, one whose run is
// complete, one without config.yaml, a config.yaml that this engine version
// would not write for the configuration it holds (edited, or written by
// another version), and a checkpoint written for another config.yaml (its
// SHA-256 differs), engine version or seed. Nothing in the directory is
// changed; ResumeRecording then cuts the streamed files back to the
// checkpoint.
func Reopen(dir string) (*Writer, *Resume, error) {
	if err := checkDir(dir); err != nil {
		return nil, nil, err
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	if _, err := os.Stat(cfgPath); err != nil {
		return nil, nil, fmt.Errorf("%s holds no %s: there is no run to resume (was it stopped before it began? start it again with iplgpu run)", dir, ConfigFile)
	}
	lock, err := claimAs(dir, fmt.Sprintf("run directory %s is being written by another iplgpu process: it can be resumed once that process has ended", dir))
	if err != nil {
		return nil, nil, err
	}
	w := &Writer{dir: dir, lock: lock, sums: map[string]FileSum{}, hashes: map[string]*streamHash{}}
	r, err := reopen(dir, w)
	if err != nil {
		w.Close()
		return nil, nil, err
	}
	// A process killed while writing one of these atomically left its
	// temporary file: the resumed run writes them again.
	if _, err := fsutil.RemoveTemps(dir, CheckpointFile, StatusFile, ConfigFile, ManifestFile); err != nil {
		r.Close()
		w.Close()
		return nil, nil, fmt.Errorf("run directory %s: %w", dir, err)
	}
	return w, r, nil
}

func reopen(dir string, w *Writer) (*Resume, error) {
	r := &Resume{}
	var err error
	if r.Status, r.HasStatus, err = ReadStatus(dir); err != nil {
		return nil, err
	}
	if r.HasStatus && r.Status.State == StateComplete {
		return nil, fmt.Errorf("run directory %s is complete (%s: status complete, %d of %d trials): there is nothing to resume", dir, StatusFile, r.Status.TrialsDone, r.Status.TrialsTotal)
	}
	cfgPath := filepath.Join(dir, ConfigFile)
	if r.ConfigYAML, err = os.ReadFile(cfgPath); err != nil {
		return nil, err
	}
	if r.Config, err = model.LoadConfig("", cfgPath, nil); err != nil {
		return nil, fmt.Errorf("%s: %w", cfgPath, err)
	}
	if !bytes.Equal(model.ResolvedYAML(r.Config), r.ConfigYAML) {
		return nil, fmt.Errorf("%s is not the file engine version %s writes for the configuration it holds: it was edited after the run started, or another engine version (its header names it) wrote it; a run continues only with its own config.yaml and the version that started it", cfgPath, model.Version)
	}
	sum := ConfigSHA256(r.ConfigYAML)
	w.configSum, w.seed = sum, r.Config.Seed
	w.sums[ConfigFile] = FileSum{Size: int64(len(r.ConfigYAML)), SHA256: sum}
	m, hasManifest, err := ReadManifest(dir)
	if err != nil {
		return nil, err
	}
	if hasManifest && m.State == ManifestComplete {
		return nil, fmt.Errorf("run directory %s is complete (%s: state complete, %d trials): there is nothing to resume", dir, ManifestFile, m.TrialsDone)
	}
	ck, err := OpenCheckpoint(dir)
	if errors.Is(err, ErrNoCheckpoint) {
		if hasManifest {
			return nil, fmt.Errorf("%s records a checkpoint after %d trials, but %s is missing: the run cannot be continued exactly; start it again in a new directory", filepath.Join(dir, ManifestFile), m.TrialsDone, filepath.Join(dir, CheckpointFile))
		}
		return r, nil
	}
	if err != nil {
		return nil, err
	}
	if err := ck.checkMembers(); err != nil {
		ck.Close()
		return nil, err
	}
	info := ck.Info
	switch {
	case info.ConfigSHA256 != sum:
		err = fmt.Errorf("%s changed after the checkpoint was written (SHA-256 %.12s..., the checkpoint's %.12s...): restore the run's own config.yaml, or start a new run with the new config", cfgPath, sum, info.ConfigSHA256)
	case info.Version != model.Version:
		err = fmt.Errorf("%s was written by engine version %s; this is %s: finish the run with the version that started it", ck.Path(), info.Version, model.Version)
	case info.Seed != r.Config.Seed:
		err = fmt.Errorf("%s is of seed %d, %s of seed %d: they come from different runs", ck.Path(), info.Seed, cfgPath, r.Config.Seed)
	case info.TrialLines != info.TrialsDone || info.FramesRows != info.TrialsDone || info.ResponsesRows > info.TrialsDone:
		err = fmt.Errorf("%s is inconsistent: %d trials done, but %d lines of %s, %d rows of %s and %d of %s", ck.Path(), info.TrialsDone, info.TrialLines, TrialsFile, info.FramesRows, FramesFile, info.ResponsesRows, ResponsesFile)
	}
	if err == nil {
		err = checkSums(dir, w, r, ck, m)
	}
	if err != nil {
		ck.Close()
		return nil, err
	}
	r.Checkpoint = ck
	w.reopened = &ck.Info
	return r, nil
}

// checkSums checks the files of dir against the sums the checkpoint
// recorded (the streamed files up to the checkpoint), and the checkpoint
// against the manifest m (nil: none): the same run, and the checkpoint the
// manifest records, or one written after it (a process stopped between the
// two writes). It hands w the sums and the hash state of the streamed
// files' kept bytes, so that they are read once.
func checkSums(dir string, w *Writer, r *Resume, ck *Checkpoint, m *Manifest) error {
	info := ck.Info
	if info.Files == nil || info.NetworkSHA256 != NetworkSHA256(info.Files) {
		return fmt.Errorf("%s does not record the sums of the run's files consistently: it is damaged", ck.Path())
	}
	if m != nil {
		id := m.Identity
		switch {
		case id.Seed != info.Seed || id.ConfigSHA256 != info.ConfigSHA256 || id.NetworkSHA256 != info.NetworkSHA256 || id.Version != info.Version:
			return fmt.Errorf("%s belongs to another run than %s (seed %d, config %.12s..., network %.12s..., version %s; the manifest: seed %d, config %.12s..., network %.12s..., version %s): the run cannot be continued from it",
				ck.Path(), filepath.Join(dir, ManifestFile), info.Seed, info.ConfigSHA256, info.NetworkSHA256, info.Version, id.Seed, id.ConfigSHA256, id.NetworkSHA256, id.Version)
		case m.TrialsDone > info.TrialsDone:
			return fmt.Errorf("%s is after %d trials, but %s records a checkpoint after %d: it was replaced by an older one", ck.Path(), info.TrialsDone, filepath.Join(dir, ManifestFile), m.TrialsDone)
		case m.TrialsDone == info.TrialsDone:
			got, err := SumFile(ck.Path())
			if err != nil {
				return err
			}
			if want := m.Files[CheckpointFile]; got != want {
				return fmt.Errorf("%s is not the checkpoint %s records (%d bytes, SHA-256 %.12s...; recorded %d bytes, %.12s...): it was changed or replaced", ck.Path(), ManifestFile, got.Size, got.SHA256, want.Size, want.SHA256)
			}
		default:
			r.Notes = append(r.Notes, fmt.Sprintf("%s is after %d trials, %s after %d: the run was stopped between writing the two; the checkpoint's own sums are checked", ck.Path(), info.TrialsDone, ManifestFile, m.TrialsDone))
		}
	} else {
		r.Notes = append(r.Notes, fmt.Sprintf("%s has no %s (stopped before writing it): the files are checked against the checkpoint's sums alone", dir, ManifestFile))
	}
	names := make([]string, 0, len(info.Files))
	for n := range info.Files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		s := info.Files[n]
		if n == CheckpointFile || (n == ConfigFile && s.SHA256 != w.configSum) {
			return fmt.Errorf("%s records %s inconsistently: it is damaged", ck.Path(), n)
		}
		h, err := verifyFile(filepath.Join(dir, n), s, CheckpointFile)
		if err != nil {
			return fmt.Errorf("%w; the run cannot be continued exactly", err)
		}
		if s.Prefix {
			w.hashes[n] = &streamHash{h: h, off: s.Offset, done: s.Size}
		} else {
			w.sums[n] = s
		}
	}
	return nil
}

// ResumeRecording reopens the streamed files of a reopened run (see
// StartRecording for the shapes) at the counts of the checkpoint Reopen
// found: it cuts
// responses.npy, frames.npy and w_sessions.npy to the checkpoint's rows and
// trials.csv to its lines, dropping the trials a stopped run finished after
// the checkpoint (they are run again), and appends after them. It checks
// first that every file holds at least what the checkpoint counts and that
// the kept lines of trials.csv are the first ones of this run (trial
// indices 0, 1, ...; as many recorded as responses.npy keeps), and changes
// nothing when one does not.
func (w *Writer) ResumeRecording(bins, neurons, frames, edges int, snapshots bool) error {
	if w.reopened == nil {
		return errors.New("rundir: ResumeRecording without a checkpoint (Reopen found none)")
	}
	info := *w.reopened
	type stream struct {
		name  string
		dst   **npy.StreamWriter
		data0 any
		tail  []int
		rows  int
	}
	streams := []stream{
		{ResponsesFile, &w.resp, []uint16(nil), []int{bins, neurons}, info.ResponsesRows},
		{FramesFile, &w.frames, []float32(nil), []int{frames}, info.FramesRows},
	}
	if snapshots {
		streams = append(streams, stream{WSessionsFile, &w.wsnap, []float32(nil), []int{edges}, info.WSnapshots})
	} else if info.WSnapshots != 0 {
		return Refusal{fmt.Errorf("the checkpoint counts %d w snapshots, but output.w_snapshots is off", info.WSnapshots)}
	}
	refuse := func(format string, a ...any) error { return Refusal{fmt.Errorf(format, a...)} }
	for _, s := range streams {
		path := w.path(s.name)
		in, err := npy.ReadInfo(path)
		if err != nil {
			return refuse("cannot resume from the checkpoint: %w", err)
		}
		if len(in.Shape) == 0 || in.Shape[0] < s.rows {
			return refuse("cannot resume: %s holds shape %v, fewer rows than the %d the checkpoint counts (was it replaced after the checkpoint?)", path, in.Shape, s.rows)
		}
		// The checkpoint's sum covers exactly its rows.
		h := w.hashes[s.name]
		if h == nil || h.off != in.DataOff || h.done != in.DataOff+int64(s.rows)*int64(prodInts(s.tail)*in.Elem) {
			return refuse("cannot resume: %s: the checkpoint's sum does not cover its %d rows", path, s.rows)
		}
	}
	trialsPath := w.path(TrialsFile)
	tb, err := os.ReadFile(trialsPath)
	if err != nil {
		return refuse("cannot resume from the checkpoint: %w", err)
	}
	cut, err := keptLines(tb, info.TrialLines, info.ResponsesRows)
	if err != nil {
		return refuse("cannot resume: %s: %w (was it changed after the checkpoint?)", trialsPath, err)
	}
	if h := w.hashes[TrialsFile]; h == nil || h.off != 0 || h.done != int64(cut) {
		return refuse("cannot resume: %s: the checkpoint's sum does not cover its first %d lines", trialsPath, info.TrialLines)
	}

	w.changed = true
	for _, s := range streams {
		if *s.dst, err = npy.OpenAppend(w.path(s.name), s.data0, s.tail, s.rows); err != nil {
			return err
		}
	}
	if w.csvFile, err = os.OpenFile(trialsPath, os.O_WRONLY, 0); err != nil {
		return err
	}
	if err := w.csvFile.Truncate(int64(cut)); err != nil {
		return err
	}
	if _, err := w.csvFile.Seek(int64(cut), 0); err != nil {
		return err
	}
	w.csvBytes = &countWriter{w: w.csvFile, n: int64(cut)}
	w.csv = csv.NewWriter(w.csvBytes)
	w.rows, w.lines = info.ResponsesRows, info.TrialLines
	return nil
}

// keptLines returns the byte length of the header and the first n lines of the
// trial table tb, after checking that the header is TrialsColumns, that those
// lines read as trials 0 to n-1 and that rows of them are recorded.
func keptLines(tb []byte, n, rows int) (int, error) {
	head := strings.Join(TrialsColumns, ",") + "\n"
	if !bytes.HasPrefix(tb, []byte(head)) {
		return 0, fmt.Errorf("its header is not %q", strings.TrimSpace(head))
	}
	cut := len(head)
	for i := range n {
		j := bytes.IndexByte(tb[cut:], '\n')
		if j < 0 {
			return 0, fmt.Errorf("it holds %d whole lines after its header; the checkpoint counts %d", i, n)
		}
		cut += j + 1
	}
	trials, err := ReadTrials(bytes.NewReader(tb[:cut]))
	if err != nil {
		return 0, err
	}
	recorded := 0
	for i, t := range trials {
		if t.Trial != i {
			return 0, fmt.Errorf("line %d is trial %d, not %d", i+2, t.Trial, i)
		}
		if t.Recorded {
			recorded++
		}
	}
	if recorded != rows {
		return 0, fmt.Errorf("its first %d lines hold %d recorded trials; the checkpoint counts %d rows of %s", n, recorded, rows, ResponsesFile)
	}
	return cut, nil
}

func prodInts(s []int) int {
	p := 1
	for _, v := range s {
		p *= v
	}
	return p
}
