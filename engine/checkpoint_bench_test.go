package engine_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/iplgpu/iplgpu/engine"
	"github.com/iplgpu/iplgpu/engine/cpu"
	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/rundir"
)

// BenchmarkCheckpoint sets the cost of a checkpoint beside the cost of a
// trial (the default config's trial: 160 steps of learning in task mode on
// the CPU backend): output.checkpoint_trials = K adds checkpoint/(K trial)
// to a run. The checkpoint is what Simulate writes: the backend's state
// copied out, the streamed files synced, checkpoint.npz written and synced
// through a temporary file and renamed.
//
//	go test ./engine -run XXX -bench Checkpoint -benchtime 20x
func BenchmarkCheckpoint(b *testing.B) {
	for _, n := range []int{200, 5000} {
		cfg, err := model.LoadConfig("", "", []string{fmt.Sprintf("network.neurons=%d", n)})
		if err != nil {
			b.Fatal(err)
		}
		d := model.Derive(cfg)
		net, err := model.BuildNetwork(cfg)
		if err != nil {
			b.Fatal(err)
		}
		be := cpu.New(0)
		if err := be.Load(net, d.Params); err != nil {
			b.Fatal(err)
		}
		sim := engine.NewSimulator(d, net, be)
		plan := model.MakePlan(cfg)
		var blk *model.Block
		for i := range plan.Blocks {
			if plan.Blocks[i].Learning {
				blk = &plan.Blocks[i]
				break
			}
		}
		b.Run(fmt.Sprintf("trial/neurons=%d", n), func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				if _, _, err := sim.Trial(blk, &blk.Trials[i%len(blk.Trials)]); err != nil {
					b.Fatal(err)
				}
			}
		})
		out, err := rundir.Create(filepath.Join(b.TempDir(), "run"))
		if err != nil {
			b.Fatal(err)
		}
		if err := out.WriteConfig(cfg); err != nil {
			b.Fatal(err)
		}
		if err := out.StartRecording(d.Timing.Bins, net.N, cfg.Stimulus.Frames, net.Edges(), true); err != nil {
			b.Fatal(err)
		}
		var state engine.State
		b.Run(fmt.Sprintf("checkpoint/neurons=%d", n), func(b *testing.B) {
			for b.Loop() {
				if err := be.State(&state); err != nil {
					b.Fatal(err)
				}
				if err := out.WriteCheckpoint(model.CheckpointAt{}, engine.CheckpointVars(&state, sim)); err != nil {
					b.Fatal(err)
				}
			}
		})
		out.Close()
	}
}
