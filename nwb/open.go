//go:build hdf5

package nwb

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"

	"github.com/iplgpu/iplgpu/internal/hdf5"
	"github.com/iplgpu/iplgpu/recording"
)

// File is an NWB file read as a recording.
type File struct {
	recording.Recording
	Protocol string // general/protocol: an iplgpu file's resolved config ("" when absent)

	// The network of an iplgpu file (processing/network; nil when absent):
	// the owner unit of each spine, the two spines of each candidate
	// contact, and w per snapshot (WFinalOnly: the end of the run only).
	Owner, EdgeA, EdgeB []int32
	WSnapshots          [][]float32
	WFinalOnly          bool
}

// OpenOptions are the choices of Open.
type OpenOptions struct {
	BinMs float64 // bin width of the counts (ms); 0: 50
}

const (
	trialsGroup = "/intervals/trials/"
	unitsGroup  = "/units/"
)

// Open reads the NWB file path as a recording: the spike times of its units
// binned within each recorded trial, and the trials table through roles.
// Every column a role names is checked (present, one value per trial, of the
// type the role needs) before any spike is read.
func Open(path string, roles Roles, opt OpenOptions) (*File, error) {
	if opt.BinMs == 0 {
		opt.BinMs = 50
	}
	if !(opt.BinMs > 0) || math.IsInf(opt.BinMs, 0) {
		return nil, fmt.Errorf("bin width %v ms: give a positive width", opt.BinMs)
	}
	f, err := hdf5.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	for _, need := range []struct{ name, what string }{
		{unitsGroup + "spike_times", "the units table's spike times"},
		{unitsGroup + "spike_times_index", "the units table's index of spike times"},
		{trialsGroup + "start_time", "the trials table's start times"},
		{trialsGroup + "stop_time", "the trials table's stop times"},
	} {
		if _, ok := f.Stat(need.name); !ok {
			return nil, fmt.Errorf("%s: no %s (%s): an NWB file to analyse needs a units table with spike times and a trials table", path, need.name, need.what)
		}
	}
	starts, err := hdf5.Read[float64](f, trialsGroup+"start_time", 0, -1)
	if err != nil {
		return nil, err
	}
	stops, err := hdf5.Read[float64](f, trialsGroup+"stop_time", 0, -1)
	if err != nil {
		return nil, err
	}
	nt := len(starts)
	if len(stops) != nt || nt == 0 {
		return nil, fmt.Errorf("%s: the trials table has %d start and %d stop times; want one of each per trial, at least one trial", path, nt, len(stops))
	}
	out := &File{Recording: recording.Recording{Source: path, BinMs: opt.BinMs}}
	if out.Trials, err = readTrials(f, roles, nt); err != nil {
		return nil, err
	}
	if f.Exists("/general/protocol") {
		if p, err := f.ReadStrings("/general/protocol"); err == nil && len(p) == 1 {
			out.Protocol = p[0]
		}
	}

	// The bins: every recorded trial is cut into the bins its shortest holds.
	binS := opt.BinMs / 1000
	bins := math.MaxInt
	var recorded []int
	for k, t := range out.Trials {
		if !t.Recorded {
			continue
		}
		if !(stops[k] > starts[k]) {
			return nil, fmt.Errorf("%s: trial %d lasts from %v s to %v s; a trial needs stop_time > start_time", path, k, starts[k], stops[k])
		}
		bins = min(bins, int(math.Floor((stops[k]-starts[k])/binS+1e-9)))
		recorded = append(recorded, k)
	}
	if len(recorded) == 0 {
		return nil, fmt.Errorf("%s: no trial is recorded (column %q)", path, roles.Recorded)
	}
	if bins < 1 {
		return nil, fmt.Errorf("%s: the shortest recorded trial is shorter than one %g ms bin; give a smaller bin width", path, opt.BinMs)
	}
	if out.Responses, err = binSpikes(f, starts, recorded, bins, binS); err != nil {
		return nil, err
	}
	if err := readUnits(f, &out.Recording); err != nil {
		return nil, err
	}
	if err := readFrames(f, &out.Recording, starts, stops); err != nil {
		return nil, err
	}
	if err := readNetwork(f, out); err != nil {
		return nil, err
	}
	return out, nil
}

// readFrames reads stimulus/presentation/frame_orientation, when the file
// has it, as the frames of each trial: those whose timestamps fall in the
// trial's [start_time, stop_time). Every trial must have as many, else the
// frames are left out.
func readFrames(f *hdf5.File, r *recording.Recording, starts, stops []float64) error {
	const g = "/stimulus/presentation/frame_orientation/"
	di, ok1 := f.Stat(g + "data")
	ti, ok2 := f.Stat(g + "timestamps")
	if !ok1 || !ok2 || len(di.Dims) != 1 || di.Len() != ti.Len() || di.Class != hdf5.Float {
		return nil
	}
	data, err := hdf5.Read[float32](f, g+"data", 0, -1)
	if err != nil {
		return err
	}
	ts, err := hdf5.Read[float64](f, g+"timestamps", 0, -1)
	if err != nil {
		return err
	}
	per := -1
	var frames []float32
	j := 0
	for k := range starts {
		for j < len(ts) && ts[j] < starts[k] {
			j++
		}
		a := j
		for j < len(ts) && ts[j] < stops[k] {
			j++
		}
		if j == a { // the frames end here (a run stopped early)
			break
		}
		if per >= 0 && j-a != per {
			return nil
		}
		per = j - a
		frames = append(frames, data[a:j]...)
	}
	if per > 0 {
		r.Frames, r.FramesPerTrial, r.FrameRows = frames, per, len(frames)/per
	}
	return nil
}

// readNetwork reads processing/network, an iplgpu file's network.
func readNetwork(f *hdf5.File, out *File) error {
	const m = "/processing/network/"
	if _, ok := f.Stat(m + "spines/owner"); !ok {
		return nil
	}
	var err error
	if out.Owner, err = hdf5.Read[int32](f, m+"spines/owner", 0, -1); err != nil {
		return err
	}
	if out.EdgeA, err = hdf5.Read[int32](f, m+"contacts/spine_a", 0, -1); err != nil {
		return err
	}
	if out.EdgeB, err = hdf5.Read[int32](f, m+"contacts/spine_b", 0, -1); err != nil {
		return err
	}
	ne := len(out.EdgeA)
	for _, name := range []string{"w_sessions", "w_final"} {
		info, ok := f.Stat(m + "contacts/" + name)
		if !ok {
			continue
		}
		if len(info.Dims) != 2 || info.Dims[0] != ne {
			return fmt.Errorf("%s: %scontacts/%s has shape %v; want contacts (%d) x snapshots", f.Path(), m, name, info.Dims, ne)
		}
		w, err := hdf5.Read[float32](f, m+"contacts/"+name, 0, -1)
		if err != nil {
			return err
		}
		S := info.Dims[1]
		for k := range S {
			snap := make([]float32, ne)
			for c := range snap {
				snap[c] = w[c*S+k]
			}
			out.WSnapshots = append(out.WSnapshots, snap)
		}
		out.WFinalOnly = name == "w_final"
		break
	}
	return nil
}

// column checks that trials-table column name exists with one value per
// trial and a class among want; role says what it is for.
func column(f *hdf5.File, name, role string, nt int, want ...hdf5.Class) (hdf5.Info, error) {
	info, ok := f.Stat(trialsGroup + name)
	if !ok {
		cols, _ := f.ReadAttrStrings(strings.TrimSuffix(trialsGroup, "/"), "colnames")
		return info, fmt.Errorf("%s: the trials table has no column %q (%s); its columns: %s", f.Path(), name, role, strings.Join(cols, ", "))
	}
	if len(info.Dims) != 1 || info.Dims[0] != nt {
		return info, fmt.Errorf("%s: trials column %q (%s) has shape %v; want one value per trial (%d)", f.Path(), name, role, info.Dims, nt)
	}
	if !slices.Contains(want, info.Class) {
		ws := make([]string, len(want))
		for i, w := range want {
			ws[i] = w.String()
		}
		return info, fmt.Errorf("%s: trials column %q (%s) holds %s values; want %s", f.Path(), name, role, info.Class, strings.Join(ws, " or "))
	}
	return info, nil
}

// readTrials reads the trials table: the role columns (checked first, so
// that a wrong column is refused before any is read), then iplgpu's own
// columns where present.
func readTrials(f *hdf5.File, roles Roles, nt int) ([]recording.Trial, error) {
	infos, err := checkRoleColumns(f, roles, nt)
	if err != nil {
		return nil, err
	}
	trials := make([]recording.Trial, nt)
	for k := range trials {
		trials[k] = recording.Trial{Trial: k, Mode: "task", Ablation: "none", Frames: "noise", Recorded: true, GateStart: float32(math.NaN())}
	}
	if err := readRoleColumns(f, roles, infos, trials); err != nil {
		return nil, err
	}
	readOwnColumns(f, roles, trials)
	row := 0
	for k := range trials {
		trials[k].Row = -1
		if trials[k].Recorded {
			trials[k].Row = row
			row++
		}
	}
	return trials, nil
}

// checkRoleColumns checks that every column given a role exists with nt rows
// of the role's type; it returns their descriptions by name.
func checkRoleColumns(f *hdf5.File, roles Roles, nt int) (map[string]hdf5.Info, error) {
	if roles.Stimulus == "" || roles.Block == "" {
		return nil, fmt.Errorf("give the trials columns of the signed stimulus and of the block (condition)")
	}
	num := []hdf5.Class{hdf5.Integer, hdf5.Float}
	// Check every role column first.
	type col struct {
		name, role string
		want       []hdf5.Class
	}
	cols := []col{
		{roles.Stimulus, "the signed stimulus, a number", num},
		{roles.Block, "the block or condition, a number or a string", []hdf5.Class{hdf5.Integer, hdf5.String}},
	}
	if roles.Mode != "" {
		cols = append(cols, col{roles.Mode, "task or passive, strings", []hdf5.Class{hdf5.String}})
	}
	if roles.Session != "" {
		cols = append(cols, col{roles.Session, "the session, an integer", []hdf5.Class{hdf5.Integer}})
	}
	if roles.Recorded != "" {
		cols = append(cols, col{roles.Recorded, "recorded or not, 0/1 or bool", []hdf5.Class{hdf5.Integer, hdf5.Bool}})
	}
	infos := map[string]hdf5.Info{}
	for _, c := range cols {
		info, err := column(f, c.name, c.role, nt, c.want...)
		if err != nil {
			return nil, err
		}
		infos[c.name] = info
	}
	return infos, nil
}

// readRoleColumns reads the columns given a role into trials, refusing a
// value outside the role's range.
func readRoleColumns(f *hdf5.File, roles Roles, infos map[string]hdf5.Info, trials []recording.Trial) error {
	stim, err := hdf5.Read[float64](f, trialsGroup+roles.Stimulus, 0, -1)
	if err != nil {
		return err
	}
	for k, v := range stim {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%s: trials column %q (the signed stimulus) is %v in trial %d; want a finite number", f.Path(), roles.Stimulus, v, k)
		}
		trials[k].Coherence = v
	}
	if infos[roles.Block].Class == hdf5.String {
		names, err := f.ReadStrings(trialsGroup + roles.Block)
		if err != nil {
			return err
		}
		index := map[string]int{}
		for k, s := range names {
			if _, ok := index[s]; !ok {
				index[s] = len(index)
			}
			trials[k].Block, trials[k].BlockName = index[s], s
		}
	} else {
		v, err := hdf5.Read[int64](f, trialsGroup+roles.Block, 0, -1)
		if err != nil {
			return err
		}
		for k, b := range v {
			if b < 0 {
				return fmt.Errorf("%s: trials column %q (the block) is %d in trial %d; want blocks >= 0", f.Path(), roles.Block, b, k)
			}
			trials[k].Block = int(b)
		}
	}
	if roles.Mode != "" {
		modes, err := f.ReadStrings(trialsGroup + roles.Mode)
		if err != nil {
			return err
		}
		for k, m := range modes {
			if m != "task" && m != "passive" {
				return fmt.Errorf("%s: trials column %q (the mode) is %q in trial %d; want task or passive", f.Path(), roles.Mode, m, k)
			}
			trials[k].Mode = m
		}
	}
	if roles.Session != "" {
		v, err := hdf5.Read[int64](f, trialsGroup+roles.Session, 0, -1)
		if err != nil {
			return err
		}
		for k, s := range v {
			trials[k].Session = int(s)
		}
	}
	if roles.Recorded != "" {
		v, err := hdf5.Read[int64](f, trialsGroup+roles.Recorded, 0, -1)
		if err != nil {
			return err
		}
		for k, r := range v {
			if r != 0 && r != 1 {
				return fmt.Errorf("%s: trials column %q (recorded) is %d in trial %d; want 0 or 1", f.Path(), roles.Recorded, r, k)
			}
			trials[k].Recorded = r == 1
		}
	}
	return nil
}

// readOwnColumns reads iplgpu's own trial columns where present with nt rows
// and typed so (an exported run's); a foreign file keeps the defaults.
func readOwnColumns(f *hdf5.File, roles Roles, trials []recording.Trial) {
	nt := len(trials)
	nums := func(name string) ([]float64, error) { return hdf5.Read[float64](f, trialsGroup+name, 0, -1) }
	// The other columns of iplgpu's trial table, where present and typed so.
	if info, ok := f.Stat(trialsGroup + "block_name"); ok && info.Class == hdf5.String && info.Len() == nt && roles.Block != "block_name" {
		if v, err := f.ReadStrings(trialsGroup + "block_name"); err == nil {
			for k := range trials {
				trials[k].BlockName = v[k]
			}
		}
	}
	for _, s := range []struct {
		name string
		set  func(t *recording.Trial, v string)
	}{{"ablation", func(t *recording.Trial, v string) { t.Ablation = v }}, {"frames", func(t *recording.Trial, v string) { t.Frames = v }}} {
		if info, ok := f.Stat(trialsGroup + s.name); ok && info.Class == hdf5.String && info.Len() == nt {
			if v, err := f.ReadStrings(trialsGroup + s.name); err == nil {
				for k := range trials {
					s.set(&trials[k], v[k])
				}
			}
		}
	}
	for _, s := range []struct {
		name string
		set  func(t *recording.Trial, v float64)
	}{
		{"trial", func(t *recording.Trial, v float64) { t.Trial = int(v) }},
		{"learning", func(t *recording.Trial, v float64) { t.Learning = v == 1 }},
		{"gate_start", func(t *recording.Trial, v float64) { t.GateStart = float32(v) }},
	} {
		if info, ok := f.Stat(trialsGroup + s.name); ok && (info.Class == hdf5.Integer || info.Class == hdf5.Float) && info.Len() == nt {
			if v, err := nums(s.name); err == nil {
				for k := range trials {
					s.set(&trials[k], v[k])
				}
			}
		}
	}
}

// unitChunk is the number of units whose spike times are read at once.
const unitChunk = 1024

// binSpikes counts each unit's spikes in the bins of the recorded trials
// (rows in the order of recorded), reading the spike times unit chunk by
// unit chunk.
func binSpikes(f *hdf5.File, starts []float64, recorded []int, bins int, binS float64) (recording.Responses, error) {
	ends, err := hdf5.Read[int64](f, unitsGroup+"spike_times_index", 0, -1)
	if err != nil {
		return recording.Responses{}, err
	}
	n := len(ends)
	rows := len(recorded)
	// The recorded trials by start time, for the search of each spike's trial.
	order := slices.Clone(recorded)
	sort.SliceStable(order, func(a, b int) bool { return starts[order[a]] < starts[order[b]] })
	rowOf := make(map[int]int, rows)
	for r, k := range recorded {
		rowOf[k] = r
	}
	on := make([]float64, rows)
	orow := make([]int, rows)
	for i, k := range order {
		on[i], orow[i] = starts[k], rowOf[k]
	}
	span := float64(bins) * binS
	counts := make([]uint16, rows*bins*n)
	prev := int64(0)
	for u0 := 0; u0 < n; u0 += unitChunk {
		u1 := min(u0+unitChunk, n)
		lo := prev
		hi := ends[u1-1]
		if hi < lo {
			return recording.Responses{}, fmt.Errorf("%s: units/spike_times_index decreases at unit %d", f.Path(), u1-1)
		}
		times, err := hdf5.Read[float64](f, unitsGroup+"spike_times", int(lo), int(hi-lo))
		if err != nil {
			return recording.Responses{}, err
		}
		s := int64(0)
		for u := u0; u < u1; u++ {
			e := ends[u] - lo
			if e < s || e > int64(len(times)) {
				return recording.Responses{}, fmt.Errorf("%s: units/spike_times_index is not increasing at unit %d", f.Path(), u)
			}
			for _, t := range times[s:e] {
				i := sort.SearchFloat64s(on, t+1e-12) - 1 // the last trial starting at or before t
				if i < 0 {
					continue
				}
				d := t - on[i]
				if d >= span {
					continue
				}
				b := int(d / binS)
				if b >= bins {
					continue
				}
				c := &counts[(orow[i]*bins+b)*n+u]
				if *c == math.MaxUint16 {
					return recording.Responses{}, fmt.Errorf("%s: unit %d fires more than %d spikes in one %g ms bin", f.Path(), u, math.MaxUint16, binS*1000)
				}
				*c++
			}
			s = e
		}
		prev = hi
	}
	return recording.NewResponses([]int{rows, bins, n}, counts)
}

// readUnits reads what is known of the units: preferred orientations, soma
// positions and electrodes (each where the file has them).
func readUnits(f *hdf5.File, r *recording.Recording) error {
	n := r.Responses.Neurons
	isNum := func(name string) bool {
		info, ok := f.Stat(name)
		return ok && (info.Class == hdf5.Float || info.Class == hdf5.Integer) && info.Len() == n && len(info.Dims) == 1
	}
	if isNum(unitsGroup + "preferred_orientation") {
		v, err := hdf5.Read[float32](f, unitsGroup+"preferred_orientation", 0, -1)
		if err != nil {
			return err
		}
		r.Theta = v
	}
	if isNum(unitsGroup+"soma_x") && isNum(unitsGroup+"soma_y") && isNum(unitsGroup+"soma_z") {
		pos := make([]float32, 3*n)
		for a, name := range []string{"soma_x", "soma_y", "soma_z"} {
			v, err := hdf5.Read[float32](f, unitsGroup+name, 0, -1)
			if err != nil {
				return err
			}
			for i := range n {
				pos[3*i+a] = v[i]
			}
		}
		r.SomaPos = pos
	}
	const tab = "/general/extracellular_ephys/electrodes/"
	ids, ok := f.Stat(tab + "id")
	if !ok {
		return nil
	}
	ne := ids.Len()
	els := make([]recording.Electrode, ne)
	for a, names := range [][2]string{{"rel_x", "x"}, {"rel_y", "y"}, {"rel_z", "z"}} {
		for _, name := range names {
			if info, ok := f.Stat(tab + name); ok && info.Len() == ne && (info.Class == hdf5.Float || info.Class == hdf5.Integer) {
				v, err := hdf5.Read[float64](f, tab+name, 0, -1)
				if err != nil {
					return err
				}
				for k := range els {
					els[k].PosUm[a] = v[k]
				}
				break
			}
		}
	}
	for k := range els {
		els[k].Row, els[k].Col, els[k].Label = -1, -1, fmt.Sprintf("electrode %d", k)
	}
	{
		for _, c := range []struct {
			name string
			set  func(e *recording.Electrode, v int64)
		}{{"array_row", func(e *recording.Electrode, v int64) { e.Row = int(v) }}, {"array_col", func(e *recording.Electrode, v int64) { e.Col = int(v) }}} {
			if info, ok := f.Stat(tab + c.name); ok && info.Len() == ne && info.Class == hdf5.Integer {
				v, err := hdf5.Read[int64](f, tab+c.name, 0, -1)
				if err != nil {
					return err
				}
				for k := range els {
					c.set(&els[k], v[k])
				}
			}
		}
	}
	if idx, ok := f.Stat(unitsGroup + "electrodes_index"); ok && idx.Len() == n {
		ends, err := hdf5.Read[int64](f, unitsGroup+"electrodes_index", 0, -1)
		if err != nil {
			return err
		}
		flat, err := hdf5.Read[int64](f, unitsGroup+"electrodes", 0, -1)
		if err != nil {
			return err
		}
		s := int64(0)
		for u, e := range ends {
			if e < s || e > int64(len(flat)) {
				return fmt.Errorf("%s: units/electrodes_index is not increasing at unit %d", f.Path(), u)
			}
			for _, k := range flat[s:e] {
				if k < 0 || int(k) >= ne {
					return fmt.Errorf("%s: unit %d has electrode %d, outside the %d of the electrodes table", f.Path(), u, k, ne)
				}
				els[k].Units = append(els[k].Units, u)
			}
			s = e
		}
	}
	r.Electrodes = els
	return nil
}

// ReadProtocol returns general/protocol, the resolved config an iplgpu file
// holds ("" when the file has none).
func ReadProtocol(path string) (string, error) {
	f, err := hdf5.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	if !f.Exists("/general/protocol") {
		return "", nil
	}
	p, err := f.ReadStrings("/general/protocol")
	if err != nil || len(p) != 1 {
		return "", fmt.Errorf("%s: general/protocol is not one string: %v", path, err)
	}
	return p[0], nil
}
