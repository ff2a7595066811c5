package nwb

import "errors"

// ErrNoHDF5 is the error of every NWB function in a build without -tags
// hdf5 (the HDF5 C library), such as the headless GPU build.
var ErrNoHDF5 = errors.New("this iplgpu was built without NWB support (build it with -tags hdf5 and Debian's libhdf5-dev, as make does)")

// Roles names the trials-table columns that carry what the analysis needs.
type Roles struct {
	// Stimulus is the signed stimulus: + one orientation, - the other, 0
	// neither; its magnitude the coherence (a number).
	Stimulus string
	// Block is the condition: trials of one block are analysed together (a
	// number or a string).
	Block string
	// Mode says task or passive (strings "task" and "passive"); "" when the
	// recording has no such column (every trial a task trial).
	Mode string
	// Session is the session index (a number); "" for none (all 0).
	Session string
	// Recorded marks the trials whose spikes count (0/1 or bool); "" for all.
	Recorded string
}

// DefaultRoles are the columns export writes.
var DefaultRoles = Roles{Stimulus: "coherence", Block: "block", Mode: "mode", Session: "session", Recorded: "recorded"}
