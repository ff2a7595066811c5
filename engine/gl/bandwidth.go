package gl

import (
	"fmt"
)

// CopyBandwidth times reps launches of shaders/copy.comp copying a buffer of
// bytes (rounded down to whole vec4s) to another, and returns the achieved memory
// bandwidth in GB/s (1e9 bytes/s), counting each byte read and each byte written:
// the reference a step's achieved bandwidth is compared with. It may be called
// from any goroutine, or inside Do.
func (c *Context) CopyBandwidth(bytes int, reps int) (gbPerSec float64, err error) {
	if reps < 1 {
		panic(fmt.Sprintf("engine/gl: CopyBandwidth with %d reps", reps))
	}
	vec4s := bytes / 16
	if vec4s < 1 {
		return 0, fmt.Errorf("engine/gl: CopyBandwidth of %d bytes: need at least 16", bytes)
	}
	err = c.Do(func() error {
		if c.copyProg == nil {
			p, err := c.NewProgram("copy.comp", nil)
			if err != nil {
				return err
			}
			c.copyProg = p
		}
		p := c.copyProg
		src, err := c.NewBuffer("copy source", vec4s*16)
		if err != nil {
			return err
		}
		defer src.Delete()
		dst, err := c.NewBuffer("copy destination", vec4s*16)
		if err != nil {
			return err
		}
		defer dst.Delete()
		// A pattern in the first and last vec4 shows that the kernel really copied.
		mark := []uint32{0x3f800000, 1, 2, 3}
		if err := Upload(src, 0, mark); err != nil {
			return err
		}
		if err := Upload(src, (vec4s-1)*4, mark); err != nil {
			return err
		}
		if err := p.Bind("CopySrc", src); err != nil {
			return err
		}
		if err := p.Bind("CopyDst", dst); err != nil {
			return err
		}
		p.Dispatch1D(vec4s) // warm-up: first-use compilation, page faults
		c.Barrier()
		t := c.NewTimer()
		defer t.Delete()
		t.Begin()
		for r := 0; r < reps; r++ {
			p.Dispatch1D(vec4s)
			c.Barrier()
		}
		t.End()
		el := t.Elapsed()
		got := make([]uint32, 4)
		for _, first := range []int{0, (vec4s - 1) * 4} {
			if err := Download(dst, first, got); err != nil {
				return err
			}
			for i := range got {
				if got[i] != mark[i] {
					return fmt.Errorf("engine/gl: copy kernel wrote %08x at vec4 %d, want %08x", got, first/4, mark)
				}
			}
		}
		if err := glError("copy kernel"); err != nil {
			return err
		}
		if el <= 0 {
			return fmt.Errorf("engine/gl: copy of %d bytes x %d timed at %v", vec4s*16, reps, el)
		}
		gbPerSec = 2 * float64(vec4s*16) * float64(reps) / el.Seconds() / 1e9
		return nil
	})
	return gbPerSec, err
}
