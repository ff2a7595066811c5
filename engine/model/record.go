package model

import (
	"time"

	"github.com/iplgpu/iplgpu/recording"
)

// What a run records: the values a simulation hands its recorder
// (engine.Recorder), which package rundir writes as a run directory. They live
// here, with the description of the run, so that the engine and the writer
// share them without importing each other.

// TrialRecord is one trial of the protocol as the recorder keeps it (one line
// of trials.csv): the recording's trial type, so that what the engine records
// is what every reader of a recording hands the analysis.
type TrialRecord = recording.Trial

// The values of RunStatus.State.
const (
	StateRunning     = "running"
	StateComplete    = "complete"
	StateInterrupted = "interrupted"
	StateFailed      = "failed"
)

// RunStatus is what the run was, how far it got, and what it cost (run.json).
type RunStatus struct {
	Version      string    `json:"version"`
	Seed         uint64    `json:"seed"`
	Backend      string    `json:"backend"`
	State        string    `json:"status"` // running | complete | interrupted | failed
	Error        string    `json:"error,omitempty"`
	TrialsDone   int       `json:"trials_done"`
	TrialsTotal  int       `json:"trials_total"`
	Recorded     int       `json:"recorded_trials"`
	Neurons      int       `json:"neurons"`
	Spines       int       `json:"spines"`
	Edges        int       `json:"edges"`
	ContactUm    float64   `json:"contact_distance_um"`
	BuildSeconds float64   `json:"build_seconds"`
	SimSeconds   float64   `json:"simulate_seconds"`
	Started      time.Time `json:"started"`
	Finished     time.Time `json:"finished"`
}

// Var is one variable of a checkpoint: its name ("/" groups, e.g. state/w,
// host/step) and a pointer to it: a slice or a scalar (see rundir.Var for the
// element types a checkpoint stores).
type Var struct {
	Name string
	Ptr  any
}

// CheckpointAt is where a run stands at a checkpoint: the backend whose state
// it holds (as run.json names it) and the protocol position, the trials done
// and the block and the trial within it of the next trial (Block = number of
// blocks when none is left).
type CheckpointAt struct {
	Backend      string
	TrialsDone   int
	TrialsTotal  int
	Block        int
	TrialInBlock int
}
