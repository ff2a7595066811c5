package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"time"

	"github.com/iplgpu/iplgpu/assets"
	"github.com/iplgpu/iplgpu/engine/model"
)

// runInputs are the flags that say what to simulate and where, shared by run and
// view.
type runInputs struct {
	file, preset, out *string
	seed              *int64
	sets              multiFlag
}

func addRunInputs(fs *flag.FlagSet) *runInputs {
	in := &runInputs{
		file:   fs.String("config", "", "config file (YAML) over the embedded defaults; see 'iplgpu config'"),
		preset: fs.String("preset", "", fmt.Sprintf("experiment preset %v (default: the learning experiment)", assets.Presets())),
		out:    fs.String("out", "", "run directory (default runs/<preset>-<time>); must be new or empty"),
		seed:   fs.Int64("seed", -1, "run seed (overrides the config's seed)"),
	}
	fs.Var(&in.sets, "set", "override one key, e.g. -set network.neurons=500 (repeatable)")
	return in
}

// resolve checks the config (keys, values, memory) before any work and names
// the run directory; it creates nothing (rundir.Create claims the directory).
func (in *runInputs) resolve() (*model.Config, string, error) {
	sets := in.sets
	if *in.seed >= 0 {
		sets = append(sets, fmt.Sprintf("seed=%d", *in.seed))
	}
	cfg, err := model.LoadConfig(*in.preset, *in.file, sets)
	if err != nil {
		return nil, "", err
	}
	if err := model.CheckMemory(cfg); err != nil {
		return nil, "", err
	}
	dir := *in.out
	if dir == "" {
		name := *in.preset
		if name == "" {
			name = "learning"
		}
		dir = filepath.Join("runs", fmt.Sprintf("%s-%s", name, time.Now().Format("20060102-150405")))
	}
	return cfg, dir, nil
}
