package sysmem

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestMulAddSaturate(t *testing.T) {
	for _, c := range []struct {
		f    []float64
		want int64
	}{
		{[]float64{3, 4, 5}, 60},
		{[]float64{1e10, 1e10}, math.MaxInt64},
		{[]float64{2, -1}, 0},
		{[]float64{2, math.NaN()}, 0},
		{[]float64{math.Inf(1), 2}, math.MaxInt64},
		{nil, 1},
	} {
		if got := Mul(c.f...); got != c.want {
			t.Errorf("Mul(%v) = %d, want %d", c.f, got, c.want)
		}
	}
	if got := Add(math.MaxInt64-1, 5, -3); got != math.MaxInt64 {
		t.Errorf("Add saturates: %d", got)
	}
	if got := Add(1, 2, -3); got != 3 {
		t.Errorf("Add(1, 2, -3) = %d: negative sizes count 0", got)
	}
}

func TestBytes(t *testing.T) {
	for b, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 3 << 29: "1.5 GiB", math.MaxInt64: "8.0 EiB"} {
		if got := Bytes(b); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", b, got, want)
		}
	}
}

// Under ulimit -v (RLIMIT_AS) the room is the limit less the address space
// the process holds, and Check says which limit refused.
func TestAvailableRespectsRlimitAS(t *testing.T) {
	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &old); err != nil {
		t.Skip(err)
	}
	used, ok := procField("/proc/self/status", "VmSize:")
	if !ok {
		t.Skip("no /proc/self/status")
	}
	const room = 256 << 20
	lim := uint64(used*1024 + room)
	if lim > old.Max {
		t.Skip("the hard limit is below the test's")
	}
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: lim, Max: old.Max}); err != nil {
		t.Skip(err)
	}
	l, ok := Available()
	err := Check(1<<30, "a test's array")
	syscall.Setrlimit(syscall.RLIMIT_AS, &old)
	if !ok || l.Bytes > room || !strings.Contains(l.Source, "ulimit -v") {
		t.Fatalf("Available under ulimit -v %d: %+v", lim, l)
	}
	var e *Error
	if !errors.As(err, &e) || !strings.Contains(err.Error(), "a test's array need 1.0 GiB") || !strings.Contains(err.Error(), "ulimit -v") {
		t.Fatalf("Check: %v", err)
	}
	if Check(1<<10, "a kilobyte") != nil {
		t.Error("a kilobyte refused")
	}
}

func TestDiskFree(t *testing.T) {
	free, ok := DiskFree(filepath.Join(t.TempDir(), "not", "yet"))
	if !ok || free <= 0 {
		t.Fatalf("DiskFree of a path to be made: %d, %v", free, ok)
	}
}
