package glbackend

import (
	"strconv"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/enginetest"
	"github.com/iplgpu/iplgpu/engine/gl"
	"github.com/iplgpu/iplgpu/engine/gl/gltest"
	"github.com/iplgpu/iplgpu/engine/model"
)

// newTestBackend returns a GL backend on the shared test context.
func newTestBackend(t testing.TB) *Backend {
	t.Helper()
	c := gltest.Need(t)
	be, err := NewBackendOn(c)
	if err != nil {
		t.Fatal(err)
	}
	return be
}

func TestBackendConformance(t *testing.T) {
	gltest.Need(t)
	enginetest.Run(t, func(t testing.TB) engine.Backend { return newTestBackend(t) })
}

func TestBackendNameAndBuffers(t *testing.T) {
	be := newTestBackend(t)
	defer be.Close()
	if name := be.Name(); !strings.HasPrefix(name, "gl (") || !strings.Contains(name, be.Context().Info().Renderer) {
		t.Errorf("Name() = %q, want gl (renderer, ...)", name)
	}
	if be.Buffers().S != nil {
		t.Error("Buffers before Load are not empty")
	}
	cfg, net := enginetest.SmallNetwork(t, "network.neurons=20")
	if err := be.Load(net, model.ParamsFromConfig(cfg)); err != nil {
		t.Fatal(err)
	}
	bufs := be.Buffers()
	for _, b := range []struct {
		name string
		buf  *gl.Buffer
		n    int
	}{
		{"SpineX", bufs.SpineX, net.Spines()}, {"SpineY", bufs.SpineY, net.Spines()}, {"SpineZ", bufs.SpineZ, net.Spines()},
		{"S", bufs.S, net.Spines()}, {"Events", bufs.Events, net.Spines()},
		{"EdgeSpines", bufs.EdgeSpines, 2 * net.Edges()}, {"EdgeState", bufs.EdgeState, 2 * net.Edges()},
	} {
		if b.buf == nil || b.buf.ID() == 0 || b.buf.Size() != 4*b.n {
			t.Errorf("Buffers().%s = %+v, want a buffer of %d bytes", b.name, b.buf, 4*b.n)
		}
	}
	// An odd number of steps leaves the newest potentials in the second buffer;
	// Run copies them back so that Buffers().S holds them.
	seg := enginetest.Segment(0, 3, 0.4, 1)
	if err := be.Run(seg, nil); err != nil {
		t.Fatal(err)
	}
	var st engine.State
	if err := be.State(&st); err != nil {
		t.Fatal(err)
	}
	x := make([]float32, net.Spines())
	gltest.Do(t, be.Context(), func() error { return gl.Download(be.Buffers().S, 0, x) })
	for k := range x {
		if x[k] != st.S[k] {
			t.Fatalf("Buffers().S[%d] = %v, State().S = %v", k, x[k], st.S[k])
		}
	}
	if gb, err := be.CopyBandwidth(1<<20, 1); err != nil || !(gb > 0) {
		t.Errorf("CopyBandwidth = %v, %v", gb, err)
	}
}

// A network whose arrays exceed GL_MAX_SHADER_STORAGE_BLOCK_SIZE is refused
// before anything is allocated, naming the buffers, their sizes and the limit.
func TestBackendRefusesOversizedNetwork(t *testing.T) {
	c := gltest.Need(t)
	be := newTestBackend(t)
	defer be.Close()
	cfg, net := enginetest.SmallNetwork(t, "network.neurons=100", "network.spines_per_neuron=16")
	// Lower the limit between the spine arrays (6.4 kB) and the edge arrays.
	lowered := c.Limits()
	const limit = 8000
	if net.Edges()*8 <= limit || net.Spines()*4+4 > limit {
		t.Fatalf("test network: %d spines, %d CSR entries do not straddle the limit %d", net.Spines(), len(net.Partner), limit)
	}
	lowered.MaxSSBOBlockSize = limit
	saved := c.SetLimits(lowered)
	defer c.SetLimits(saved)
	err := be.Load(net, model.ParamsFromConfig(cfg))
	if err == nil {
		t.Fatal("Load accepted a network over the lowered SSBO limit")
	}
	msg := err.Error()
	for _, want := range []string{
		`"CSR (partner, edge) entries"`, `"edge state (w, e)"`, "GL_MAX_SHADER_STORAGE_BLOCK_SIZE is 8000 bytes",
		strconv.Itoa(8 * len(net.Partner)), strconv.Itoa(8 * net.Edges()), "fewer neurons",
	} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q does not mention %q", msg, want)
		}
	}
	if strings.Contains(msg, `"spine potential s"`) {
		t.Errorf("error %q names a buffer under the limit", msg)
	}
	if be.Buffers().S != nil {
		t.Error("buffers were allocated for a refused network")
	}
	// Back under the real limit the same backend loads it.
	c.SetLimits(saved)
	if err := be.Load(net, model.ParamsFromConfig(cfg)); err != nil {
		t.Fatal(err)
	}
}

// Misuse returns errors, and a backend can be reloaded with another network.
func TestBackendErrorsAndReload(t *testing.T) {
	be := newTestBackend(t)
	defer be.Close()
	if err := be.Run(enginetest.Segment(0, 1, 0, 1), nil); err == nil {
		t.Error("Run before Load gave no error")
	}
	var st engine.State
	if err := be.State(&st); err == nil {
		t.Error("State before Load gave no error")
	}
	for _, n := range []int{40, 25} {
		cfg, net := enginetest.SmallNetwork(t, "network.neurons="+strconv.Itoa(n))
		if err := be.Load(net, model.ParamsFromConfig(cfg)); err != nil {
			t.Fatal(err)
		}
		seg := enginetest.Segment(0, 10, 0.5, 1)
		seg.Record, seg.BinSteps = true, 5
		if err := be.Run(seg, make([]uint16, net.N)); err == nil {
			t.Errorf("%d neurons: Run with a counts buffer for 1 bin of 2 gave no error", n)
		}
		if err := be.Run(seg, make([]uint16, 2*net.N)); err != nil {
			t.Fatal(err)
		}
		if err := be.State(&st); err != nil {
			t.Fatal(err)
		}
		if len(st.S) != net.Spines() || len(st.W) != net.Edges() || len(st.H) != n {
			t.Errorf("%d neurons: State has %d spines, %d edges, %d neurons", n, len(st.S), len(st.W), len(st.H))
		}
	}
	if err := be.Close(); err != nil {
		t.Fatal(err)
	}
	if err := be.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// NewBackend makes and owns a context of its own, and Close closes it.
func TestNewBackendOwnsContext(t *testing.T) {
	gltest.Need(t)
	be, err := NewBackend()
	if err != nil {
		t.Fatal(err)
	}
	c := be.Context()
	if err := be.Close(); err != nil {
		t.Fatal(err)
	}
	if err := c.Do(func() error { return nil }); err != gl.ErrClosed {
		t.Errorf("Do after Close of an owning backend: %v, want ErrClosed", err)
	}
}
