//go:build hdf5

package nwb

import (
	"crypto/rand"
	"fmt"
	randv2 "math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/hdf5"
	"github.com/iplgpu/iplgpu/rundir"
)

// Available says whether this build reads and writes NWB files.
const Available = true

// Version is the NWB schema version of the files Export writes.
const Version = "2.9.0"

// unitBlock is the number of units whose spike times are generated and
// written together (the only spike times in memory at once).
const unitBlock = 32

// ExportStats says what Export wrote.
type ExportStats struct {
	Units, Trials, Electrodes int
	Spikes                    int64
	Bytes                     int64
}

// Export writes run d as the NWB file path, whole or not at all (a temporary
// file renamed). The counts must be iplgpu's (uint16).
func Export(d *rundir.Run, path string) (ExportStats, error) {
	var st ExportStats
	counts, ok := d.Responses.Data().([]uint16)
	if !ok {
		return st, fmt.Errorf("%s: counts of type %T; export writes iplgpu's uint16 spike counts", filepath.Join(d.Dir, rundir.ResponsesFile), d.Responses.Data())
	}
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+"-"+strconv.Itoa(os.Getpid()))
	f, err := hdf5.Create(tmp)
	if err != nil {
		return st, err
	}
	e := &exporter{f: f, d: d, counts: counts}
	err = e.write(&st)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return st, err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return st, err
	}
	if fi, err := os.Stat(path); err == nil {
		st.Bytes = fi.Size()
	}
	return st, nil
}

type exporter struct {
	f      *hdf5.File
	d      *rundir.Run
	counts []uint16
	err    error
}

// uuid4 is a random UUID (an NWB object_id).
func uuid4() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// The helpers below keep the first error and do nothing after it.

func (e *exporter) group(name string) {
	if e.err == nil {
		e.err = e.f.CreateGroup(name)
	}
}

func (e *exporter) attr(obj, key, v string) {
	if e.err == nil {
		e.err = e.f.AttrString(obj, key, v)
	}
}

// typed marks obj as neurodata type typ of namespace ns.
func (e *exporter) typed(obj, ns, typ string) {
	e.attr(obj, "namespace", ns)
	e.attr(obj, "neurodata_type", typ)
	e.attr(obj, "object_id", uuid4())
}

func (e *exporter) str(name, v string) {
	if e.err == nil {
		e.err = e.f.WriteStrings(name, []string{v}, true)
	}
}

func (e *exporter) strs(name string, v []string) {
	if e.err == nil {
		e.err = e.f.WriteStrings(name, v, false)
	}
}

func write[T hdf5.Number](e *exporter, name string, dims []int, v []T) {
	if e.err == nil {
		e.err = hdf5.Write(e.f, name, dims, v)
	}
}

// column marks dataset name as a VectorData column described by desc.
func (e *exporter) column(name, desc string) {
	e.typed(name, "hdmf-common", "VectorData")
	e.attr(name, "description", desc)
}

// table marks group name as a DynamicTable of type typ with rows ids and
// columns cols.
func (e *exporter) table(name, ns, typ, desc string, rows int, cols []string) {
	e.typed(name, ns, typ)
	e.attr(name, "description", desc)
	if e.err == nil {
		e.err = e.f.AttrStrings(name, "colnames", cols)
	}
	ids := make([]int64, rows)
	for i := range ids {
		ids[i] = int64(i)
	}
	write(e, name+"/id", []int{rows}, ids)
	e.typed(name+"/id", "hdmf-common", "ElementIdentifiers")
}

// index writes name+"_index", the VectorIndex of the ragged column name
// (ends: the end of each row's values).
func (e *exporter) index(name string, ends []uint64, desc string) {
	write(e, name+"_index", []int{len(ends)}, ends)
	e.typed(name+"_index", "hdmf-common", "VectorIndex")
	e.attr(name+"_index", "description", desc)
	if e.err == nil {
		e.err = e.f.AttrRef(name+"_index", "target", name)
	}
}

func (e *exporter) write(st *ExportStats) error {
	d := e.d
	cfg := d.Config
	version := model.Version
	if d.HasStatus && d.Status.Version != "" {
		version = d.Status.Version
	}
	start := time.Unix(0, 0).UTC()
	if d.HasStatus && !d.Status.Started.IsZero() {
		start = d.Status.Started.UTC()
	}
	e.typed("/", "core", "NWBFile")
	e.attr("/", "nwb_version", Version)
	for _, g := range []string{"/acquisition", "/analysis", "/processing", "/stimulus", "/stimulus/presentation", "/stimulus/templates", "/general", "/general/devices", "/general/extracellular_ephys", "/intervals"} {
		e.group(g)
	}
	e.strs("/file_create_date", []string{time.Now().UTC().Format("2006-01-02T15:04:05.000000-07:00")})
	e.str("/identifier", fmt.Sprintf("iplgpu-%s-seed%d-%s", version, cfg.Seed, uuid4()))
	e.str("/session_description", fmt.Sprintf("iplgpu simulated recording: %d neurons, %d trials (%d recorded), seed %d", d.Responses.Neurons, len(d.Trials), d.Responses.Trials, cfg.Seed))
	e.str("/session_start_time", start.Format("2006-01-02T15:04:05-07:00"))
	e.str("/timestamps_reference_time", start.Format("2006-01-02T15:04:05-07:00"))
	e.str("/general/session_id", fmt.Sprintf("seed %d", cfg.Seed))
	e.str("/general/experiment_description", "a simulated V4-like population with inter-postsynaptic functional links (IPLs) between dendritic spines, trained on an orientation discrimination task; the resolved configuration is general/protocol")
	e.str("/general/institution", "none: simulated by iplgpu")
	const subj = "/general/subject"
	e.group(subj)
	e.typed(subj, "core", "Subject")
	e.str(subj+"/subject_id", fmt.Sprintf("iplgpu-seed-%d", cfg.Seed))
	e.str(subj+"/description", "no animal: a network simulated by iplgpu (a model of macaque V4)")
	e.str(subj+"/species", "Macaca mulatta")
	e.str(subj+"/sex", "U")
	e.str("/general/protocol", string(d.ConfigYAML))
	e.str("/general/notes", fmt.Sprintf("iplgpu %s; seed %d; bin_ms %g; config_sha256 in the run's manifest. Spike times are drawn uniformly within each %g ms bin of the recorded counts (PCG seeded with the seed and the unit index); binning them again gives the counts.", version, cfg.Seed, cfg.Stimulus.BinMs, cfg.Stimulus.BinMs))

	els, err := e.electrodes()
	if err != nil {
		return err
	}
	st.Electrodes = len(els)
	st.Trials = e.trials()
	e.frames()
	e.network()
	n, err := e.units(els)
	st.Units, st.Spikes = d.Responses.Neurons, n
	if err != nil {
		return err
	}
	return e.err
}

// trialTimes is each trial's stimulus onset and end (s): trials back to back
// with their inter-trial interval.
func (e *exporter) trialTimes() (on []float64, trialS float64) {
	c := e.d.Config
	t := model.TimingOf(c)
	trialS = float64(t.TrialSteps) * c.Dynamics.DtMs / 1000
	period := float64(t.TrialSteps+t.ITISteps) * c.Dynamics.DtMs / 1000
	on = make([]float64, len(e.d.Trials))
	for k := range on {
		on[k] = float64(k) * period
	}
	return on, trialS
}

func (e *exporter) trials() int {
	d := e.d
	const g = "/intervals/trials"
	e.group(g)
	n := len(d.Trials)
	cols := append([]string{"start_time", "stop_time"}, rundir.TrialsColumns...)
	e.table(g, "core", "TimeIntervals", "experimental trials: every line of the run's trials.csv", n, cols)
	on, trialS := e.trialTimes()
	stop := make([]float64, n)
	for k := range stop {
		stop[k] = on[k] + trialS
	}
	write(e, g+"/start_time", []int{n}, on)
	e.column(g+"/start_time", "Start time of epoch, in seconds")
	write(e, g+"/stop_time", []int{n}, stop)
	e.column(g+"/stop_time", "Stop time of epoch, in seconds")
	ints := func(name, desc string, v func(t *rundir.TrialRecord) int64) {
		x := make([]int64, n)
		for k := range d.Trials {
			x[k] = v(&d.Trials[k])
		}
		write(e, g+"/"+name, []int{n}, x)
		e.column(g+"/"+name, desc)
	}
	strs := func(name, desc string, v func(t *rundir.TrialRecord) string) {
		x := make([]string, n)
		for k := range d.Trials {
			x[k] = v(&d.Trials[k])
		}
		e.strs(g+"/"+name, x)
		e.column(g+"/"+name, desc)
	}
	b01 := func(b bool) int64 {
		if b {
			return 1
		}
		return 0
	}
	coh := make([]float64, n)
	gate := make([]float32, n)
	for k, t := range d.Trials {
		coh[k], gate[k] = t.Coherence, t.GateStart
	}
	ints("trial", "running trial index over the run", func(t *rundir.TrialRecord) int64 { return int64(t.Trial) })
	ints("session", "0 before training, 1..S the training sessions, S+1 the blocks after the last", func(t *rundir.TrialRecord) int64 { return int64(t.Session) })
	ints("block", "block index in the run's protocol", func(t *rundir.TrialRecord) int64 { return int64(t.Block) })
	strs("block_name", "the block's name in the protocol (general/protocol)", func(t *rundir.TrialRecord) string { return t.BlockName })
	strs("mode", "task or passive", func(t *rundir.TrialRecord) string { return t.Mode })
	write(e, g+"/coherence", []int{n}, coh)
	e.column(g+"/coherence", "signed stimulus: coherence, + orientation A, - orientation B (A + 90 deg), 0 neither")
	ints("learning", "1: structural plasticity on during the trial", func(t *rundir.TrialRecord) int64 { return b01(t.Learning) })
	strs("ablation", "none, formation or lateral", func(t *rundir.TrialRecord) string { return t.Ablation })
	strs("frames", "noise, consistent, persistent or frozen (frozen: one of a few fixed frame sequences)", func(t *rundir.TrialRecord) string { return t.Frames })
	ints("recorded", "1: the trial's spikes are in the units table", func(t *rundir.TrialRecord) int64 { return b01(t.Recorded) })
	ints("row", "the trial's row of the run's responses.npy; -1 when not recorded", func(t *rundir.TrialRecord) int64 { return int64(t.Row) })
	write(e, g+"/gate_start", []int{n}, gate)
	e.column(g+"/gate_start", "top-down gate m at the trial's first step")
	return n
}

func (e *exporter) frames() {
	d := e.d
	if d.FrameRows == 0 || d.FramesPerTrial == 0 {
		return
	}
	const g = "/stimulus/presentation/frame_orientation"
	e.group(g)
	e.typed(g, "core", "TimeSeries")
	e.attr(g, "description", "orientation of each stimulus frame (deg, [0, 180)); orientation A is stimulus.task_orientation_deg of general/protocol")
	e.attr(g, "comments", "rows of the run's frames.npy, one per trial, at the trials' times")
	on, _ := e.trialTimes()
	frameS := d.Config.Stimulus.FrameMs / 1000
	rows := min(d.FrameRows, len(d.Trials))
	ts := make([]float64, 0, rows*d.FramesPerTrial)
	for k := range rows {
		for j := range d.FramesPerTrial {
			ts = append(ts, on[k]+float64(j)*frameS)
		}
	}
	write(e, g+"/data", []int{len(ts)}, d.Frames[:len(ts)])
	e.attr(g+"/data", "unit", "degrees")
	if e.err == nil {
		e.err = e.f.AttrFloat64(g+"/data", "conversion", 1)
	}
	if e.err == nil {
		e.err = e.f.AttrFloat64(g+"/data", "resolution", -1)
	}
	if e.err == nil {
		e.err = e.f.AttrFloat64(g+"/data", "offset", 0)
	}
	write(e, g+"/timestamps", []int{len(ts)}, ts)
	if e.err == nil {
		e.err = e.f.AttrInt32(g+"/timestamps", "interval", 1)
	}
	e.attr(g+"/timestamps", "unit", "seconds")
}

// network writes the network the analysis summarises (network.csv,
// w_hist.csv, islets.csv, the linked pairs of spatial.csv) as the processing
// module "network": the owner of each spine, and each candidate contact's
// two spines and structural weight w after each session.
func (e *exporter) network() {
	d := e.d
	const m = "/processing/network"
	e.group(m)
	e.typed(m, "core", "ProcessingModule")
	e.attr(m, "description", "the simulated network: spines and their candidate contacts (IPL sites) with the structural weight w after each session")
	ns, ne := len(d.Owner), len(d.EdgeA)
	e.group(m + "/spines")
	e.table(m+"/spines", "hdmf-common", "DynamicTable", "one row per dendritic spine", ns, []string{"owner"})
	write(e, m+"/spines/owner", []int{ns}, d.Owner)
	e.column(m+"/spines/owner", "the unit (neuron) the spine belongs to")
	cols := []string{"spine_a", "spine_b"}
	what := "w_sessions"
	if d.WFinalOnly {
		what = "w_final"
	}
	if len(d.WSnapshots) > 0 {
		cols = append(cols, what)
	}
	e.group(m + "/contacts")
	e.table(m+"/contacts", "hdmf-common", "DynamicTable", "one row per candidate contact between two spines of different neurons (an IPL site)", ne, cols)
	write(e, m+"/contacts/spine_a", []int{ne}, d.EdgeA)
	e.column(m+"/contacts/spine_a", "row of the first spine in the spines table")
	write(e, m+"/contacts/spine_b", []int{ne}, d.EdgeB)
	e.column(m+"/contacts/spine_b", "row of the second spine in the spines table")
	if len(d.WSnapshots) == 0 {
		return
	}
	S := len(d.WSnapshots)
	w := make([]float32, ne*S)
	for k, snap := range d.WSnapshots {
		for c, v := range snap {
			w[c*S+k] = v
		}
	}
	write(e, m+"/contacts/"+what, []int{ne, S}, w)
	if d.WFinalOnly {
		e.column(m+"/contacts/w_final", "structural weight w at the end of the run")
	} else {
		e.column(m+"/contacts/w_sessions", "structural weight w after each session (column 0 before training), as the run's w_sessions.npy")
	}
}

func (e *exporter) electrodes() ([]analysis.Electrode, error) {
	d := e.d
	const dev, grp, tab = "/general/devices/utah_array", "/general/extracellular_ephys/utah_array", "/general/extracellular_ephys/electrodes"
	if d.SomaPos == nil {
		return nil, fmt.Errorf("%s: no soma positions (%s): the units cannot be placed on the virtual array", d.Dir, rundir.SomaPosFile)
	}
	els, slab, err := analysis.UtahArray(&d.Config.Network, d.SomaPos, analysis.Options{})
	if err != nil {
		return nil, err
	}
	e.group(dev)
	e.typed(dev, "core", "Device")
	e.attr(dev, "description", fmt.Sprintf("virtual Utah array: %d x %d electrodes, %v um pitch, centred on the %.0f x %.0f um slab; electrodes outside the slab left out", analysis.DefaultArraySize, analysis.DefaultArraySize, analysis.DefaultArrayPitchUm, slab[0], slab[1]))
	e.group(grp)
	e.typed(grp, "core", "ElectrodeGroup")
	e.attr(grp, "description", fmt.Sprintf("the virtual Utah array; an electrode records the units whose soma lies within %v um of it horizontally", analysis.DefaultRecordingRadiusUm))
	e.attr(grp, "location", "simulated cortical slab")
	if e.err == nil {
		e.err = e.f.SoftLink(dev, grp+"/device")
	}
	e.group(tab)
	n := len(els)
	cols := []string{"location", "group", "group_name", "rel_x", "rel_y", "rel_z", "array_row", "array_col"}
	e.table(tab, "core", "ElectrodesTable", "the electrodes of the virtual Utah array; rel_x, rel_y, rel_z in um in the slab", n, cols)
	loc, gname, refs := make([]string, n), make([]string, n), make([]string, n)
	x, y, z := make([]float64, n), make([]float64, n), make([]float64, n)
	row, col := make([]int64, n), make([]int64, n)
	for i, el := range els {
		loc[i], gname[i], refs[i] = "simulated cortical slab", "utah_array", grp
		x[i], y[i], row[i], col[i] = el.XUm, el.YUm, int64(el.Row), int64(el.Col)
	}
	e.strs(tab+"/location", loc)
	e.column(tab+"/location", "Location of the electrode (channel).")
	if e.err == nil {
		e.err = e.f.WriteRefs(tab+"/group", refs)
	}
	e.column(tab+"/group", "Reference to the ElectrodeGroup.")
	e.strs(tab+"/group_name", gname)
	e.column(tab+"/group_name", "Name of the ElectrodeGroup.")
	for _, c := range []struct {
		name string
		v    []float64
		desc string
	}{{"rel_x", x, "x in the slab (um)"}, {"rel_y", y, "y in the slab (um)"}, {"rel_z", z, "depth (um): 0, the model's electrodes record by horizontal distance"}} {
		write(e, tab+"/"+c.name, []int{n}, c.v)
		e.column(tab+"/"+c.name, c.desc)
	}
	write(e, tab+"/array_row", []int{n}, row)
	e.column(tab+"/array_row", "row of the electrode in the array (y)")
	write(e, tab+"/array_col", []int{n}, col)
	e.column(tab+"/array_col", "column of the electrode in the array (x)")
	return els, e.err
}

// unitElectrodes lists the electrodes of each of n units as one flat column
// and its index (the end of each unit's run).
func unitElectrodes(els []analysis.Electrode, n int) (flat []int64, ends []uint64) {
	unitEls := make([][]int64, n)
	for k, el := range els {
		for _, i := range el.Neurons {
			unitEls[i] = append(unitEls[i], int64(k))
		}
	}
	for _, l := range unitEls {
		flat = append(flat, l...)
		ends = append(ends, uint64(len(flat)))
	}
	return flat, ends
}

// units writes the units table; it returns the number of spikes.
func (e *exporter) units(els []analysis.Electrode) (int64, error) {
	d := e.d
	const g = "/units"
	r := d.Responses
	n := r.Neurons
	e.group(g)
	flat, ends := unitElectrodes(els, n)
	cols := []string{"spike_times", "preferred_orientation", "soma_x", "soma_y", "soma_z"}
	if len(flat) > 0 {
		cols = append(cols, "electrodes")
	}
	e.table(g, "core", "Units", "one unit per simulated neuron", n, cols)
	if e.err != nil {
		return 0, e.err
	}
	// A column of no values (no soma within any electrode's radius, a slab
	// much smaller than the array) is left out: NWB tools fail on it.
	if len(flat) > 0 {
		write(e, g+"/electrodes", []int{len(flat)}, flat)
		e.typed(g+"/electrodes", "hdmf-common", "DynamicTableRegion")
		e.attr(g+"/electrodes", "description", "the electrodes of the virtual array whose recording disc holds the unit's soma")
		if e.err == nil {
			e.err = e.f.AttrRef(g+"/electrodes", "table", "/general/extracellular_ephys/electrodes")
		}
		e.index(g+"/electrodes", ends, "Index for VectorData 'electrodes'")
	}
	theta := slices.Clone(d.Theta)
	write(e, g+"/preferred_orientation", []int{n}, theta)
	e.column(g+"/preferred_orientation", "preferred orientation (rad, [0, pi))")
	for a, name := range []string{"soma_x", "soma_y", "soma_z"} {
		v := make([]float32, n)
		for i := range n {
			v[i] = d.SomaPos[3*i+a]
		}
		write(e, g+"/"+name, []int{n}, v)
		e.column(g+"/"+name, strings.TrimPrefix(name, "soma_")+" of the soma (um)")
	}
	if e.err != nil {
		return 0, e.err
	}
	return e.spikeTimes(g)
}

// spikeTimes writes the units' spike times (g/spike_times and its index),
// unitBlock units at a time, each spike drawn within its count's bin; it
// returns the number of spikes.
func (e *exporter) spikeTimes(g string) (int64, error) {
	d := e.d
	r := d.Responses
	n := r.Neurons
	ap, err := hdf5.NewAppender[float64](e.f, g+"/spike_times", 1<<16)
	if err != nil {
		return 0, err
	}
	defer ap.Close()
	on, _ := e.trialTimes()
	binS := d.Config.Stimulus.BinMs / 1000
	type rowAt struct {
		row   int
		onset float64
	}
	var rows []rowAt
	for k, t := range d.Trials {
		if t.Recorded && t.Row >= 0 && t.Row < r.Trials {
			rows = append(rows, rowAt{t.Row, on[k]})
		}
	}
	spikeEnds := make([]uint64, n)
	buf := make([][]float64, unitBlock)
	for u0 := 0; u0 < n; u0 += unitBlock {
		u1 := min(u0+unitBlock, n)
		for i := range buf {
			buf[i] = buf[i][:0]
		}
		gens := make([]*randv2.Rand, u1-u0)
		for i := range gens {
			gens[i] = randv2.New(randv2.NewPCG(d.Config.Seed, uint64(u0+i)))
		}
		for _, ra := range rows {
			for b := range r.Bins {
				base := (ra.row*r.Bins + b) * n
				t0 := ra.onset + float64(b)*binS
				for i, c := range e.counts[base+u0 : base+u1] {
					if c == 0 {
						continue
					}
					s := len(buf[i])
					for range c {
						buf[i] = append(buf[i], t0+(0.001+0.998*gens[i].Float64())*binS)
					}
					slices.Sort(buf[i][s:])
				}
			}
		}
		for i := range u1 - u0 {
			if err := ap.Append(buf[i]); err != nil {
				return 0, err
			}
			spikeEnds[u0+i] = uint64(ap.Len())
		}
	}
	ap.Close()
	e.column(g+"/spike_times", "the spike times for each unit in seconds (drawn within each recorded count's bin; see general/notes)")
	e.attr(g+"/spike_times", "unit", "seconds")
	e.index(g+"/spike_times", spikeEnds, "Index for VectorData 'spike_times'")
	var total int64
	if n > 0 {
		total = int64(spikeEnds[n-1])
	}
	return total, e.err
}
