package report

import (
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/fisher"
)

// TestCoverageText: the coverage sentence gives each subset size's n/DF
// over the run's bootstrapped blocks (DF = T+ + T- - 2) and places it
// against the two measured ratios; blocks without a bootstrap do not count.
func TestCoverageText(t *testing.T) {
	row := func(tp, tm, boot int, sizes ...int) analysis.InfoRow {
		in := analysis.InfoRow{TPlus: tp, TMinus: tm, Boot: fisher.BootSpec{Replicates: boot}}
		for _, n := range sizes {
			in.Sizes = append(in.Sizes, analysis.SizeResult{N: n})
		}
		return in
	}
	sum := &analysis.Summary{Blocks: []analysis.BlockResult{
		// 160 per class: DF 318; 80 per class: DF 158.
		{Info: []analysis.InfoRow{row(160, 160, 200, 14, 20, 52)}},
		{Info: []analysis.InfoRow{row(80, 80, 200, 14, 20, 52)}},
		// Not bootstrapped: ignored (20/38 would be 0.53).
		{Info: []analysis.InfoRow{row(20, 20, 0, 20)}},
	}}
	got := coverageText(&page{Summary: sum})
	for _, want := range []string{
		"14 neurons 0.04–0.09 (at or below the nominal point)",
		"20 neurons 0.06–0.13 (within the measured range)",
		"52 neurons 0.16–0.33 (partly beyond the measured range",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("coverage text lacks %q:\n%s", want, got)
		}
	}
	sum.Blocks = sum.Blocks[2:]
	if got := coverageText(&page{Summary: sum}); strings.Contains(got, "In this run") {
		t.Errorf("no bootstrapped block, yet: %s", got)
	}
}
