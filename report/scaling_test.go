package report

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
)

// The scaling figure is written as a PNG that decodes and an SVG that names
// each series with its slope.
func TestWriteScaling(t *testing.T) {
	var rows []engine.ScalingRow
	for _, n := range []int{1000, 2000, 5000, 10000} {
		rows = append(rows,
			engine.ScalingRow{Kind: engine.KindIPL, Backend: "cpu", Neurons: n, SecPerStep: 2e-6 * float64(n), SecPerBioSecond: 2e-4 * float64(n)},
			engine.ScalingRow{Kind: engine.KindDense, Backend: "cpu", Neurons: n, SecPerStep: 1e-9 * float64(n*n), SecPerBioSecond: 1e-7 * float64(n*n)})
	}
	dir := t.TempDir()
	fits := engine.FitScaling(rows, 0)
	if err := WriteScaling(dir, "scaling", rows, fits, ScalingOptions{Title: "test machine", DtMs: 10, M: 32}); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(filepath.Join(dir, "scaling.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatal(err)
	}
	svg, err := os.ReadFile(filepath.Join(dir, "scaling.svg"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"cpu IPL step: slope 1.00", "cpu dense N×N: slope 2.00", "test machine; 32 spines per neuron", "s per biological s (dt 10 ms)"} {
		if !bytes.Contains(svg, []byte(want)) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
}
