package cpu

import (
	"reflect"
	"slices"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
)

// Every field of Backend is either an array of the dynamic state, listed in
// engine.State.Arrays under the names given here (so that State, SetState and
// checkpoints carry it), or named here as fixed for the run or recomputed
// before it is read. A field added to Backend fails this test until it is put
// in one of the two lists: a resumed run must not lose state.
func TestBackendStateIsListed(t *testing.T) {
	state := map[string][]string{
		"s": {"s"}, "x": {"x"}, "a": {"events"}, "we": {"w", "e"}, "b": {"b"}, "h": {"h"}, "z": {"z"},
	}
	notState := map[string]string{
		"workers": "fixed", "net": "fixed", "p": "fixed",
		"mirror": "fixed: the other CSR entry of each contact, from the network",
		"ac":     "derived: w x e of each CSR entry, recomputed from w and e whenever they change (SetState too)",
		"chunk":  "fixed: neurons per chunk, from the network",
		"shares": "scratch: the workers' chunk counters of the pass in progress",
		"sNext":  "scratch: every step writes it whole before the swap",
		"gain":   "cache of the task gain for gainA, a function of the fixed phases",
		"gainA":  "cache key of gain",
		"gainOK": "cache flag of gain (Load clears it)",
		"fbU":    "cache of the feedback's u(theta_i) for fbA, a function of the fixed preferences",
		"fbA":    "cache key of fbU",
		"fbOK":   "cache flag of fbU (Load clears it)",
		"growth": "scratch: Run fills it at the first frame of every segment",
		"escale": "1 between segments: every segment folds it into e at its end (model.EScale)",
	}
	bt := reflect.TypeFor[Backend]()
	var names []string
	for i := range bt.NumField() {
		f := bt.Field(i).Name
		name, isState := state[f]
		_, isNot := notState[f]
		switch {
		case isState && isNot:
			t.Errorf("cpu.Backend.%s is listed both as state and as not state", f)
		case !isState && !isNot:
			t.Errorf("cpu.Backend.%s is neither an array of engine.State (listed here with its name in State.Arrays) nor listed here as fixed or scratch: a resumed run would lose it", f)
		case isState:
			names = append(names, name...)
		}
	}
	var st engine.State
	var listed []string
	for _, a := range st.Arrays() {
		listed = append(listed, a.Name)
	}
	slices.Sort(names)
	slices.Sort(listed)
	if !slices.Equal(names, listed) {
		t.Errorf("cpu.Backend's state fields map to %q, engine.State.Arrays lists %q", names, listed)
	}
}
