package model

import (
	"fmt"
	"testing"
)

func benchConfig(b *testing.B, n, m int) *Config {
	b.Helper()
	c, err := LoadConfig("", "", []string{fmt.Sprintf("network.neurons=%d", n), fmt.Sprintf("network.spines_per_neuron=%d", m)})
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// BenchmarkBuild: the whole network build (anatomy, d_c, grid contacts, CSR).
func BenchmarkBuild(b *testing.B) {
	for _, n := range []int{1000, 5000, 20000} {
		b.Run(fmt.Sprintf("N%d_M32", n), func(b *testing.B) {
			cfg := benchConfig(b, n, 32)
			for i := 0; i < b.N; i++ {
				if _, err := BuildNetwork(cfg); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkContacts: the uniform grid (~N) against all pairs (~N^2) at a fixed
// d_c, over N at constant density. The log-log slope of time against N is ~1 for
// the grid and ~2 for all pairs.
func BenchmarkContacts(b *testing.B) {
	for _, n := range []int{250, 500, 1000, 2000, 4000} {
		cfg := benchConfig(b, n, 16)
		net, err := BuildNetwork(cfg)
		if err != nil {
			b.Fatal(err)
		}
		dc := net.ContactUm
		b.Run(fmt.Sprintf("grid/N%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				GridContacts(net, dc)
			}
		})
		b.Run(fmt.Sprintf("allpairs/N%d", n), func(b *testing.B) {
			if n > 2000 && testing.Short() {
				b.Skip("all-pairs at this size is slow; run without -short")
			}
			for i := 0; i < b.N; i++ {
				AllPairsContacts(net, dc)
			}
		})
	}
}
