package gl

import (
	"testing"
)

func TestPlanDispatch(t *testing.T) {
	for _, c := range []struct{ n, local, maxGroups, parts int }{
		{0, 64, 10, 0},
		{1, 64, 10, 1},
		{640, 64, 10, 1},
		{641, 64, 10, 2},
		{1000, 64, 3, 6},
		{1 << 30, 256, 65535, 65},
	} {
		parts := planDispatch(c.n, c.local, c.maxGroups)
		if len(parts) != c.parts {
			t.Errorf("%+v: %d parts, want %d", c, len(parts), c.parts)
		}
		next := 0
		for _, p := range parts {
			if p.base != next || p.groups < 1 || p.groups > c.maxGroups {
				t.Errorf("%+v: part %+v after index %d", c, p, next)
			}
			next = p.base + p.groups*c.local
		}
		if next < c.n || next-c.n >= c.local && c.n > 0 {
			t.Errorf("%+v: parts end at %d", c, next)
		}
	}
}

// With the work-group limit lowered to 7, a launch of 10007 invocations in groups
// of 64 takes 157 groups in 23 dispatches; every index must be hit exactly once.
func TestDispatchSplitCoversOnce(t *testing.T) {
	c := needGL(t)
	p := loadTestProgram(t, c, "dispatch_check.comp")
	const n = 10007
	saved := c.limits.MaxWorkGroupCount[0]
	c.limits.MaxWorkGroupCount[0] = 7
	defer func() { c.limits.MaxWorkGroupCount[0] = saved }()
	hits := make([]uint32, n+64) // the tail past n must stay untouched
	do(t, c, func() error {
		b, err := c.NewBuffer("hits", 4*len(hits))
		if err != nil {
			return err
		}
		defer b.Delete()
		if err := p.Bind("DispatchHits", b); err != nil {
			return err
		}
		p.Dispatch1D(n)
		if err := Download(b, 0, hits); err != nil {
			return err
		}
		return c.CheckError("split dispatch")
	})
	bad := 0
	for i, h := range hits {
		want := uint32(0)
		if i < n {
			want = 1
		}
		if h != want {
			if bad < 5 {
				t.Errorf("index %d hit %d times, want %d", i, h, want)
			}
			bad++
		}
	}
	if bad > 0 {
		t.Errorf("%d of %d indices wrong", bad, len(hits))
	}
}
