// Package shaders holds iplgpu's GLSL sources, embedded in the binary.
//
// A compute shader is a .comp file with neither a #version line nor a copy of the
// shared code: engine/gl compiles each program as "#version 430", the #defines it
// passes, common.glsl, then the .comp body. common.glsl holds the GLSL that every
// kernel shares (the Philox generator and its float conversions, the dispatch index,
// the tuning curve vm) and mirrors engine/rng bit for bit.
//
// The render shaders of viz/ are viz_*.vert and viz_*.frag files, likewise without
// a #version line: viz compiles each as "#version 430 core", then viz_common.glsl
// (the storage blocks, camera uniforms and the orientation colour map that they
// share) for a .vert, then the file. viz_*.comp kernels are ordinary compute
// shaders built by engine/gl.
package shaders

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// Common is the name of the shared include that engine/gl puts before every .comp.
const Common = "common.glsl"

//go:embed *.comp *.glsl *.vert *.frag
var files embed.FS

// Source returns the text of the embedded shader file name (e.g. "copy.comp").
func Source(name string) (string, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("shaders: no embedded shader %q (have %s)", name, strings.Join(Names(), ", "))
	}
	return string(b), nil
}

// Names lists the embedded shader files in lexical order.
func Names() []string {
	entries, err := fs.ReadDir(files, ".")
	if err != nil {
		// The embedded tree is fixed at build time; reading its root cannot fail.
		panic(err)
	}
	names := make([]string, 0, len(entries))
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}
