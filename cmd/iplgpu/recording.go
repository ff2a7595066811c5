package main

import (
	"flag"
	"path/filepath"
	"strings"

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
