package model

import (
	"fmt"

	"github.com/iplgpu/iplgpu/internal/sysmem"
)

// Bytes of host memory per spine and per candidate contact while a run steps:
// spine: position 12, tuning 4, CSR row pointer 4, s and its double buffer 8,
// event count 1, coincidence trace 4, task gain 4, afferent growth exp(mean)
// and residual 8 (45); contact: endpoints 8, two CSR entries of (partner, edge
// id) 16, and in each CSR entry the CPU backend's copies of w, e and w x e and
// the index of the other entry 32 (56). Building the network needs
// more for a moment: the pair distances of the d_c search (about 3.4 x 8 bytes
// per contact) and the grid (8 per spine). Imply counts these and the rest of
// a run (the plan, a trial's buffers) and of its analysis.
const (
	BytesPerSpine   = 45
	BytesPerContact = 56
	buildPerContact = 28
	buildPerSpine   = 8
)

// gcHeadroom is how far the resident memory of a Go process runs above its
// live data: the collector lets the heap grow to twice the live data
// (GOGC=100) before it collects, and the build's temporaries, the run
// directory's writes and the analysis come and go on top of the arrays that
// stay. The peak measured against the estimate, with the command:
// BENCHMARKS.md, "100,000 neurons x 32 spines on 2 cores".
const gcHeadroom = 2

// EstimateBytes is the peak host memory a run of cfg needs (Imply's Run
// parts: the network, the CPU state, the build's temporaries, the protocol
// plan and a trial's buffers, times the Go heap's headroom), from the
// expected number of contacts.
func EstimateBytes(cfg *Config) int64 { return Total(Imply(cfg).Run) }

// AvailableMemory is the host memory this process can allocate now (package
// sysmem: the smallest of MemAvailable, the cgroup limit and ulimit -v); ok
// is false where none is known.
func AvailableMemory() (int64, bool) {
	l, ok := sysmem.Available()
	return l.Bytes, ok
}

// MemoryReport is the line a run prints before any work: the estimate of
// EstimateBytes next to the memory available now.
func MemoryReport(cfg *Config) string {
	im := Imply(cfg)
	line := fmt.Sprintf("memory: %d neurons x %d spines = %.0f spines need about %s of host memory at the peak (estimate: %d B per spine and %d B per contact for about %.3g contacts, the plan and a trial's buffers, times %d for the Go heap)",
		cfg.Network.Neurons, cfg.Network.SpinesPerNeuron, im.Spines, FormatBytes(Total(im.Run)), runPerSpine, runPerContact, im.Contacts, gcHeadroom)
	if l, ok := sysmem.Available(); ok {
		line += fmt.Sprintf("; %s available (%s)", FormatBytes(l.Bytes), l.Source)
	}
	return line
}

// FormatBytes writes a size in MiB below 1 GiB, else in GiB.
func FormatBytes(b int64) string {
	if b < 1<<30 {
		return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
	}
	return fmt.Sprintf("%.2f GiB", float64(b)/(1<<30))
}

// CheckDisk refuses a configuration whose run directory would not fit on the
// file system that holds dir (or its nearest existing parent), before any
// work starts. Elsewhere than Linux, or when the free space is unknown, it
// passes.
func CheckDisk(cfg *Config, dir string) error {
	parts := Imply(cfg).Disk
	need := Total(parts)
	free, ok := sysmem.DiskFree(dir)
	if !ok || need <= free {
		return nil
	}
	big := Largest(parts)
	return fmt.Errorf("config: the run directory %s needs about %s on disk, but its file system has %s free; the largest file is %s: %s (keys %s)",
		dir, sysmem.Bytes(need), sysmem.Bytes(free), big.What, sysmem.Bytes(big.Bytes), big.Keys)
}

// AnalysisNeurons is the most neurons the covariance-based analyses (Fisher
// information, time courses) use: a larger recording is analysed on a seeded
// random sample of this many (analysis.Options.MaxNeurons), as an electrode
// array samples a population, so that their N x N covariances stay in memory
// (2,000 neurons: 32 MB each).
const AnalysisNeurons = 2000
