package compare

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
)

// TestCalibrateRefusesUnreachable: a 99% target is beyond the IPL's reach at
// its bound g_lat = 0.99; Calibrate says so with *ErrUnreachable after one
// logged step, and calibration.csv holds that step.
func TestCalibrateRefusesUnreachable(t *testing.T) {
	if testing.Short() {
		t.Skip("one small run; skipped in -short mode")
	}
	dir := t.TempDir()
	_, err := Calibrate(CalibrateOptions{
		Mechanism: "ipl", Target: 99, Sessions: 1, TrainTrials: 20, MeasureTrials: 200, Boot: 20,
		Sets: []string{"network.neurons=30", "network.spines_per_neuron=8"}, Out: dir,
		Backend: func() (engine.Backend, error) { return cpu.New(0), nil },
	})
	var un *ErrUnreachable
	if !errors.As(err, &un) || un.Bound != 0.99 || !strings.Contains(err.Error(), "out of reach of mechanism ipl") {
		t.Fatalf("target 99%%: %v, want an ErrUnreachable at g_lat = 0.99", err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "calibration.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(b)), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "dynamics.g_lat,0.99,") {
		t.Fatalf("calibration.csv:\n%s\nwant the header and the step at g_lat 0.99", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "calibrated.yaml")); err == nil {
		t.Errorf("calibrated.yaml written for an unreachable target")
	}
	if _, err := Calibrate(CalibrateOptions{Mechanism: "dendrites", Target: 30, Out: dir, Backend: func() (engine.Backend, error) { return cpu.New(0), nil }}); err == nil || !strings.Contains(err.Error(), "allowed feedback, ipl") {
		t.Errorf("unknown mechanism: %v", err)
	}
}
