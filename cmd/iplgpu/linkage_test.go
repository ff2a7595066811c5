package main

import (
	"debug/elf"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// The headless build (-tags egl,nowindow, what scripts/gpu-prepare.sh carries
// to a GPU machine) must load where no X library and no libGL/libGLX is
// installed: it may link libEGL and the C library only, and its view command
// says why it has no window.
func TestHeadlessBuildLinksNoX(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the EGL/X linkage is Linux's")
	}
	if testing.Short() {
		t.Skip("builds the command (-short skips it)")
	}
	bin := filepath.Join(t.TempDir(), "iplgpu")
	if out, err := exec.Command("go", "build", "-tags", "egl,nowindow", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags egl,nowindow: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	libs, err := f.ImportedLibraries()
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	allowed := []string{"libEGL.so.", "libc.so.", "libm.so.", "libdl.so.", "libpthread.so.", "librt.so."}
	for _, lib := range libs {
		ok := false
		for _, a := range allowed {
			ok = ok || strings.HasPrefix(lib, a)
		}
		if !ok {
			t.Errorf("the headless build links %s (all: %v); it may link only %v", lib, libs, allowed)
		}
	}
	out, err := exec.Command(bin, "view").CombinedOutput()
	if err == nil || !strings.Contains(string(out), "-tags nowindow") {
		t.Errorf("iplgpu view in the headless build: err %v, output %q; want a failure naming -tags nowindow", err, out)
	}
	// Nor the HDF5 library: NWB export says it is left out.
	out, err = exec.Command(bin, "export", "-nwb", filepath.Join(t.TempDir(), "a.nwb"), t.TempDir()).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "-tags hdf5") {
		t.Errorf("iplgpu export in the headless build: err %v, output %q; want a failure naming -tags hdf5", err, out)
	}
}
