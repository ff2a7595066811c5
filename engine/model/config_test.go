package model

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/assets"
)

func TestDefaultConfigValid(t *testing.T) {
	c := DefaultConfig()
	if c.Network.Neurons <= 0 || c.Dynamics.TauSMs != 30 || c.Dynamics.Kappa != 3 {
		t.Fatalf("unexpected defaults: %+v", c.Network)
	}
	for _, p := range assets.Presets() {
		if _, err := LoadConfig(p, "", nil); err != nil {
			t.Errorf("preset %s: %v", p, err)
		}
	}
	// The resolved YAML reloads to the same config.
	dir := t.TempDir()
	path := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(path, ResolvedYAML(c), 0o644); err != nil {
		t.Fatal(err)
	}
	c2, err := LoadConfig("", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(c2.YAML()) != string(c.YAML()) {
		t.Fatal("resolved YAML does not round-trip")
	}
}

func TestConfigErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cases := []struct {
		name string
		file string
		sets []string
		want []string // substrings of the message
	}{
		{"unknown key", write("u.yaml", "network:\n  neurns: 5\n"), nil, []string{"unknown key \"neurns\"", "section network", "neurons"}},
		{"unknown top key", write("t.yaml", "netwrk: {}\n"), nil, []string{"unknown key \"netwrk\"", "top level"}},
		{"negative time constant", write("n.yaml", "dynamics:\n  tau_s_ms: -3\n"), nil, []string{"dynamics.tau_s_ms = -3", "(0, 100000]"}},
		{"malformed", write("m.yaml", "network: [1, 2\n"), nil, []string{"malformed YAML", "m.yaml"}},
		{"wrong type", write("w.yaml", "network:\n  neurons: many\n"), nil, []string{"w.yaml", "many"}},
		{"missing file", filepath.Join(dir, "nope.yaml"), nil, []string{"nope.yaml", "no such file"}},
		{"bad set key", "", []string{"network.neurones=4"}, []string{"unknown key \"neurones\""}},
		{"bad set syntax", "", []string{"network.neurons"}, []string{"key.path=value"}},
		{"too many spines", "", []string{"network.neurons=10000000", "network.spines_per_neuron=4096"}, []string{"at most"}},
		{"bad enum", "", []string{"dynamics.coupling=magic"}, []string{"dynamics.coupling", "additive, diffusive"}},
		{"frame not multiple of dt", "", []string{"dynamics.dt_ms=2", "stimulus.frame_ms=105"}, []string{"stimulus.frame_ms", "multiple"}},
		{"coherence range", "", []string{"protocol.session=[{name: x, mode: task, trials: 10, coherences: [1.5], learning: false, record: true}]"}, []string{"coherences[0] = 1.5", "[0, 1]"}},
		{"block mode", "", []string{"protocol.session=[{name: x, mode: sleepy, trials: 10, coherences: [0.3], learning: false, record: true}]"}, []string{"protocol.session[0].mode"}},
		{"odd trials", "", []string{"protocol.session=[{name: x, mode: task, trials: 11, coherences: [0.3], learning: false, record: true}]"}, []string{"trials = 11", "multiple of 2"}},
		{"persistence 1", "", []string{"protocol.session=[{name: x, mode: task, trials: 10, coherences: [0.3], learning: false, record: true, frames: persistent, persistence: 1}]"}, []string{"protocol.session[0].persistence = 1", "[0, 1)"}},
		{"persistence without persistent frames", "", []string{"protocol.session=[{name: x, mode: task, trials: 10, coherences: [0.3], learning: false, record: true, persistence: 0.5}]"}, []string{"persistence = 0.5", "frames: persistent"}},
		{"task gain in a task block", "", []string{"protocol.session=[{name: x, mode: task, trials: 10, coherences: [0.3], learning: false, record: true, task_gain: true}]"}, []string{"task_gain = true", "passive block"}},
		{"negative after_repeat", "", []string{"protocol.after_repeat=-1"}, []string{"protocol.after_repeat = -1"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadConfig("", tc.file, tc.sets)
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
	var ce *ConfigError
	_, err := LoadConfig("", "", []string{"dynamics.g_lat=2"})
	if !errors.As(err, &ce) || ce.Key != "dynamics.g_lat" {
		t.Fatalf("want a *ConfigError for dynamics.g_lat, got %v", err)
	}
}

func TestSetOverrides(t *testing.T) {
	c, err := LoadConfig("", "", []string{"network.neurons=321", "dynamics.coupling=diffusive", "seed=99"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Network.Neurons != 321 || c.Dynamics.Coupling != "diffusive" || c.Seed != 99 {
		t.Fatalf("overrides not applied: %d %s %d", c.Network.Neurons, c.Dynamics.Coupling, c.Seed)
	}
	if c.Network.SpinesPerNeuron != DefaultConfig().Network.SpinesPerNeuron {
		t.Fatal("an override changed another key")
	}
}

// TestFeedbackConfigErrors: the mechanism and feedback keys are refused
// outside their ranges with the key named, and mechanism feedback removes the
// links from the backends' constants.
func TestFeedbackConfigErrors(t *testing.T) {
	for _, c := range []struct {
		sets []string
		key  string
	}{
		{[]string{"mechanism=dendrites"}, "mechanism"},
		{[]string{"mechanism=feedback", "feedback.k_max=0"}, "feedback.k_max"},
		{[]string{"feedback.tau_d_ms=0"}, "feedback.tau_d_ms"},
		{[]string{"feedback.sigma_d=-1"}, "feedback.sigma_d"},
		{[]string{"feedback.eta_fb=2"}, "feedback.eta_fb"},
		{[]string{"feedback.evidence=population"}, "feedback.evidence"},
		{[]string{"feedback.k_e=.nan"}, "feedback.k_e"},
	} {
		_, err := LoadConfig("", "", c.sets)
		if err == nil || !strings.Contains(err.Error(), "config: "+c.key+" =") {
			t.Errorf("%v: %v, want an error naming %s", c.sets, err, c.key)
		}
	}
	cfg, err := LoadConfig("", "", []string{"mechanism=feedback", "dynamics.w_init=0.3"})
	if err != nil {
		t.Fatal(err)
	}
	p := ParamsFromConfig(cfg)
	if p.GLat != 0 || p.EtaW != 0 || p.WInit != 0 {
		t.Errorf("mechanism feedback: g_lat %v, eta_w %v, w_init %v; want all 0 (no IPLs)", p.GLat, p.EtaW, p.WInit)
	}
	if d := Derive(cfg); !d.Feedback {
		t.Errorf("mechanism feedback: Derived.Feedback false")
	}
	if d := Derive(DefaultConfig()); d.Feedback || ParamsFromConfig(DefaultConfig()).GLat == 0 {
		t.Errorf("default (ipl): feedback %v, g_lat %v", d.Feedback, ParamsFromConfig(DefaultConfig()).GLat)
	}
}
