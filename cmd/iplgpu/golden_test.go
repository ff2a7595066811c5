package main

import (
	"bytes"
	"flag"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/iplgpu/iplgpu/internal/npy"
)

// update rewrites the golden files: go test ./cmd/iplgpu -run Golden -update.
var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/name, or writes it there under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	goldenAt(t, filepath.Join("testdata", name), got)
}

// goldenAt compares got with the file at path, or writes it there under
// -update.
func goldenAt(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test ./cmd/iplgpu -run %s -update creates it)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("output differs from %s (rerun with -update if the change is meant):\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

// iplgpu config prints the resolved default configuration.
func TestGoldenConfig(t *testing.T) {
	code, out, errs := runCLI("config")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "config.golden", []byte(out))
}

// fixedMatrix writes a trials x neurons float64 .npy of Poisson-like counts
// whose mean moves with sign (a fixed generator: the file is the same on
// every machine).
func fixedMatrix(t *testing.T, path string, trials, neurons int, sign float64, seed uint64) {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, seed))
	data := make([]float64, trials*neurons)
	for k := range trials {
		shared := r.NormFloat64()
		for i := range neurons {
			mean := 6 + float64(i%5) + sign*0.8*float64(1-2*(i%2)) + 1.2*shared
			data[k*neurons+i] = max(0, float64(int(mean+1.5*r.NormFloat64()+0.5)))
		}
	}
	if err := npy.WriteFile(path, []int{trials, neurons}, data); err != nil {
		t.Fatal(err)
	}
}

// iplgpu fisher's table on fixed arrays.
func TestGoldenFisher(t *testing.T) {
	dir := t.TempDir()
	plus, minus := filepath.Join(dir, "plus.npy"), filepath.Join(dir, "minus.npy")
	fixedMatrix(t, plus, 80, 12, 1, 1)
	fixedMatrix(t, minus, 80, 12, -1, 2)
	code, out, errs := runCLI("fisher", "-plus", plus, "-minus", minus, "-ds", "0.6", "-subset", "6", "-subsets", "50", "-seed", "3")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	golden(t, "fisher.golden", []byte(out))
}

// What changes in report.md from run to run or machine to machine: timings,
// the start time, the worker count (the results do not depend on it) and the
// run directory.
var volatile = []*regexp.Regexp{
	regexp.MustCompile(`[0-9.]+ s\b`),
	regexp.MustCompile(`started [0-9-]+ [0-9:]+ UTC`),
	regexp.MustCompile(`\([0-9]+ workers\)`),
}

// report.md of a fixed tiny run (CPU backend, seed 4), with the timings and
// the directory masked.
func TestGoldenReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "golden-run")
	args := append([]string{"run", "-backend", "cpu", "-seed", "4", "-out", dir}, tinyRun...)
	args = append(args, "-set", "protocol.session=[{name: train, mode: task, trials: 20, coherences: [0.3], learning: true, record: false}, {name: task, mode: task, trials: 40, coherences: [0.3], learning: false, record: true}, {name: passive, mode: passive, trials: 40, coherences: [0.3], learning: false, record: true}]",
		"-set", "protocol.baseline=true", "-set", "protocol.sessions=2", "-set", "network.neurons=24", "-set", "network.spines_per_neuron=8")
	if code, _, errs := runCLI(args...); code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	rep, err := os.ReadFile(filepath.Join(dir, "report.md"))
	if err != nil {
		t.Fatal(err)
	}
	rep = bytes.ReplaceAll(rep, []byte(dir), []byte("RUNDIR"))
	for _, re := range volatile {
		rep = re.ReplaceAll(rep, []byte("<time>"))
	}
	golden(t, "report.golden", rep)
}
