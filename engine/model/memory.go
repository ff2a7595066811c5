package model

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Bytes of host memory per spine and per candidate contact while a run steps:
// spine: position 12, tuning 4, CSR row pointer 4, s and its double buffer 8,
// event 1, task gain 4, event probability 4 (37); contact: endpoints 8, two CSR
// entries of (partner, edge id) 16, w and e 8 (32). Building the network needs
// more for a moment: the pair distances of the d_c search (about 3.4 x 8 bytes
// per contact) and the grid (8 per spine).
const (
	BytesPerSpine   = 37
	BytesPerContact = 32
	buildPerContact = 28
	buildPerSpine   = 8
)

// gcHeadroom is how far the resident memory of a Go process runs above its
// live data: the collector lets the heap grow to twice the live data
// (GOGC=100) before it collects, and the build's temporaries, the run
// directory's writes and the analysis come and go on top of the arrays that
// stay. Measured: `/usr/bin/time -v iplgpu run -preset large-check -backend
// cpu` (100,000 x 32, 3.2 million spines) peaked at 1.07 GiB resident; the
// estimate without the headroom is 0.67 GiB, with it 1.34 GiB (BENCHMARKS.md).
const gcHeadroom = 2

// EstimateBytes is the peak host memory a run of cfg needs (network, CPU state,
// the build's temporaries and the Go heap's headroom), from the expected
// number of contacts: an upper bound, 25% above the peak measured.
func EstimateBytes(cfg *Config) int64 {
	S := int64(cfg.Network.Neurons) * int64(cfg.Network.SpinesPerNeuron)
	contacts := int64(float64(S) * cfg.Network.ContactsPerSpine / 2)
	if cfg.Network.ContactDistanceUm > 0 {
		contacts = S * 50 // unknown until built: a generous guess
	}
	return gcHeadroom * (S*(BytesPerSpine+buildPerSpine) + contacts*(BytesPerContact+buildPerContact))
}

// CheckMemory refuses a configuration whose network would not fit in the
// memory available now (Linux /proc/meminfo; elsewhere the check is skipped),
// before any work starts.
func CheckMemory(cfg *Config) error {
	avail, ok := AvailableMemory()
	if !ok {
		return nil
	}
	need := EstimateBytes(cfg)
	if need > avail {
		S := int64(cfg.Network.Neurons) * int64(cfg.Network.SpinesPerNeuron)
		return fmt.Errorf("config: network.neurons x network.spines_per_neuron = %d x %d = %d spines need about %.1f GiB, but %.1f GiB of memory are available: allowed at most about %d spines here (fewer neurons, spines or contacts per spine)",
			cfg.Network.Neurons, cfg.Network.SpinesPerNeuron, S, float64(need)/(1<<30), float64(avail)/(1<<30), int64(float64(S)*float64(avail)/float64(need)))
	}
	return nil
}

// AvailableMemory is the host memory available now (MemAvailable of Linux
// /proc/meminfo); ok is false elsewhere.
func AvailableMemory() (int64, bool) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) >= 2 && fields[0] == "MemAvailable:" {
			kb, err := strconv.ParseInt(fields[1], 10, 64)
			if err != nil {
				return 0, false
			}
			return kb * 1024, true
		}
	}
	return 0, false
}

// MemoryReport is the line a run prints before any work: the estimate of
// EstimateBytes next to the memory available now.
func MemoryReport(cfg *Config) string {
	S := int64(cfg.Network.Neurons) * int64(cfg.Network.SpinesPerNeuron)
	need := EstimateBytes(cfg)
	line := fmt.Sprintf("memory: %d neurons x %d spines = %d spines need about %s of host memory at the peak (estimate: %d B per spine and %d B per contact, %g contacts per spine, times %d for the Go heap)",
		cfg.Network.Neurons, cfg.Network.SpinesPerNeuron, S, FormatBytes(need), BytesPerSpine+buildPerSpine, BytesPerContact+buildPerContact, cfg.Network.ContactsPerSpine, gcHeadroom)
	if avail, ok := AvailableMemory(); ok {
		line += fmt.Sprintf("; %s available", FormatBytes(avail))
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
