package model

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLoadConfig: any config file and any -set string. LoadConfig never
// panics; its errors are short; what it accepts passes Validate, implies
// finite sizes, and reloads from its resolved YAML to the same config, so
// that nothing the user wrote was changed on the way in. Small accepted
// networks are built: the builder must not panic either (it crashed on
// values inside the ranges). The seeds are issue 14's cases.
func FuzzLoadConfig(f *testing.F) {
	def := "network:\n  neurons: 30\n  spines_per_neuron: 4\nprotocol:\n  sessions: 1\n  before: []\n  after: []\n  session: [{name: t, mode: task, trials: 4, coherences: [0.3], learning: true, record: true}]\n"
	for _, c := range [][2]string{
		{def, ""},
		{def, "network.contact_distance_um=1e-20"},
		{def, "network.contacts_per_spine=1e-320"},
		{def, "network.density_per_mm3=1e-100"},
		{def, "network.depth_um=1e-320"},
		{def, "network.contact_distance_um=0.5"},
		{def, "network.contact_distance_um=10000"},
		{def, "stimulus.frame_ms=1e-320"},
		{def, "stimulus.bin_ms=1e-320"},
		{def, "network.neurons=40.5"},
		{def, "network.neurons=010"},
		{def, "seed=-1e308"},
		{def, "seed=0.5"},
		{def, "network.neurons="},
		{def, "network.neurons=~"},
		{def, "dynamics.dt_ms=1e-300"},
		{"seed: 3\n---\nseed: 4\n", ""},
		{"network:\n  neurons: 40.5\n", ""},
		{"network:\n  neurons:\n", ""},
		{"protocol:\n  sessions: 100000\n", ""},
		{"protocol:\n  session: [{name: a, mode: task, trials: 10000000, coherences: [0.3]}]\n", ""},
		{"stimulus:\n  frames: 10000\n  frame_ms: 1600\n", ""},
		{"a: &a [1, 2]\nb: &b [*a, *a]\n", ""},
		{"network: {neurons: 5000000}\n", ""},
		{"network:\n  tuning: " + strings.Repeat("x", 300) + "\n", ""},
		{"\xff\xfe\x00", "network.tuning=map"},
		{"", "protocol.session=[{name: t, mode: passive, trials: 3, coherences: [0, 0.5]}]"},
	} {
		f.Add(c[0], c[1])
	}
	f.Fuzz(func(t *testing.T, file, set string) {
		path := filepath.Join(t.TempDir(), "c.yaml")
		if err := os.WriteFile(path, []byte(file), 0o644); err != nil {
			t.Fatal(err)
		}
		var sets []string
		if set != "" {
			sets = []string{set}
		}
		c, err := LoadConfig("", path, sets)
		if err != nil {
			if n := len(err.Error()); n > 4000 {
				t.Fatalf("error of %d bytes", n)
			}
			return
		}
		if err := c.Validate(); err != nil {
			t.Fatalf("accepted but invalid: %v", err)
		}
		im := Imply(c)
		for _, v := range []float64{im.Spines, im.Contacts, im.TrialSteps, im.Bins, im.Trials, im.SlabUm[0]} {
			if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
				t.Fatalf("implied %+v", im)
			}
		}
		if im.FrameSteps < 1 || im.BinSteps < 1 || im.Bins < 1 || im.Contacts > MaxContacts || (c.CheckRunnable() == nil && im.Contacts < 1) {
			t.Fatalf("accepted a config implying frame %v bin %v steps, %v bins, %v contacts", im.FrameSteps, im.BinSteps, im.Bins, im.Contacts)
		}
		again := filepath.Join(t.TempDir(), "again.yaml")
		os.WriteFile(again, ResolvedYAML(c), 0o644)
		c2, err := LoadConfig("", again, nil)
		if err != nil || string(c2.YAML()) != string(c.YAML()) {
			t.Fatalf("the resolved config does not reload to itself: %v\n%s", err, c.YAML())
		}
		if im.Spines <= 2000 && im.Contacts <= 20000 {
			net, err := BuildNetwork(c)
			var ce *ConfigError
			if err != nil && !errors.As(err, &ce) {
				t.Fatalf("build: %v", err)
			}
			if err == nil && net.Spines() != int(im.Spines) {
				t.Fatalf("built %d spines and %d contacts", net.Spines(), net.Edges())
			}
		}
	})
}
