package main

import (
	"fmt"
	"io"
	"runtime"

	"github.com/iplgpu/iplgpu/engine/model"
)

func cmdVersion(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("version", "", stderr)
	if code, done := parseFlags(fs, args); done {
		return code
	}
	fmt.Fprintf(stdout, "iplgpu %s (%s, %s/%s)\n", model.Version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return 0
}
