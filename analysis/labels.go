package analysis

import (
	"fmt"
	"strconv"
)

// SessionLabel names a session for a reader: "before training" (0), "after
// session k" (the measurement blocks of session k follow its training), "at
// the end" (the blocks after the last session).
func SessionLabel(s, sessions int) string {
	switch {
	case s <= 0:
		return "before training"
	case s > sessions:
		return "at the end"
	}
	return fmt.Sprintf("after session %d", s)
}

// PairLabels names the two ends of a comparison; when both lie in the same
// session (e.g. alternating blocks after training) the block names tell them apart.
func PairLabels(a, b *BlockResult, sessions int) (string, string) {
	la, lb := SessionLabel(a.Session, sessions), SessionLabel(b.Session, sessions)
	if a.Session == b.Session {
		la += fmt.Sprintf(" (block %s)", a.Name)
		lb += fmt.Sprintf(" (block %s)", b.Name)
	}
	return la, lb
}

// SessionShort is the session in tables and on axes: "0", "1", ..., "end".
func SessionShort(s, sessions int) string {
	if s > sessions {
		return "end"
	}
	return strconv.Itoa(s)
}

// SnapshotLabel names a w snapshot in a legend.
func (sum *Summary) SnapshotLabel(n NetworkStats) string {
	if n.Session < 0 || n.Label == "final" {
		return n.Label
	}
	return SessionLabel(n.Session, sum.Sessions)
}
