package cpu_test

import (
	"bytes"
	"encoding/binary"
	"reflect"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/enginetest"
	"github.com/iplgpu/iplgpu/engine/model"
)

func TestCPUConformance(t *testing.T) {
	enginetest.Run(t, func(testing.TB) engine.Backend { return cpu.New(0) })
}

func stateBytes(t *testing.T, st *engine.State, counts []uint16) []byte {
	var buf bytes.Buffer
	vs := []any{counts}
	for _, a := range st.Arrays() {
		vs = append(vs, reflect.ValueOf(a.Ptr).Elem().Interface())
	}
	for _, v := range vs {
		if err := binary.Write(&buf, binary.LittleEndian, v); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// The CPU backend gives the same bytes whatever its worker count.
func TestCPUWorkerCountInvariance(t *testing.T) {
	cfg, net := enginetest.SmallNetwork(t, "network.neurons=400", "network.spines_per_neuron=16", "dynamics.eta_w=0.02", "dynamics.w_init=0.3")
	p := model.ParamsFromConfig(cfg)
	var ref []byte
	for _, workers := range []int{1, 2, 3, 7} {
		be := cpu.New(workers)
		if err := be.Load(net, p); err != nil {
			t.Fatal(err)
		}
		seg := enginetest.Segment(0, 60, 0.4, 0.9)
		seg.Learn, seg.Task, seg.Record, seg.BinSteps, seg.DecayS = true, true, true, 5, 1
		counts := make([]uint16, seg.Bins()*net.N)
		if err := be.Run(seg, counts); err != nil {
			t.Fatal(err)
		}
		var st engine.State
		be.State(&st)
		b := stateBytes(t, &st, counts)
		if ref == nil {
			ref = b
		} else if !bytes.Equal(ref, b) {
			t.Fatalf("%d workers gave different bytes from 1 worker", workers)
		}
	}
}

// The dense baseline checks its product against float64 on three rows; here on
// one worker and on three (rows split between them), small and odd sizes.
func TestDenseCouplingStep(t *testing.T) {
	for _, workers := range []int{1, 3} {
		for _, n := range []int{1, 7, 3001} {
			sec, err := cpu.New(workers).DenseCouplingStep(n, 2)
			if err != nil {
				t.Fatalf("%d workers, n = %d: %v", workers, n, err)
			}
			if !(sec > 0) {
				t.Fatalf("%d workers, n = %d: %v s per step", workers, n, sec)
			}
		}
	}
}
