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
		const vec4s = 1 << 20
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
		t.Logf("copy of 16 MiB: timer %v (wall clock fallback %v), wall %v", el, tm.WallClock(), wall)
		if !tm.Ready() {
			t.Error("timer not ready after Elapsed")
		}
		// No device copies 32 MiB (read + write) in under 5 us (6.7 TB/s).
		if el < 5*time.Microsecond || el > wall+time.Millisecond {
			t.Errorf("timer says %v for work that took %v of wall time", el, wall)
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
