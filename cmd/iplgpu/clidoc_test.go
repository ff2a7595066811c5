package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
)

// cliCommands are the commands docs/cli.md documents, in its order, each
// with an example: the page is the commands' own -h output (their flag
// sets), so it cannot drift from the code. Adding a command means adding
// it here; TestCLIDocCoversUsage checks that none is left out.
var cliCommands = []struct {
	args    []string
	example string
}{
	{[]string{"run"}, "iplgpu run -preset ablation -seed 2 -out runs/abl-s2"},
	{[]string{"analyse"}, "iplgpu analyse -boot 500 runs/abl-s2        # or a directory of runs of several seeds"},
	{[]string{"config"}, "iplgpu config -preset spatial -set network.neurons=2000 > my.yaml"},
	{[]string{"fisher"}, "iplgpu fisher -plus a.npy -minus b.npy -ds 0.6 -subset 20 -boot 200 -format csv"},
	{[]string{"export"}, "iplgpu export -nwb runs/abl-s2.nwb runs/abl-s2     # then: iplgpu fisher -nwb runs/abl-s2.nwb"},
	{[]string{"compare"}, "iplgpu compare -out runs/cmp -seeds 1,2,3"},
	{[]string{"design"}, "iplgpu design -from runs/cmp -out docs/results/design"},
	{[]string{"calibrate"}, "iplgpu calibrate -out runs/cal -mechanism feedback"},
	{[]string{"bench"}, "iplgpu bench -scaling -backend cpu,gl -n-max 200000 -out runs/scaling"},
	{[]string{"view"}, "iplgpu view -preset learning -every 200 -screenshot islets.png -frames 10"},
	{[]string{"sweep", "plan"}, "iplgpu sweep plan docs/sweep/glat.yaml -dir sweeps/glat"},
	{[]string{"sweep", "local"}, "iplgpu sweep local -dir sweeps/glat -j 2"},
	{[]string{"sweep", "run"}, "iplgpu sweep run -dir sweeps/glat -index 3      # one point, as a Slurm task does"},
	{[]string{"sweep", "status"}, "iplgpu sweep status -dir sweeps/glat"},
	{[]string{"merge"}, "iplgpu merge sweeps/glat"},
	{[]string{"version"}, "iplgpu version"},
}

// cliDoc renders docs/cli.md from the commands' -h output.
func cliDoc(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	b.WriteString("# Command reference\n\n")
	b.WriteString("Generated from the commands' own flag sets (`go test ./cmd/iplgpu -run CLIDoc -update` rewrites it; a test fails when it drifts). Every command takes `-h`. Exit status: 0 success, 1 failure, 2 usage error, 130 interrupted (Ctrl-C, SIGTERM or SIGUSR1; a run keeps every finished trial and `iplgpu run -resume DIR` continues it).\n\n")
	for _, c := range cliCommands {
		fmt.Fprintf(&b, "- [`iplgpu %s`](#iplgpu-%s)\n", strings.Join(c.args, " "), strings.Join(c.args, "-"))
	}
	for _, c := range cliCommands {
		var out, errb bytes.Buffer
		code := run(append(append([]string{}, c.args...), "-h"), &out, &errb)
		if code != 0 {
			t.Fatalf("iplgpu %s -h: exit %d\n%s%s", strings.Join(c.args, " "), code, out.String(), errb.String())
		}
		help := strings.TrimRight(out.String()+errb.String(), "\n")
		fmt.Fprintf(&b, "\n## iplgpu %s\n\n```console\n$ %s\n```\n\n```text\n%s\n```\n", strings.Join(c.args, " "), c.example, help)
	}
	return b.Bytes()
}

// TestCLIDoc: docs/cli.md is the commands' -h output as cliDoc renders it.
func TestCLIDoc(t *testing.T) {
	goldenAt(t, "../../docs/cli.md", cliDoc(t))
}

// TestCLIDocCoversUsage: every command of the top-level usage is in
// docs/cli.md.
func TestCLIDocCoversUsage(t *testing.T) {
	have := map[string]bool{}
	for _, c := range cliCommands {
		have[c.args[0]] = true
	}
	for _, line := range strings.Split(usage, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "iplgpu" && !have[f[1]] && !strings.HasPrefix(f[1], "<") {
			t.Errorf("command %q of the usage is not in cliCommands (docs/cli.md)", f[1])
		}
	}
}
