package report

import (
	"fmt"

	"github.com/iplgpu/iplgpu/analysis"
	"github.com/iplgpu/iplgpu/engine/model"
)

// pairLabels names the two ends of a comparison; when both lie in the same
// session (e.g. alternating blocks after training) the block names tell them apart.
func pairLabels(a, b *analysis.BlockResult, sessions int) (string, string) {
	la, lb := model.SessionLabel(a.Session, sessions), model.SessionLabel(b.Session, sessions)
	if a.Session == b.Session {
		la += fmt.Sprintf(" (block %s)", a.Name)
		lb += fmt.Sprintf(" (block %s)", b.Name)
	}
	return la, lb
}
