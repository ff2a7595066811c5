package fisher

// Default subset size and count of a run analysis (MODEL.md section 6).
const (
	DefaultSubsetSize = 20
	DefaultSubsets    = 200
)
