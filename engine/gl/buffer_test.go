package gl

import (
	"strconv"
	"strings"
	"testing"
)

// A buffer larger than GL_MAX_SHADER_STORAGE_BLOCK_SIZE is refused before any
// allocation, with its name, the size asked for and the limit.
func TestBufferOverLimitRefused(t *testing.T) {
	c := needGL(t)
	limit := c.Limits().MaxSSBOBlockSize
	size := int(limit) + 16
	err := c.Do(func() error {
		b, err := c.NewBuffer("spine state", size)
		if err == nil {
			b.Delete()
		}
		return err
	})
	if err == nil {
		t.Fatalf("buffer of %d bytes over the %d-byte limit was created", size, limit)
	}
	msg := err.Error()
	t.Log(msg)
	for _, want := range []string{`"spine state"`, strconv.Itoa(size), strconv.FormatInt(limit, 10), "GL_MAX_SHADER_STORAGE_BLOCK_SIZE"} {
		if !strings.Contains(msg, want) {
			t.Errorf("error lacks %s", want)
		}
	}
	// Exactly the limit is allowed (not allocated here: it may be large).
}

func TestBufferRoundTrip(t *testing.T) {
	c := needGL(t)
	do(t, c, func() error {
		b, err := c.NewBuffer("round trip", 64)
		if err != nil {
			return err
		}
		defer b.Delete()
		zero := make([]uint32, 16)
		if err := Download(b, 0, zero); err != nil {
			return err
		}
		for i, v := range zero {
			if v != 0 {
				t.Errorf("new buffer word %d = %#x, want 0", i, v)
			}
		}
		in := []float32{1.5, -2, 3e-7}
		if err := Upload(b, 5, in); err != nil {
			return err
		}
		out := make([]float32, 3)
		if err := Download(b, 5, out); err != nil {
			return err
		}
		for i := range in {
			if out[i] != in[i] {
				t.Errorf("element %d: %v, want %v", 5+i, out[i], in[i])
			}
		}
		empty, err := c.NewBuffer("empty", 0)
		if err != nil {
			return err
		}
		empty.BindBase(0)
		empty.Delete()
		return c.CheckError("round trip")
	})
}

func TestBufferOutOfRangePanics(t *testing.T) {
	c := needGL(t)
	do(t, c, func() error {
		b, err := c.NewBuffer("small", 8)
		if err != nil {
			return err
		}
		defer b.Delete()
		defer func() {
			if s, _ := recover().(string); !strings.Contains(s, `"small"`) {
				t.Errorf("out-of-range upload: panic %q", s)
			}
		}()
		Upload(b, 1, []uint32{1, 2})
		t.Error("upload past the end did not panic")
		return nil
	})
}
