package rundir

// The files of a run directory. Every package names them through these
// constants; doc.go says what each holds.
const (
	// Written by iplgpu run (Writer).
	ConfigFile     = "config.yaml"
	StatusFile     = "run.json"
	ResponsesFile  = "responses.npy"
	TrialsFile     = "trials.csv"
	FramesFile     = "frames.npy"
	SomaPosFile    = "soma_pos.npy"
	ThetaFile      = "theta.npy"
	SpinePosFile   = "spine_pos.npy"
	SpinePhiFile   = "spine_phi.npy"
	SpineOwnerFile = "spine_owner.npy"
	EdgesFile      = "edges.npy"
	WSessionsFile  = "w_sessions.npy"
	WFinalFile     = "w_final.npy"
	GainFinalFile  = "gain_final.npy"
	// CheckpointFile is the state of a run at its last checkpoint, which
	// iplgpu run -resume continues from; a complete run has none.
	CheckpointFile = "checkpoint.npz"
	// ManifestFile records the run's identity and the size and SHA-256 of
	// every file the run wrote (Manifest).
	ManifestFile = "manifest.json"

	// Written by the analysis (iplgpu analyse; report package).
	InfoFile          = "info.csv"
	TimeCourseFile    = "timecourse.csv"
	NetworkFile       = "network.csv"
	WHistFile         = "w_hist.csv"
	IsletsFile        = "islets.csv"
	TuningFile        = "tuning.csv"
	SpatialFile       = "spatial.csv"
	TaskCorrFile      = "taskcorr.csv"
	ConsistencyFile   = "consistency.csv"
	ReversibilityFile = "reversibility.csv"
	CalibrationFile   = "calibration.csv"
	ReportFile        = "report.md"

	// Written by iplgpu analyse on a directory of runs (several seeds):
	// into that directory, which is not itself a run directory.
	SeedsFile            = "seeds.csv"
	SeedsCalibrationFile = "seeds_calibration.csv"
	SeedsReportFile      = "seeds.md"

	// Written by iplgpu merge into a sweep directory (package sweep).
	MergedFile       = "merged.csv"
	MergedPointsFile = "merged_points.csv"
	MergedReportFile = "merged.md"

	// Written by iplgpu fisher -run: its own table, never the analysis's.
	FisherFile = "fisher.csv"

	// LockFile is the lock a writer holds on the directory (see Create); it
	// stays in the directory, empty.
	LockFile = ".iplgpu.lock"
)
