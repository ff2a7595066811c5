// Package assets holds the embedded default configuration and the experiment
// presets, so that `iplgpu run` works from any directory with no files beside it.
package assets

import (
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

//go:embed default.yaml presets/*.yaml
var files embed.FS

// Default returns the default configuration file (YAML, commented).
func Default() []byte {
	b, err := files.ReadFile("default.yaml")
	if err != nil {
		panic(err) // embedded at build time
	}
	return b
}

// Preset returns the overlay of a named preset (applied on top of Default).
func Preset(name string) ([]byte, error) {
	b, err := files.ReadFile("presets/" + name + ".yaml")
	if err != nil {
		return nil, fmt.Errorf("unknown preset %q (known: %s)", name, strings.Join(Presets(), ", "))
	}
	return b, nil
}

// Presets lists the preset names.
func Presets() []string {
	ents, _ := fs.ReadDir(files, "presets")
	var names []string
	for _, e := range ents {
		names = append(names, strings.TrimSuffix(e.Name(), ".yaml"))
	}
	sort.Strings(names)
	return names
}
