// Package sysmem says how much memory this process can still allocate, so that
// a run, an analysis or a file read too large for the machine is refused with
// a clear message before it starts instead of dying in "fatal error: out of
// memory" (which no recover catches) part-way through.
//
// The answer is the smallest of three limits, each only where it applies:
// MemAvailable of /proc/meminfo (what the kernel can hand out without
// swapping), the cgroup v2 limit of the process (memory.max minus
// memory.current: containers and batch jobs), and RLIMIT_AS (ulimit -v) minus
// the address space the process already holds (VmSize). Elsewhere than Linux
// nothing is known and every check passes.
package sysmem

import (
	"bufio"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// Limit is how much more memory the process can allocate, and which limit
// says so.
type Limit struct {
	Bytes  int64  // bytes the process can still allocate
	Source string // e.g. "MemAvailable", "ulimit -v (RLIMIT_AS)", "cgroup memory.max"
}

// Available returns the tightest known limit; ok is false when none is known
// (not Linux, or /proc unreadable).
func Available() (Limit, bool) {
	best := Limit{Bytes: math.MaxInt64}
	ok := false
	take := func(b int64, src string) {
		if b < 0 {
			b = 0
		}
		if !ok || b < best.Bytes {
			best = Limit{Bytes: b, Source: src}
		}
		ok = true
	}
	if kb, found := procField("/proc/meminfo", "MemAvailable:"); found {
		take(kb*1024, "MemAvailable in /proc/meminfo")
	}
	if b, found := cgroupRoom(); found {
		take(b, "the cgroup memory limit (memory.max)")
	}
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_AS, &rl); err == nil && rl.Cur < math.MaxInt64 {
		// Address space, not resident memory: what the process holds already
		// (the Go runtime reserves some ahead) counts against the limit.
		used, _ := procField("/proc/self/status", "VmSize:")
		take(int64(rl.Cur)-used*1024, "ulimit -v (RLIMIT_AS)")
	}
	return best, ok
}

// Check returns nil when need bytes fit in the available memory (or nothing
// is known), else an error that says what needs them, how much is available
// and by which limit. what reads as the subject of "need", e.g. "the recording
// (4,000 trials x 40 bins x 200 neurons x 2 bytes)".
func Check(need int64, what string) error {
	if need < smallBytes {
		return nil
	}
	lim, ok := Available()
	if !ok || need <= lim.Bytes {
		return nil
	}
	return &Error{Need: need, What: what, Limit: lim}
}

// smallBytes is what Check passes without looking: reading the limits costs
// a few file reads, and a process that cannot allocate 16 MiB more is past
// helping.
const smallBytes = 16 << 20

// Error is the refusal of Check.
type Error struct {
	Need  int64
	What  string
	Limit Limit
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s need %s of memory, but only %s can be allocated (%s)", e.What, Bytes(e.Need), Bytes(e.Limit.Bytes), e.Limit.Source)
}

// Bytes formats a byte count for messages: "512 B", "3.2 MiB", "17.0 GiB".
func Bytes(b int64) string {
	const unit = 1024
	if b < unit {
		return fmt.Sprintf("%d B", b)
	}
	v := float64(b)
	for _, u := range []string{"KiB", "MiB", "GiB", "TiB", "PiB"} {
		v /= unit
		if v < unit {
			return fmt.Sprintf("%.1f %s", v, u)
		}
	}
	return fmt.Sprintf("%.1f EiB", v/unit)
}

// Mul multiplies sizes, saturating at math.MaxInt64 instead of overflowing, so
// that an estimate of an absurd configuration stays absurd rather than
// wrapping to something small. Negative factors count as 0.
func Mul(f ...float64) int64 {
	p := 1.0
	for _, x := range f {
		if !(x > 0) {
			return 0
		}
		p *= x
	}
	if p >= math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(p)
}

// Add adds sizes, saturating at math.MaxInt64.
func Add(b ...int64) int64 {
	var s int64
	for _, x := range b {
		if x > 0 && s > math.MaxInt64-x {
			return math.MaxInt64
		}
		s += max(x, 0)
	}
	return s
}

// procField reads the number after key in a /proc file of "Key: value kB"
// lines.
func procField(path, key string) (int64, bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == key {
			v, err := strconv.ParseInt(fields[1], 10, 64)
			return v, err == nil
		}
	}
	return 0, false
}

// cgroupRoom is memory.max - memory.current of the process's cgroup v2, when
// it has a limit.
func cgroupRoom() (int64, bool) {
	b, err := os.ReadFile("/proc/self/cgroup")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		// cgroup v2: "0::/path"
		rest, ok := strings.CutPrefix(line, "0::")
		if !ok {
			continue
		}
		dir := "/sys/fs/cgroup" + strings.TrimSpace(rest)
		maxB, err := os.ReadFile(dir + "/memory.max")
		if err != nil {
			return 0, false
		}
		s := strings.TrimSpace(string(maxB))
		if s == "max" {
			return 0, false
		}
		lim, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, false
		}
		// Anonymous memory is what cannot be reclaimed; memory.current also
		// counts the page cache of the files a run writes, which the kernel
		// drops under pressure.
		if anon, ok := procField(dir+"/memory.stat", "anon"); ok {
			return lim - anon, true
		}
		return lim, true
	}
	return 0, false
}

// DiskFree returns the bytes an unprivileged user can still write on the file
// system holding path, or its nearest existing parent (path need not exist
// yet).
func DiskFree(path string) (int64, bool) {
	for p := filepath.Clean(path); ; p = filepath.Dir(p) {
		var st syscall.Statfs_t
		if err := syscall.Statfs(p, &st); err == nil {
			free := float64(st.Bavail) * float64(st.Bsize)
			if free >= math.MaxInt64 {
				return math.MaxInt64, true
			}
			return int64(free), true
		}
		if next := filepath.Dir(p); next == p {
			return 0, false
		}
	}
}
