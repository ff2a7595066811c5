package enginetest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/model"
)

// The state tests: what checkpoint and resume rely on. They go through
// State.Arrays, so an array added there is covered without a new test.

// StateRoundTrip: SetState then State gives back every array of the state bit
// for bit (random values, not ones the dynamics would reach, so that an array
// the backend does not restore cannot pass by chance), and SetState refuses a
// state with any array of the wrong length, naming the array.
func StateRoundTrip(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=50", "network.spines_per_neuron=8")
	be := load(t, f, net, model.ParamsFromConfig(cfg))
	rng := rand.New(rand.NewPCG(1, 2))
	var want engine.State
	for _, a := range want.Arrays() {
		n := a.Per.Len(net)
		switch p := a.Ptr.(type) {
		case *[]float32:
			*p = make([]float32, n)
			for i := range *p {
				(*p)[i] = rng.Float32()*2 - 0.5
			}
		case *[]uint8:
			*p = make([]uint8, n)
			for i := range *p {
				(*p)[i] = uint8(rng.IntN(2))
			}
		default:
			t.Fatalf("state array %s is a %T: enginetest fills only []float32 and []uint8", a.Name, a.Ptr)
		}
	}
	if err := be.SetState(&want); err != nil {
		t.Fatal(err)
	}
	got := state(t, be)
	if err := got.Check(net); err != nil {
		t.Fatalf("State after SetState: %v", err)
	}
	ga := got.Arrays()
	for k, a := range want.Arrays() {
		if i := firstDiff(a.Ptr, ga[k].Ptr); i >= 0 {
			t.Errorf("state array %s: element %d differs after SetState and State (%v)", a.Name, i, pair(a.Ptr, ga[k].Ptr, i))
		}
	}
	for k, a := range want.Arrays() {
		bad := want
		short := bad.Arrays()[k]
		switch p := short.Ptr.(type) {
		case *[]float32:
			*p = slices.Clone(*p)[:len(*p)-1]
		case *[]uint8:
			*p = slices.Clone(*p)[:len(*p)-1]
		}
		err := be.SetState(&bad)
		if err == nil {
			t.Errorf("SetState took a state whose %s is one short", a.Name)
		} else if !containsWord(err.Error(), a.Name) {
			t.Errorf("SetState with %s one short: %q does not name the array", a.Name, err)
		}
	}
}

// ResumeContinues: a backend loaded fresh and given the state another took
// after some segments steps on exactly as that one does (bit for bit, counts
// and state), also when it had run other segments before; the segments cover
// learning, the task gain, new homeostatic gains and an analytic
// inter-trial interval.
func ResumeContinues(t *testing.T, f Factory) {
	cfg, net := SmallNetwork(t, "network.neurons=80", "network.spines_per_neuron=16", "dynamics.eta_w=0.05", "dynamics.w_init=0.2")
	p := model.ParamsFromConfig(cfg)
	gains := make([]float32, net.N)
	for i := range gains {
		gains[i] = 0.8 + 0.4*float32(i%5)/4
	}
	segs := func(step0 uint64) []*engine.Segment {
		a := Segment(step0, 40, 0.7, 1)
		a.Task, a.TaskA, a.Learn, a.Record, a.BinSteps = true, 0.7, true, true, 10
		a.Frames, a.FrameSteps = []float32{0.7, 1.9, float32(math.NaN()), 0.2}, 10
		a.DecayS = 0.5
		b := Segment(step0+41, 30, 1.2, 0.4)
		b.Learn, b.Gain, b.Record, b.BinSteps = true, gains, true, 10
		return []*engine.Segment{a, b}
	}
	run := func(be engine.Backend, ss []*engine.Segment) [][]uint16 {
		t.Helper()
		var out [][]uint16
		for _, s := range ss {
			c := make([]uint16, max(s.Bins(), 1)*net.N)
			if err := be.Run(s, c); err != nil {
				t.Fatal(err)
			}
			out = append(out, c)
		}
		return out
	}
	first, second := segs(0), segs(100)

	whole := load(t, f, net, p)
	run(whole, first)
	wantCounts := run(whole, second)
	want := state(t, whole)

	src := load(t, f, net, p)
	run(src, first)
	mid := state(t, src)

	fresh := load(t, f, net, p)
	used := load(t, f, net, p)
	run(used, segs(1000)) // other steps, other gains: SetState must replace all of it
	for name, be := range map[string]engine.Backend{"fresh": fresh, "used": used} {
		if err := be.SetState(mid); err != nil {
			t.Fatal(err)
		}
		gotCounts := run(be, second)
		got := state(t, be)
		for k := range wantCounts {
			if !slices.Equal(gotCounts[k], wantCounts[k]) {
				t.Errorf("%s backend after SetState: the counts of segment %d differ from an uninterrupted backend's", name, k)
			}
		}
		ga := got.Arrays()
		for k, a := range want.Arrays() {
			if i := firstDiff(a.Ptr, ga[k].Ptr); i >= 0 {
				t.Errorf("%s backend after SetState: state array %s differs from an uninterrupted backend's at element %d (%v)", name, a.Name, i, pair(a.Ptr, ga[k].Ptr, i))
			}
		}
	}
}

// firstDiff returns the first index where the two arrays (both *[]float32 or
// both *[]uint8) differ bit for bit, or -1; a length difference counts at the
// shorter length.
func firstDiff(a, b any) int {
	switch x := a.(type) {
	case *[]float32:
		y := *b.(*[]float32)
		for i := range min(len(*x), len(y)) {
			if math.Float32bits((*x)[i]) != math.Float32bits(y[i]) {
				return i
			}
		}
		if len(*x) != len(y) {
			return min(len(*x), len(y))
		}
	case *[]uint8:
		y := *b.(*[]uint8)
		for i := range min(len(*x), len(y)) {
			if (*x)[i] != y[i] {
				return i
			}
		}
		if len(*x) != len(y) {
			return min(len(*x), len(y))
		}
	}
	return -1
}

func pair(a, b any, i int) string {
	at := func(p any) string {
		switch x := p.(type) {
		case *[]float32:
			if i < len(*x) {
				return fmt.Sprint((*x)[i])
			}
		case *[]uint8:
			if i < len(*x) {
				return fmt.Sprint((*x)[i])
			}
		}
		return "none"
	}
	return fmt.Sprintf("want %s, got %s", at(a), at(b))
}

func containsWord(s, w string) bool {
	for i := 0; i+len(w) <= len(s); i++ {
		if s[i:i+len(w)] == w && (i == 0 || !isWordByte(s[i-1])) && (i+len(w) == len(s) || !isWordByte(s[i+len(w)])) {
			return true
		}
	}
	return false
}

func isWordByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
