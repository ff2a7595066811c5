//go:build nowindow

package main

import (
	"fmt"
	"io"
)

// cmdView in a build with -tags nowindow: that build links no GLFW and so no X
// library, and loads on a headless machine that has none; the window needs a
// build without the tag.
func cmdView(args []string, stdout, stderr io.Writer) int {
	fmt.Fprintln(stderr, "iplgpu view: this iplgpu was built with -tags nowindow (no window code, no X libraries); the viewer needs a build without that tag, e.g. go build -tags egl ./cmd/iplgpu")
	return 1
}
