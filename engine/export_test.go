package engine

import (
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
)

// Hooks for the external tests (package engine_test), which may import the
// backends that import this package.

type Simulator = simulator

func NewSimulator(d *model.Derived, net *model.Network, be Backend) *Simulator {
	return newSimulator(d, net, be)
}

func (s *simulator) Trial(b *model.Block, t *model.Trial) ([]uint16, float64, error) {
	return s.trial(b, t)
}

func CheckpointVars(state *State, sim *Simulator) []rundir.Var { return checkpointVars(state, sim) }
