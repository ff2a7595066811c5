package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/report"

	"github.com/iplgpu/iplgpu/nwb"
	"github.com/iplgpu/iplgpu/recording"
	"github.com/iplgpu/iplgpu/rundir"
)

// nwbRoles are the flags that map an NWB file's trial columns to roles.
type nwbRoles struct {
	roles nwb.Roles
	binMs float64
}

func nwbRoleFlags(fs *flag.FlagSet) *nwbRoles {
	r := &nwbRoles{}
	d := nwb.DefaultRoles
	fs.StringVar(&r.roles.Stimulus, "stimulus-column", d.Stimulus, "with -nwb: the trials column of the signed stimulus (number: + one orientation, - the other, magnitude the coherence)")
	fs.StringVar(&r.roles.Block, "block-column", d.Block, "with -nwb: the trials column of the block or condition (integer or string)")
	fs.StringVar(&r.roles.Mode, "mode-column", d.Mode, "with -nwb: the trials column of task | passive (strings; empty: every trial a task trial)")
	fs.StringVar(&r.roles.Session, "session-column", d.Session, "with -nwb: the trials column of the session (integer; empty: one session)")
	fs.StringVar(&r.roles.Recorded, "recorded-column", d.Recorded, "with -nwb: the trials column marking recorded trials (0/1 or bool; empty: all)")
	fs.Float64Var(&r.binMs, "bin-ms", 50, "with -nwb: bin width (ms) in which spike times are counted from each trial's start_time")
	return r
}

// set says whether any of the role flags was given.
func (r *nwbRoles) set(given map[string]bool) bool {
	for _, f := range []string{"stimulus-column", "block-column", "mode-column", "session-column", "recorded-column", "bin-ms"} {
		if given[f] {
			return true
		}
	}
	return false
}

// isNWB says whether path names an NWB file rather than a run directory.
func isNWB(path string) bool { return strings.HasSuffix(strings.ToLower(path), ".nwb") }

// openRecording opens a run directory's recording (responses.npy,
// trials.csv) or an NWB file's (with roles), and names the file
// 'iplgpu fisher' writes for it.
func openRecording(path string, roles *nwbRoles, notef rundir.Notef) (*recording.Recording, string, error) {
	if isNWB(path) {
		f, err := nwb.Open(path, roles.roles, nwb.OpenOptions{BinMs: roles.binMs})
		if err != nil {
			return nil, "", err
		}
		return &f.Recording, strings.TrimSuffix(path, filepath.Ext(path)) + ".fisher.csv", nil
	}
	rec, err := rundir.OpenRecording(path, notef)
	if err != nil {
		return nil, "", err
	}
	return rec, filepath.Join(path, rundir.FisherFile), nil
}

// openNWBRun reads an NWB file that iplgpu export wrote as the run it came
// from, for the whole analysis: its protocol (the resolved config, proto, as
// nwb.ReadProtocol read it) goes to out/config.yaml, where the analysis then
// writes its tables, figures and report. A file without the protocol is
// refused: the analysis needs the protocol's blocks and timing.
func openNWBRun(file, proto, out string) (*rundir.Run, error) {
	if proto == "" {
		return nil, fmt.Errorf("%s has no iplgpu protocol (general/protocol)", file)
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	cfgPath := filepath.Join(out, rundir.ConfigFile)
	if err := rundir.WriteFileAtomic(cfgPath, func(w io.Writer) error { _, err := io.WriteString(w, proto); return err }); err != nil {
		return nil, err
	}
	cfg, err := model.LoadConfig("", cfgPath, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: general/protocol: %w", file, err)
	}
	f, err := nwb.Open(file, nwb.DefaultRoles, nwb.OpenOptions{BinMs: cfg.Stimulus.BinMs})
	if err != nil {
		return nil, err
	}
	d := &rundir.Run{Dir: out, Recording: f.Recording, Config: cfg, ConfigYAML: []byte(proto),
		Owner: f.Owner, EdgeA: f.EdgeA, EdgeB: f.EdgeB, WSnapshots: f.WSnapshots, WFinalOnly: f.WFinalOnly}
	if err := d.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return d, nil
}

// nwbJob is iplgpu analyse on an NWB file: the file, the output directory,
// the trial columns' roles and the analysis and report options.
type nwbJob struct {
	ctx            context.Context
	file, out      string
	roles          *nwbRoles
	opt            analysis.Options
	ropt           report.WriteOptions
	stdout, stderr io.Writer
}

// analyse analyses an NWB file that iplgpu export wrote into out, as
// analyseDir analyses a run directory; a recording without an iplgpu
// protocol goes to recording.
func (j nwbJob) analyse() int {
	const prefix = "iplgpu analyse"
	t0 := time.Now()
	proto, err := nwb.ReadProtocol(j.file)
	if err != nil {
		fmt.Fprintf(j.stderr, "%s: %v\n", prefix, err)
		return 1
	} else if proto == "" {
		return j.recording()
	}
	d, err := openNWBRun(j.file, proto, j.out)
	if err != nil {
		fmt.Fprintf(j.stderr, "%s: %v\n", prefix, err)
		return 1
	}
	load := func(opt analysis.Options) (*analysis.Summary, *rundir.Run, error) {
		sum, err := analysis.Compute(d, opt)
		if err == nil {
			sum.Notes = append([]string{fmt.Sprintf("analysed from the NWB file %s (spike times binned in %g ms bins)", j.file, d.Config.Stimulus.BinMs)}, sum.Notes...)
		}
		return sum, d, err
	}
	return analyseLoaded(j.ctx, loadedRun{source: j.file, dir: j.out, started: t0, load: load}, j.opt, j.ropt, prefix, console{j.stdout, j.stderr})
}

// DistanceFile is the table of signature (b) that analyse writes for a
// recording without an iplgpu protocol.
const DistanceFile = "distance.csv"

// recording analyses an NWB recording without an iplgpu protocol
// (analysis.AnalyseRecording) into out: fisher.csv and, where the recording
// allows, distance.csv.
func (j nwbJob) recording() int {
	ctx, file, out, roles, opt, stdout, stderr := j.ctx, j.file, j.out, j.roles, j.opt, j.stdout, j.stderr
	const prefix = "iplgpu analyse"
	fail := func(err error) int {
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		return 1
	}
	t0 := time.Now()
	rec, _, err := openRecording(file, roles, nil)
	if err != nil {
		return fail(err)
	}
	sum, err := analysis.AnalyseRecording(rec, opt)
	if interrupted(ctx, err, prefix, file, stderr) {
		return 130
	}
	if err != nil {
		return fail(err)
	}
	if len(sum.Info) == 0 {
		return fail(fmt.Errorf("%s: nothing to analyse: no session and block has recorded trials at both +c and -c for a coherence c > 0 with enough trials (see the notes above)", file))
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return fail(err)
	}
	written := []string{filepath.Join(out, rundir.FisherFile)}
	if err := rundir.WriteFileAtomic(written[0], func(w io.Writer) error { return report.WriteFisherCSV(w, sum.Info) }); err != nil {
		return fail(err)
	}
	if d := sum.Distance; d != nil {
		path := filepath.Join(out, DistanceFile)
		err := rundir.WriteFileAtomic(path, func(w io.Writer) error { return report.WriteDistanceCSV(w, d) })
		if err != nil {
			return fail(err)
		}
		written = append(written, path)
	}
	fmt.Fprintf(stdout, "analysis of the recording %s: %d rows in %.1f s\n%s\n", file, len(sum.Info), time.Since(t0).Seconds(), strings.Join(written, "\n"))
	return 0
}
