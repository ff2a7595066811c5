package fisher

// Default subset size and count of a run analysis (docs/model.md section 8.3).
const (
	DefaultSubsetSize = 20
	DefaultSubsets    = 200
)
