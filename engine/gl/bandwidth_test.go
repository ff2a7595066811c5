package gl

import (
	"fmt"
	"testing"
	"time"
)

func TestTimer(t *testing.T) {
	c := needGL(t)
	do(t, c, func() error {
		tm := c.NewTimer()
		defer tm.Delete()
		p, err := c.NewProgram("copy.comp", nil)
		if err != nil {
			return err
		}
		defer p.Delete()
		// 256 MiB a buffer (or the SSBO limit), far more than a GPU's L2 cache
		// (tens of MB), so that the copy streams from memory and the floor
		// below holds.
		bytes := min(256<<20, c.Limits().MaxSSBOBlockSize) &^ 15
		vec4s := int(bytes / 16)
		src, err := c.NewBuffer("timer src", 16*vec4s)
		if err != nil {
			return err
		}
		defer src.Delete()
		dst, err := c.NewBuffer("timer dst", 16*vec4s)
		if err != nil {
			return err
		}
		defer dst.Delete()
		p.Bind("CopySrc", src)
		p.Bind("CopyDst", dst)
		start := time.Now()
		tm.Begin()
		p.Dispatch1D(vec4s)
		tm.End()
		el := tm.Elapsed()
		wall := time.Since(start)
		t.Logf("copy of %d MiB: timer %v (wall clock fallback %v), wall %v", bytes>>20, el, tm.WallClock(), wall)
		if !tm.Ready() {
			t.Error("timer not ready after Elapsed")
		}
		// No memory moves a copy larger than its caches at 20 TB/s (read +
		// write; HBM3e gives about 5).
		floor := time.Duration(float64(2*bytes) / 20e12 * 1e9)
		if el < floor || el > wall+time.Millisecond {
			t.Errorf("timer says %v for a copy of 2 x %d MiB that took %v of wall time (want at least %v)", el, bytes>>20, wall, floor)
		}
		return c.CheckError("timer")
	})
}

func TestCopyBandwidth(t *testing.T) {
	c := needGL(t)
	gbs, err := c.CopyBandwidth(32<<20, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("copy kernel on %s: %.2f GB/s (read + write, 32 MiB buffers)", c.Info().Renderer, gbs)
	if gbs <= 0 {
		t.Errorf("bandwidth %v", gbs)
	}
	if _, err := c.CopyBandwidth(int(c.Limits().MaxSSBOBlockSize)+16, 1); err == nil {
		t.Error("copy over the SSBO limit was not refused")
	}
}

func BenchmarkCopyBandwidth(b *testing.B) {
	c := needGL(b)
	for _, mib := range []int{4, 32, 128} {
		b.Run(fmt.Sprintf("%dMiB", mib), func(b *testing.B) {
			bytes := min(mib<<20, int(c.Limits().MaxSSBOBlockSize))
			var gbs float64
			for i := 0; i < b.N; i++ {
				var err error
				if gbs, err = c.CopyBandwidth(bytes, 4); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(gbs, "GB/s")
		})
	}
}

// The dense baseline's product is checked against the host inside DenseMatVec;
// here with one block, and with the limit lowered so that the matrix is split
// into blocks of columns (2 blocks of 3 chunks, then 13 blocks of one chunk),
// where a block or chunk summed at the wrong columns would fail the check.
func TestDenseMatVec(t *testing.T) {
	c := needGL(t)
	for _, n := range []int{1, 300, 1000} {
		sec, err := c.DenseMatVec(n, 2)
		if err != nil {
			t.Fatalf("n = %d: %v", n, err)
		}
		if sec <= 0 {
			t.Fatalf("n = %d: %v s per product", n, sec)
		}
	}
	old := c.Limits()
	defer c.SetLimits(old)
	for _, tc := range []struct {
		limit               int64
		chunk, cols, blocks int
	}{{4 * 200 * 200, 64, 192, 2}, {4 * 200 * 16, 16, 16, 13}} {
		plan, err := PlanDense(200, tc.limit)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Chunk != tc.chunk || plan.ColsPerBlock != tc.cols || plan.Blocks != tc.blocks {
			t.Fatalf("limit %d: plan %+v, want chunk %d, %d columns per block, %d blocks", tc.limit, plan, tc.chunk, tc.cols, tc.blocks)
		}
		small := old
		small.MaxSSBOBlockSize = tc.limit
		c.SetLimits(small)
		if _, err := c.DenseMatVec(200, 1); err != nil {
			t.Fatalf("200 x 200 in %d blocks: %v", plan.Blocks, err)
		}
	}
	small := old
	small.MaxSSBOBlockSize = 4*200 - 4
	c.SetLimits(small)
	if _, err := c.DenseMatVec(200, 1); err == nil {
		t.Fatal("a column larger than the storage block limit was not refused")
	}
}

// BenchmarkDenseMatVec: the N^2 baseline (y = W x, dense N x N float32) on the
// GL device, to set beside the GL backend's BenchmarkBackendStep.
func BenchmarkDenseMatVec(b *testing.B) {
	c := needGL(b)
	for _, n := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("N%d", n), func(b *testing.B) {
			var sec float64
			for i := 0; i < b.N; i++ {
				var err error
				if sec, err = c.DenseMatVec(n, 3); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(sec*1e9, "ns/product")
			b.ReportMetric(4*float64(n)*float64(n)/sec/1e9, "GB/s")
		})
	}
}
