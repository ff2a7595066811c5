package rundir

import (
	"strings"
	"testing"
)

const trialsHeader = "trial,session,block,block_name,mode,coherence,learning,ablation,recorded\n"

func TestReadTrials(t *testing.T) {
	in := "recorded,coherence,mode,block,session,extra\n1,0.3,task,0,1,x\n0,-0.3,task,0,1,x\n1,-0.3,task,0,1,x\ntrue,0,passive,1,2,x\n"
	trials, err := ReadTrials(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []TrialRecord{
		{Trial: -1, Session: 1, Block: 0, Mode: "task", Coherence: 0.3, Recorded: true, Row: 0},
		{Trial: -1, Session: 1, Block: 0, Mode: "task", Coherence: -0.3, Row: -1},
		{Trial: -1, Session: 1, Block: 0, Mode: "task", Coherence: -0.3, Recorded: true, Row: 1},
		{Trial: -1, Session: 2, Block: 1, Mode: "passive", Coherence: 0, Recorded: true, Row: 2},
	}
	for k := range want {
		want[k].Ablation, want[k].Frames = "none", "noise"
	}
	if len(trials) != len(want) {
		t.Fatalf("%d trials, want %d", len(trials), len(want))
	}
	for k := range trials {
		if g := trials[k].GateStart; g == g {
			t.Errorf("trial %d: gate_start %v without the column, want NaN", k, g)
		}
		trials[k].GateStart = 0
		if trials[k] != want[k] {
			t.Errorf("trial %d: got %+v\nwant %+v", k, trials[k], want[k])
		}
	}
	for _, c := range []struct{ in, want string }{
		{"session,block,mode,coherence\n", `no "recorded" column`},
		{trialsHeader + "0,1,0,a,task,abc,0,0,1\n", `line 2: coherence "abc"`},
		{trialsHeader + "0,1,0,a,task,0.3,0,0,yes\n", `line 2: recorded "yes"`},
		{trialsHeader + "0,one,0,a,task,0.3,0,0,1\n", `line 2: session "one"`},
		{"", "no header row"},
	} {
		if _, err := ReadTrials(strings.NewReader(c.in)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want %q", c.in, err, c.want)
		}
	}
}
