package recording

// Trial is one trial of a recording: one line of a run's trials.csv, one row
// of an NWB file's trials table.
type Trial struct {
	Trial     int     // running index over the run (-1 when the column is absent)
	Session   int     // 0 before training, 1..S training sessions, S+1 after
	Block     int     // block index in the run
	BlockName string  // the block's name in the config
	Mode      string  // task | passive
	Coherence float64 // signed: + for orientation A, - for B
	Learning  bool    // structural plasticity on
	Ablation  string  // none | formation | lateral
	Frames    string  // noise | consistent | persistent | frozen
	Recorded  bool    // the trial's counts are a row of Responses
	Row       int     // that row; -1 when not recorded
	GateStart float32 // top-down gate m at the trial's first step (NaN when unknown)
}

// Electrode is one recording electrode: its position and the units it
// records (a unit may belong to several, or to none).
type Electrode struct {
	Label      string     // e.g. "r3c7" (row, column of the array)
	PosUm      [3]float64 // x, y, z (um)
	Units      []int      // the units it records, ascending
	Row, Col   int        // grid position in its array (-1 when not on a grid)
	GroupLabel string     // the array it is part of
}

// Recording is what the analysis reads.
type Recording struct {
	Source    string    // where it was read from: a run directory or a file
	Responses Responses // trials x bins x units spike counts
	Trials    []Trial   // every trial, recorded or not
	BinMs     float64   // width of a bin of Responses (ms); 0 when unknown

	Theta   []float32 // preferred orientation per unit (rad, [0, pi)); nil when unknown
	SomaPos []float32 // units x 3: soma position x, y, z (um); nil when unknown

	// Electrodes are the recording electrodes (nil when unknown).
	Electrodes []Electrode

	// Frames holds the orientation (deg, [0, 180)) of each stimulus frame,
	// FrameRows x FramesPerTrial, row k the frames of Trials[k]; nil when
	// unknown.
	Frames         []float32
	FramesPerTrial int
	FrameRows      int
}

// Units is the number of units recorded.
func (r *Recording) Units() int { return r.Responses.Neurons }

// Data returns the counts as stored: a []float64, []float32, []uint8,
// []uint16, []uint32, []int32 or []int64 of Trials x Bins x Neurons values in
// C order (read only).
func (r Responses) Data() any { return r.data }
