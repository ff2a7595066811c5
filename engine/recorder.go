package engine

import (
	"time"

	"github.com/iplgpu/iplgpu/engine/model"
)

// Recorder is where Simulate puts what a run produces; rundir.Writer is the
// one that writes a run directory. Simulate calls, in order: WriteConfig (a
// new run), WriteNetwork, StartRecording, then AppendTrial for every trial,
// AppendWSnapshot after every session, WriteCheckpoint at every checkpoint,
// WriteFinal and Finish at the end, WriteStatus whenever the run's state
// changes. Close comes before the last WriteStatus, so that the status is
// written once every record is whole, and RemoveCheckpoint after it, once the
// status says complete. A recorder must not change the data it records.
type Recorder interface {
	// Dir names where the run is recorded, for messages.
	Dir() string
	WriteConfig(cfg *model.Config) error
	WriteNetwork(net *model.Network) error
	// StartRecording begins the per-trial records: counts of bins x neurons,
	// frames orientations, and w of every edge after each session when
	// snapshots is set.
	StartRecording(bins, neurons, frames, edges int, snapshots bool) error
	// AppendTrial records one finished trial; it sets t.Row.
	AppendTrial(t *model.TrialRecord, counts []uint16, framesRad []float32) error
	// Rows is the number of trials whose counts were recorded.
	Rows() int
	AppendWSnapshot(w []float32) error
	// WriteCheckpoint saves vars, the whole state, with the position at.
	WriteCheckpoint(at model.CheckpointAt, vars []model.Var) error
	WriteFinal(w, gain []float32) error
	Finish(trialsDone int) error
	WriteStatus(st *model.RunStatus) error
	RemoveCheckpoint() error
	Close() error
}

// ResumedRecorder is the Recorder of a stopped run reopened to continue it
// (SimulateOptions.Resume): instead of WriteConfig, WriteNetwork and
// StartRecording, Simulate calls CheckNetwork and ResumeRecording.
type ResumedRecorder interface {
	Recorder
	// CheckNetwork refuses a network other than the one the run recorded.
	CheckNetwork(net *model.Network) error
	// ResumeRecording continues the per-trial records after the checkpoint
	// (see StartRecording for the arguments).
	ResumeRecording(bins, neurons, frames, edges int, snapshots bool) error
	// Changed says whether anything recorded has been changed yet: until
	// then a refusal leaves the run as it was.
	Changed() bool
}

// Checkpoint is a saved state that a run continues from.
type Checkpoint interface {
	At() model.CheckpointAt
	// Restore reads every variable of vars, which must be exactly the
	// checkpoint's.
	Restore(vars []model.Var) error
	// Path names the checkpoint, for messages.
	Path() string
	Close() error
}

// Resume is a stopped run to continue: its last checkpoint (nil: none, and
// the run starts again from its first trial) and what its status recorded.
type Resume struct {
	Checkpoint Checkpoint
	Started    time.Time // the run's start (zero: unknown)
	SimSeconds float64   // seconds simulated before it stopped
	Notes      []string  // what reopening it found, to log
}
