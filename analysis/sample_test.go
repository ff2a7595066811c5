package analysis

import (
	"slices"
	"testing"
)

// The neuron sample is k distinct neurons, ascending, the same for a seed and
// different for another.
func TestSampleNeurons(t *testing.T) {
	a := sampleNeurons(1000, 50, 1)
	if len(a) != 50 || !slices.IsSorted(a) || len(slices.Compact(slices.Clone(a))) != 50 || a[0] < 0 || a[49] >= 1000 {
		t.Fatalf("sample %v: want 50 distinct neurons of [0, 1000), ascending", a)
	}
	if b := sampleNeurons(1000, 50, 1); !slices.Equal(a, b) {
		t.Error("the same seed gave another sample")
	}
	if c := sampleNeurons(1000, 50, 2); slices.Equal(a, c) {
		t.Error("seeds 1 and 2 gave the same sample")
	}
	if all := sampleNeurons(7, 7, 3); !slices.Equal(all, []int{0, 1, 2, 3, 4, 5, 6}) {
		t.Errorf("k = n: %v", all)
	}
}
