package analysis

// SweepCondition is one condition of a parameter sweep: a grid point without
// the seed, and the summary across the seeds of its runs (AcrossSeeds).
type SweepCondition struct {
	Values []string // the value of each of SweepSummary.Params, as the sweep file wrote it
	Points []int    // the sweep's index of each run, in the order of Seeds.Seeds
	Seeds  *SeedSummary
}

// SweepSummary is a merged sweep (iplgpu merge): every condition with its
// runs' headline numbers across seeds (SeedSummary.Headline), to be compared
// across the swept parameters.
type SweepSummary struct {
	Name       string
	Params     []string // the swept -set keys, in the sweep file's order
	Conditions []SweepCondition
	Notes      []string // points left out (not done), and other remarks
}
