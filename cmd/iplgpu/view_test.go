//go:build !nowindow

package main

import (
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/viz"
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

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
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
	img := readPNG(t, shot)
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

// tinyReplayRun simulates tinyRun on the CPU backend, unanalysed, into a new
// directory, with extra -set flags.
func tinyReplayRun(t *testing.T, sets ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	args := append([]string{"run", "-backend", "cpu", "-analyse=false", "-out", dir}, tinyRun...)
	for _, s := range sets {
		args = append(args, "-set", s)
	}
	if code, stdout, stderr := runCLI(args...); code != 0 {
		t.Fatalf("run: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	return dir
}

// iplgpu view RUN replays a finished run without simulating: a headless
// screenshot of its last session with the HUD's numbers, and the numbers on
// stdout.
func TestViewReplay(t *testing.T) {
	needDisplay(t)
	dir := tinyReplayRun(t, "dynamics.eta_w=0.02")
	shot := filepath.Join(t.TempDir(), "replay.png")
	code, stdout, stderr := runCLI("view", "-frames", "2", "-session", "1", "-islet-threshold", "0.05", "-size", "400x300", "-screenshot", shot, dir)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	rp, err := viz.OpenReplay(dir, 0.05, nil)
	if err != nil {
		t.Fatal(err)
	}
	last := rp.Snapshots[len(rp.Snapshots)-1]
	if last.Session != 1 || last.Net.Links == 0 {
		t.Fatalf("the tiny run's last snapshot: %+v; want session 1 with links", last)
	}
	want := fmt.Sprintf("after session 1: mean w %.4f, %d links (w >= 0.05), %d islets", last.Net.MeanW, last.Net.Links, last.Net.Islets)
	if !strings.Contains(stdout, want) || !strings.Contains(stderr, "snapshot 0 saved to "+shot) {
		t.Errorf("want %q on stdout\nstdout: %s\nstderr: %s", want, stdout, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "run.json")); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, shot)
	// The HUD's panel holds text: many pixels far from the dark background.
	panel, bright := viz.HUDPanel(400, 300), 0
	for y := panel.Min.Y; y < panel.Max.Y; y++ {
		for x := panel.Min.X; x < panel.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			if max(r, g, b)>>8 > 100 {
				bright++
			}
		}
	}
	if bright < 200 {
		t.Errorf("the HUD panel %v of the screenshot has %d bright pixels, want >= 200", panel, bright)
	}
}

// iplgpu view RUN refuses what it cannot replay before opening a window,
// naming the file or the flag.
func TestViewReplayRefusals(t *testing.T) {
	dir := tinyReplayRun(t)
	noSnap := tinyReplayRun(t, "output.w_snapshots=false")
	notRun := t.TempDir()
	for _, tc := range []struct {
		args []string
		code int
		err  string
	}{
		{[]string{"view", notRun}, 1, "not an iplgpu run directory: it has no config.yaml"},
		{[]string{"view", filepath.Join(notRun, "absent")}, 1, "does not exist"},
		{[]string{"view", noSnap}, 1, filepath.Join(noSnap, "w_sessions.npy") + ": missing: the run kept no w snapshots (output.w_snapshots was false)"},
		{[]string{"view", "-session", "7", dir}, 2, "-session 7: " + dir + " has w snapshots after sessions [1]"},
		{[]string{"view", "-set", "network.neurons=10", dir}, 2, "[-set] apply to a new simulation"},
		{[]string{"view", dir, dir}, 2, "give one to replay"},
		{[]string{"view", "-session", "1"}, 2, "-session picks a session of a replay"},
		{[]string{"view", "-islet-threshold", "0", dir}, 2, "-islet-threshold 0"},
		{[]string{"view", "-advance", "-1", dir}, 2, "-advance -1"},
	} {
		code, _, stderr := runCLI(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.err) {
			t.Errorf("%v: exit %d, want %d with %q\nstderr: %s", tc.args, code, tc.code, tc.err, stderr)
		}
	}
}
