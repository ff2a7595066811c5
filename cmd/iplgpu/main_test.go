package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine/gl"
)

func runCLI(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

// expectCLI runs the CLI and checks its exit code and that stdout and stderr
// contain the given substrings.
func expectCLI(t *testing.T, args []string, code int, inOut, inErr []string) {
	t.Helper()
	got, out, errs := runCLI(args...)
	if got != code {
		t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", got, code, out, errs)
	}
	for _, w := range inOut {
		if !strings.Contains(out, w) {
			t.Errorf("stdout lacks %q:\n%s", w, out)
		}
	}
	for _, w := range inErr {
		if !strings.Contains(errs, w) {
			t.Errorf("stderr lacks %q:\n%s", w, errs)
		}
	}
}

// tinyRun keeps CLI runs to a second.
var tinyRun = []string{
	"-set", "network.neurons=30", "-set", "network.spines_per_neuron=4", "-set", "protocol.sessions=1",
	"-set", "protocol.before=[]", "-set", "protocol.after=[]", "-set", "protocol.baseline=false",
	"-set", "protocol.session=[{name: task, mode: task, trials: 4, coherences: [0.3], learning: true, record: true}]",
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("dynamics:\n  tau_s_ms: -1\n"), 0o644)
	unknown := filepath.Join(dir, "unknown.yaml")
	os.WriteFile(unknown, []byte("network:\n  neuron: 10\n"), 0o644)
	existing := filepath.Join(dir, "existing")
	os.MkdirAll(existing, 0o755)
	os.WriteFile(filepath.Join(existing, "keep.txt"), []byte("precious"), 0o644)

	cases := []struct {
		name    string
		args    []string
		code    int
		inOut   string
		inErr   string
		noFiles string // a directory that must not have been created
	}{
		{"no args", nil, 2, "", "Usage", ""},
		{"unknown command", []string{"frobnicate"}, 2, "", "unknown command", ""},
		{"help", []string{"help"}, 0, "Usage", "", ""},
		{"version", []string{"version"}, 0, "iplgpu 0.", "", ""},
		{"run -h", []string{"run", "-h"}, 0, "", "-backend", ""},
		{"config -h", []string{"config", "-h"}, 0, "", "-preset", ""},
		{"bench -h", []string{"bench", "-h"}, 0, "", "-steps", ""},
		{"bad flag", []string{"run", "-nope"}, 2, "", "flag provided but not defined", ""},
		{"stray arg", []string{"config", "extra"}, 2, "", "unexpected argument", ""},
		{"config", []string{"config"}, 0, "neurons:", "", ""},
		{"config defaults", []string{"config", "-defaults"}, 0, "# spine potential time constant", "", ""},
		{"unknown preset", []string{"config", "-preset", "nope"}, 1, "", "unknown preset", ""},
		{"negative tau", []string{"run", "-config", bad, "-out", filepath.Join(dir, "r1")}, 1, "", "dynamics.tau_s_ms = -1", filepath.Join(dir, "r1")},
		{"unknown key", []string{"run", "-config", unknown, "-out", filepath.Join(dir, "r2")}, 1, "", `unknown key "neuron"`, filepath.Join(dir, "r2")},
		{"missing config", []string{"run", "-config", filepath.Join(dir, "none.yaml"), "-out", filepath.Join(dir, "r3")}, 1, "", "none.yaml", filepath.Join(dir, "r3")},
		{"existing out", append([]string{"run", "-backend", "cpu", "-out", existing}, tinyRun...), 1, "", "already holds", ""},
		{"bad backend", append([]string{"run", "-backend", "quantum", "-out", filepath.Join(dir, "r4")}, tinyRun...), 1, "", "allowed auto, cpu, gl", ""},
		{"bad set", []string{"config", "-set", "network.neurons=-4"}, 1, "", "network.neurons = -4", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expectCLI(t, tc.args, tc.code, []string{tc.inOut}, []string{tc.inErr})
			if tc.noFiles != "" {
				if _, err := os.Stat(tc.noFiles); err == nil {
					t.Errorf("%s was created although the input was refused", tc.noFiles)
				}
			}
		})
	}
	if b, _ := os.ReadFile(filepath.Join(existing, "keep.txt")); string(b) != "precious" {
		t.Fatal("an existing run directory was touched")
	}
}

func TestRunWritesOutputs(t *testing.T) {
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runCLI(append([]string{"run", "-backend", "cpu", "-out", out, "-seed", "7"}, tinyRun...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "backend: cpu") || !strings.Contains(stderr, "progress:") {
		t.Errorf("stderr lacks the backend line or progress:\n%s", stderr)
	}
	cfg, err := os.ReadFile(filepath.Join(out, "config.yaml"))
	if err != nil || !strings.Contains(string(cfg), "seed: 7") {
		t.Fatalf("config.yaml lacks the seed: %v\n%s", err, cfg)
	}
	for _, f := range []string{"responses.npy", "trials.csv", "run.json", "edges.npy"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
}

func TestBenchCPU(t *testing.T) {
	csv := filepath.Join(t.TempDir(), "b.csv")
	code, out, errs := runCLI("bench", "-backend", "cpu", "-n", "50,100", "-spines", "8", "-steps", "5", "-csv", csv)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "copy GB/s") || !strings.Contains(out, "cpu") {
		t.Errorf("table lacks columns:\n%s", out)
	}
	b, err := os.ReadFile(csv)
	if err != nil || strings.Count(string(b), "\n") != 3 {
		t.Fatalf("bench.csv: want header + 2 rows, got %v:\n%s", err, b)
	}
}

// The GL backend runs from the command line (on llvmpipe here, in CI).
func TestRunGLBackend(t *testing.T) {
	if ok, why := glAvailable(); !ok {
		if os.Getenv("IPLGPU_REQUIRE_GL") == "1" {
			t.Fatalf("IPLGPU_REQUIRE_GL=1 but no GL: %s", why)
		}
		t.Skip("no GL context: " + why)
	}
	out := filepath.Join(t.TempDir(), "run")
	code, stdout, stderr := runCLI(append([]string{"run", "-backend", "gl", "-out", out, "-analyse=false"}, tinyRun...)...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stderr, "backend: gl (") {
		t.Errorf("stderr does not name the GL backend:\n%s", stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "responses.npy")); err != nil {
		t.Error(err)
	}
}

func glAvailable() (bool, string) {
	if os.Getenv("EGL_PLATFORM") == "" {
		os.Setenv("EGL_PLATFORM", "surfaceless")
	}
	if _, err := gl.Probe(); err != nil {
		return false, err.Error()
	}
	return true, ""
}

// More neurons than memory holds: refused before any work, naming the keys.
func TestRunRefusesTooLargeNetwork(t *testing.T) {
	out := filepath.Join(t.TempDir(), "huge")
	code, _, stderr := runCLI("run", "-backend", "cpu", "-out", out, "-set", "network.neurons=9000000", "-set", "network.spines_per_neuron=29")
	if code != 1 || !strings.Contains(stderr, "network.neurons x network.spines_per_neuron") || !strings.Contains(stderr, "GiB") {
		t.Fatalf("exit %d, stderr:\n%s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("the run directory was created for a refused run")
	}
}

// bench -scaling on the CPU: the memory plan comes first, then a row per size
// and kind in bench.csv, the slopes, the figure and the config.
func TestBenchScaling(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "scaling")
	code, out, errs := runCLI("bench", "-scaling", "-backend", "cpu", "-n-min", "50", "-n-max", "300", "-spines", "8", "-steps", "5", "-seconds", "0", "-out", dir)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	plan, table, slope := strings.Index(out, "# memory plan"), strings.Index(out, "kind  backend"), strings.Index(out, "# slope ipl cpu")
	if plan < 0 || table < plan || slope < table || !strings.Contains(out, "# slope dense cpu") {
		t.Errorf("want the memory plan, then the table, then the slopes:\n%s", out)
	}
	b, err := os.ReadFile(filepath.Join(dir, "bench.csv"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	// Sizes 50, 100, 200 (the 1-2-5 series), the IPL step and the dense baseline.
	if len(lines) != 7 || !strings.HasPrefix(lines[0], "kind,backend,device,neurons,spines_per_neuron,spines,edges,steps,build_s,s_per_step,s_per_bio_s,dt_ms") ||
		!strings.HasPrefix(lines[1], "ipl,cpu,") || !strings.HasPrefix(lines[4], "dense,cpu,") {
		t.Fatalf("bench.csv:\n%s", b)
	}
	for _, f := range []string{"scaling.png", "scaling.svg", "config.yaml"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("missing %s", f)
		}
	}
	// A time budget that the first size uses up: the run stops there, says why
	// and still writes what it measured.
	dir2 := filepath.Join(t.TempDir(), "short")
	code, out, errs = runCLI("bench", "-scaling", "-backend", "cpu", "-n-min", "50", "-n-max", "300", "-spines", "8", "-steps", "5", "-seconds", "0", "-max-time", "1ns", "-out", dir2)
	if code != 0 || !strings.Contains(out, "# stopped: 100 neurons would take about") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if b, err := os.ReadFile(filepath.Join(dir2, "bench.csv")); err != nil || strings.Count(string(b), "\n") != 3 { // header, ipl and dense at 50
		t.Fatalf("bench.csv after the budget: %v\n%s", err, b)
	}
	expectCLI(t, []string{"bench", "-scaling", "-mem-frac", "0"}, 2, nil, []string{"-mem-frac 0: allowed (0, 1]"})
}
