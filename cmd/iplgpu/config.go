package main

import (
	"fmt"
	"io"

	"github.com/iplgpu/iplgpu/assets"
	"github.com/iplgpu/iplgpu/engine/model"
)

func cmdConfig(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("config", "[-preset NAME] [-config FILE] [-set key=value]...", stderr)
	preset := fs.String("preset", "", "preset overlay: "+fmt.Sprint(assets.Presets()))
	file := fs.String("config", "", "config file (YAML) applied over the defaults and preset")
	raw := fs.Bool("defaults", false, "print the embedded default file with its comments (units of every key)")
	var sets multiFlag
	fs.Var(&sets, "set", "override one key, e.g. -set network.neurons=500 (repeatable)")
	if code, done := parseFlags(fs, args); done {
		return code
	}
	if *raw {
		stdout.Write(assets.Default())
		return 0
	}
	cfg, err := model.LoadConfig(*preset, *file, sets)
	if err == nil {
		err = cfg.CheckRunnable() // what a run of it would refuse, said now
	}
	if err != nil {
		fmt.Fprintf(stderr, "iplgpu config: %v\n", err)
		return 1
	}
	stdout.Write(model.ResolvedYAML(cfg))
	return 0
}
