package main

import (
	"flag"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"time"

	"github.com/iplgpu/iplgpu/assets"
	"github.com/iplgpu/iplgpu/engine/model"
)

// runInputs are the flags that say what to simulate and where, shared by run and
// view.
type runInputs struct {
	file, preset, out *string
	seed              seedFlag
	sets              multiFlag
}

// seedFlag is -seed: a whole number in [0, 2^64-1], refused otherwise (a
// negative or fractional seed must not fall back to the config's silently).
type seedFlag struct {
	v   uint64
	set bool
}

func (s *seedFlag) String() string {
	if s == nil || !s.set {
		return ""
	}
	return strconv.FormatUint(s.v, 10)
}

func (s *seedFlag) Set(x string) error {
	v, err := strconv.ParseUint(x, 10, 64)
	if err != nil {
		return fmt.Errorf("want a whole number from 0 to %d in decimal digits", uint64(math.MaxUint64))
	}
	s.v, s.set = v, true
	return nil
}

func addRunInputs(fs *flag.FlagSet) *runInputs {
	in := &runInputs{
		file:   fs.String("config", "", "config file (YAML) over the embedded defaults; see 'iplgpu config'"),
		preset: fs.String("preset", "", fmt.Sprintf("experiment preset %v (default: the learning experiment)", assets.Presets())),
		out:    fs.String("out", "", "run directory (default runs/<preset>-<time>); must be new or empty"),
	}
	fs.Var(&in.seed, "seed", "run seed, a whole number in [0, 2^64-1] (overrides the config's seed)")
	fs.Var(&in.sets, "set", "override one key, e.g. -set network.neurons=500 (repeatable)")
	return in
}

// resolve checks the config (keys, values, memory) before any work and names
// the run directory; it creates nothing (rundir.Create claims the directory).
func (in *runInputs) resolve() (*model.Config, string, error) {
	sets := in.sets
	if in.seed.set {
		sets = append(sets, fmt.Sprintf("seed=%d", in.seed.v))
	}
	cfg, err := model.LoadConfig(*in.preset, *in.file, sets)
	if err != nil {
		return nil, "", err
	}
	if err := cfg.CheckRunnable(); err != nil {
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
	if err := model.CheckDisk(cfg, dir); err != nil {
		return nil, "", err
	}
	return cfg, dir, nil
}
