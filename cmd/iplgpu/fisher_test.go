package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/iplgpu/iplgpu/fisher"
	"github.com/iplgpu/iplgpu/internal/npy"
	"github.com/iplgpu/iplgpu/rundir"
)

func runFisher(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(append([]string{"fisher"}, args...), &out, &errb)
	return code, out.String(), errb.String()
}

// writeConditions writes t x n Gaussian responses with a shared source (noise
// correlations) and means 5 +- f'_i ds/2 to dir/name.npy as float64, and the same
// rounded to non-negative integer counts as uint16 to dir/name_u16.npy.
func writeConditions(t *testing.T, dir, name string, r *rand.Rand, trials, n int, sign float64) string {
	t.Helper()
	data := make([]float64, trials*n)
	counts := make([]uint16, trials*n)
	for tr := range trials {
		shared := r.NormFloat64()
		for i := range n {
			v := 5 + sign*0.3*float64(1-2*(i%2)) + r.NormFloat64() + 0.5*shared
			data[tr*n+i] = v
			counts[tr*n+i] = uint16(max(0, math.Round(2*v)))
		}
	}
	p := filepath.Join(dir, name+".npy")
	if err := npy.WriteFile(p, []int{trials, n}, data); err != nil {
		t.Fatal(err)
	}
	if err := npy.WriteFile(filepath.Join(dir, name+"_u16.npy"), []int{trials, n}, counts); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFisherMatrices(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(1, 2))
	plus := writeConditions(t, dir, "plus", r, 80, 12, 1)
	minus := writeConditions(t, dir, "minus", r, 80, 12, -1)
	zero := writeConditions(t, dir, "zero", r, 60, 12, 0)
	few := writeConditions(t, dir, "few", r, 10, 12, 1)
	cube := filepath.Join(dir, "cube.npy")
	npy.WriteFile(cube, []int{2, 2, 2}, make([]float32, 8))
	neg := filepath.Join(dir, "neg.npy")
	negData := make([]int32, 80*12)
	negData[5] = -3
	npy.WriteFile(neg, []int{80, 12}, negData)
	missing := filepath.Join(dir, "nope.npy")
	u16 := func(p string) string { return strings.TrimSuffix(p, ".npy") + "_u16.npy" }

	cases := []struct {
		name  string
		args  []string
		code  int
		inOut []string
		inErr []string
	}{
		{"help", []string{"-h"}, 0, nil, []string{"Usage: iplgpu fisher", "-plus"}},
		{"text", []string{"-plus", plus, "-minus", minus, "-ds", "0.6"}, 0, []string{"N = 12 neurons, T+ = 80, T- = 80", "I_real", "I_shuffle", "redundancy %", "noise correlation"}, nil},
		{"subsets", []string{"-plus", plus, "-minus", minus, "-ds", "0.6", "-subset", "5", "-subsets", "50", "-seed", "3"}, 0, []string{"50 random subsets of 5 neurons (seed 3)"}, nil},
		{"zero", []string{"-plus", plus, "-minus", minus, "-ds", "0.6", "-zero", zero}, 0, []string{"from T0 = 60 zero-coherence trials (df 59)"}, nil},
		{"uint16", []string{"-plus", u16(plus), "-minus", u16(minus), "-ds", "0.6"}, 0, []string{"N = 12 neurons"}, nil},
		{"missing file", []string{"-plus", missing, "-minus", minus, "-ds", "0.6"}, 1, nil, []string{"iplgpu fisher:", "nope.npy"}},
		{"too few trials", []string{"-plus", few, "-minus", minus, "-ds", "0.6"}, 1, nil, []string{"too few trials", "T = 10", "N = 12", "more trials"}},
		{"too few for all, subsets fine", []string{"-plus", few, "-minus", minus, "-ds", "0.6", "-subset", "4"}, 0, []string{"no estimate", "subsets of 4 neurons"}, nil},
		{"3-D", []string{"-plus", cube, "-minus", minus, "-ds", "0.6"}, 1, nil, []string{"cube.npy: shape [2 2 2]; want a 2-D array"}},
		{"negative count", []string{"-plus", neg, "-minus", minus, "-ds", "0.6"}, 1, nil, []string{"negative count", "-counts=false"}},
		{"negative allowed", []string{"-plus", plus, "-minus", minus, "-ds", "0.6", "-counts=false"}, 0, nil, nil},
		{"no ds", []string{"-plus", plus, "-minus", minus}, 2, nil, []string{"-ds is required"}},
		{"ds zero", []string{"-plus", plus, "-minus", minus, "-ds", "0"}, 2, nil, []string{"-ds 0"}},
		{"no inputs", nil, 2, nil, []string{"give -plus and -minus"}},
		{"bad format", []string{"-plus", plus, "-minus", minus, "-ds", "1", "-format", "xml"}, 2, nil, []string{`-format "xml"`}},
		{"bad flag", []string{"-nope"}, 2, nil, []string{"flag provided but not defined"}},
		{"run and plus", []string{"-run", dir, "-plus", plus}, 2, nil, []string{"-plus does not go with -run"}},
		{"stray", []string{"-plus", plus, "-minus", minus, "-ds", "1", "extra"}, 2, nil, []string{"unexpected argument"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expectCLI(t, append([]string{"fisher"}, c.args...), c.code, c.inOut, c.inErr)
		})
	}

	// JSON and CSV carry the same numbers as the library.
	code, out, errs := runFisher("-plus", plus, "-minus", minus, "-ds", "0.6", "-subset", "5", "-subsets", "20", "-format", "json")
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errs)
	}
	var rep struct {
		Neurons int `json:"neurons"`
		Full    struct {
			IReal float64 `json:"i_real"`
		} `json:"full"`
		Subsets struct {
			Count int                            `json:"count"`
			IReal struct{ Mean, Lo, Hi float64 } `json:"i_real"`
		} `json:"subsets"`
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("json: %v\n%s", err, out)
	}
	_, pd, _ := npy.ReadFloat64(plus)
	_, md, _ := npy.ReadFloat64(minus)
	res, err := fisher.Analyse(dense(pd, 80, 12), dense(md, 80, 12), nil, 0.6, fisher.EstimateOptions{Counts: true, Subsets: fisher.SubsetSpec{Size: 5, Count: 20, Seed: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Neurons != 12 || rep.Full.IReal != res.Full.Real || rep.Subsets.Count != 20 || rep.Subsets.IReal.Mean != res.Subsets.Real.Mean {
		t.Errorf("json %+v, library full %v subsets %v", rep, res.Full.Real, res.Subsets.Real)
	}
	code, out, _ = runFisher("-plus", plus, "-minus", minus, "-ds", "0.6", "-format", "csv")
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 6 || recs[1][0] != "i_real" || recs[1][1] != fmt.Sprintf("%.6g", res.Full.Real) || recs[1][6] != "" ||
		recs[1][4] == "" || recs[4][0] != "redundancy_pct" {
		t.Errorf("csv (exit %d, %v):\n%s", code, err, out)
	}
}

// TestFisherRun analyses a small synthetic run directory laid out as the engine
// writes it.
func TestFisherRun(t *testing.T) {
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(5, 6))
	const bins, neurons = 4, 8
	var csvb strings.Builder
	csvb.WriteString("trial,session,block,block_name,mode,coherence,learning,ablation,frames,recorded,row,gate_start\n")
	var counts []uint16
	row := 0
	trial := 0
	addBlock := func(session, block int, name, mode string, perSign int) {
		for k := range 2 * perSign {
			c := 0.3
			if k%2 == 1 {
				c = -0.3
			}
			rec := k%7 != 3 // a few unrecorded trials
			rowField := -1
			if rec {
				rowField = row
				row++
				for range bins {
					for i := range neurons {
						mean := 2 + c*float64(1-2*(i%2))*3
						counts = append(counts, uint16(r.IntN(3))+uint16(math.Round(mean)))
					}
				}
			}
			fmt.Fprintf(&csvb, "%d,%d,%d,%s,%s,%g,0,none,noise,%d,%d,1\n", trial, session, block, name, mode, c, b2i(rec), rowField)
			trial++
		}
	}
	addBlock(1, 0, "measure", "task", 30)
	addBlock(1, 1, "measure", "passive", 30)
	addBlock(2, 0, "measure", "task", 3) // too few trials: skipped with a note
	os.WriteFile(filepath.Join(dir, "trials.csv"), []byte(csvb.String()), 0o644)
	if err := npy.WriteFile(filepath.Join(dir, "responses.npy"), []int{row, bins, neurons}, counts); err != nil {
		t.Fatal(err)
	}

	code, out, errs := runFisher("-run", dir, "-subset", "4", "-subsets", "30")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errs)
	}
	if !strings.Contains(out, "I_real [95%]") || !strings.Contains(out, "passive") || !strings.Contains(out, "fisher.csv") || !strings.Contains(out, "bootstrap over trials, 200 replicates") {
		t.Errorf("stdout:\n%s", out)
	}
	if !strings.Contains(errs, "session 2 block 0 (measure, task) coherence 0.3: skipped") {
		t.Errorf("stderr lacks the skipped group:\n%s", errs)
	}
	b, err := os.ReadFile(filepath.Join(dir, "fisher.csv"))
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil || len(recs) != 3 || !slices.Equal(recs[0], rundir.FisherColumns) {
		t.Fatalf("fisher.csv (%v):\n%s", err, b)
	}
	if recs[1][3] != "task" || recs[2][3] != "passive" || recs[1][8] != "4" || recs[1][9] != "30" {
		t.Errorf("fisher.csv rows:\n%s", b)
	}
	// The default subset size (20) is clipped to the 8 neurons, with a note.
	code, out, errs = runFisher("-run", dir, "-format", "csv")
	if code != 0 || !strings.Contains(errs, "clipped from 20 to 8") || !strings.HasPrefix(out, "session,block,") {
		t.Errorf("defaults: exit %d\n%s\n%s", code, out, errs)
	}
	code, out, _ = runFisher("-run", dir, "-format", "json", "-bins", "0:2")
	var js []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &js) != nil || len(js) != 2 || js[1]["mode"] != "passive" {
		t.Errorf("json: exit %d\n%s", code, out)
	}

	if code, _, errs := runFisher("-run", filepath.Join(dir, "none")); code != 1 || !strings.Contains(errs, filepath.Join(dir, "none")+" does not exist") {
		t.Errorf("missing run dir: exit %d: %s", code, errs)
	}
	if code, _, errs := runFisher("-run", dir, "-bins", "3:9"); code != 1 || !strings.Contains(errs, "4 bins") {
		t.Errorf("bins past the end: exit %d: %s", code, errs)
	}
	if code, _, errs := runFisher("-run", dir, "-bins", "x"); code != 2 || !strings.Contains(errs, "START:END") {
		t.Errorf("bad -bins: exit %d: %s", code, errs)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func dense(data []float64, rows, cols int) *mat.Dense { return mat.NewDense(rows, cols, data) }
