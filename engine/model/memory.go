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
// event count 1, coincidence trace 4, task gain 4, event mean and exp(-mean) 8
// (45); contact: endpoints 8, two CSR
// entries of (partner, edge id) 16, w and e 8 (32). Building the network needs
// more for a moment: the pair distances of the d_c search (about 3.4 x 8 bytes
// per contact) and the grid (8 per spine); BuildPeak counts that.
const (
	BytesPerSpine   = 45
	BytesPerContact = 32
	buildPerContact = 28
	buildPerSpine   = 8
)

// EstimateBytes is the peak host memory a run of cfg needs (network, CPU state
// and the build's temporaries), from the expected number of contacts.
func EstimateBytes(cfg *Config) int64 {
	S := int64(cfg.Network.Neurons) * int64(cfg.Network.SpinesPerNeuron)
	contacts := int64(float64(S) * cfg.Network.ContactsPerSpine / 2)
	if cfg.Network.ContactDistanceUm > 0 {
		contacts = S * 50 // unknown until built: a generous guess
	}
	return S*(BytesPerSpine+buildPerSpine) + contacts*(BytesPerContact+buildPerContact)
}

// CheckMemory refuses a configuration whose network would not fit in the
// memory available now (Linux /proc/meminfo; elsewhere the check is skipped),
// before any work starts.
func CheckMemory(cfg *Config) error {
	avail, ok := availableMemory()
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

func availableMemory() (int64, bool) {
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
