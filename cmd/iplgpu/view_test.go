//go:build !nowindow

package main

import (
	"encoding/json"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// needDisplay skips a window test without a display, or fails it under
// IPLGPU_REQUIRE_GL=1 (CI runs the tests under xvfb-run).
func needDisplay(t *testing.T) {
	t.Helper()
	if os.Getenv("DISPLAY") == "" {
		if os.Getenv("IPLGPU_REQUIRE_GL") == "1" {
			t.Fatal("IPLGPU_REQUIRE_GL=1 but DISPLAY is not set: run the tests under xvfb-run -a")
		}
		t.Skip("no display (DISPLAY is not set): run the tests under xvfb-run -a")
	}
}

// A scripted view: three trials drawn, the last frame saved, the run directory
// holding the trials that finished.
func TestViewScreenshot(t *testing.T) {
	needDisplay(t)
	dir := t.TempDir()
	out, shot := filepath.Join(dir, "run"), filepath.Join(dir, "islets.png")
	args := append([]string{"view", "-frames", "3", "-fps", "4", "-size", "400x300", "-screenshot", shot, "-out", out}, tinyRun...)
	code, stdout, stderr := runCLI(args...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "after 3 of 4 trials") || !strings.Contains(stderr, "backend: gl (") ||
		!strings.Contains(stderr, "3 frames drawn during the run") || !strings.Contains(stdout, "view: 4 frames turning the camera at 400x300") {
		t.Errorf("stdout: %s\nstderr: %s", stdout, stderr)
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", shot, err)
	}
	b := img.Bounds()
	if b.Dx() < 100 || b.Dy() < 100 {
		t.Fatalf("screenshot %v", b)
	}
	// The background is near black; spines, somata and the key are not.
	bright := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if max(r, g, bl)>>8 > 24 {
				bright++
			}
		}
	}
	if bright < 200 {
		t.Errorf("screenshot has %d bright pixels, want >= 200", bright)
	}
	var sum struct {
		Status     string `json:"status"`
		TrialsDone int    `json:"trials_done"`
	}
	js, err := os.ReadFile(filepath.Join(out, "run.json"))
	if err == nil {
		err = json.Unmarshal(js, &sum)
	}
	if err != nil || sum.Status != "interrupted" || sum.TrialsDone != 3 {
		t.Errorf("run.json: %+v, %v; want 3 trials, interrupted", sum, err)
	}
}

// Without a display the command says how to get one, and makes no run directory.
func TestViewNoDisplay(t *testing.T) {
	t.Setenv("DISPLAY", "")
	out := filepath.Join(t.TempDir(), "run")
	code, _, stderr := runCLI(append([]string{"view", "-frames", "1", "-out", out}, tinyRun...)...)
	if code != 1 || !strings.Contains(stderr, "xvfb-run") || !strings.Contains(stderr, "iplgpu run") {
		t.Errorf("exit %d, want 1 with advice\nstderr: %s", code, stderr)
	}
	if _, err := os.Stat(out); err == nil {
		t.Errorf("%s was created", out)
	}
}

func TestViewFlags(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"view", "-h"}, 0, "-screenshot"},
		{[]string{"view", "-size", "big"}, 2, "WIDTHxHEIGHT"},
		{[]string{"view", "-threshold", "1"}, 2, "[0, 1)"},
		{[]string{"view", "-frames", "-1"}, 2, "-frames -1"},
		{[]string{"view", "-every", "0"}, 2, "-every 0"},
		{[]string{"view", "-fps", "-2"}, 2, "-fps -2"},
		{[]string{"view", "-set", "network.neurons=-4"}, 1, "network.neurons = -4"},
	} {
		code, _, stderr := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.err) {
			t.Errorf("%v: exit %d, want %d with %q\nstderr: %s", tc.args, code, tc.code, tc.err, stderr)
		}
	}
}
