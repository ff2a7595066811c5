package modeldoc

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/iplgpu/iplgpu/engine/model"
	"github.com/iplgpu/iplgpu/internal/yamlkeys"
)

var update = flag.Bool("update", false, "rewrite the generated tables of docs/model.md")

// modelDoc is docs/model.md, from this package's directory.
var modelDoc = filepath.Join("..", "..", "docs", "model.md")

// TestParameterTable holds the parameter tables of docs/model.md equal to
// what the embedded default file gives; -update rewrites them.
func TestParameterTable(t *testing.T) {
	tables, err := Tables()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(modelDoc)
	if err != nil {
		t.Fatal(err)
	}
	want, err := Splice(doc, tables)
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(modelDoc, want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if string(doc) != string(want) {
		t.Errorf("docs/model.md section 11 differs from the tables assets/default.yaml gives: run go test ./internal/modeldoc -run ParameterTable -update and commit docs/model.md")
	}
}

// yamlPaths lists the dotted YAML keys of struct type t, recursing into
// structs (not into lists).
func yamlPaths(t reflect.Type, prefix string) []string {
	fields, names := yamlkeys.Fields(t)
	var out []string
	for _, n := range names {
		p := n
		if prefix != "" {
			p = prefix + "." + n
		}
		if ft := fields[n]; ft.Kind() == reflect.Struct {
			out = append(out, yamlPaths(ft, p)...)
			continue
		}
		out = append(out, p)
	}
	return out
}

// TestEveryKeyDocumented: the rows are exactly the keys model.Config
// accepts, and the block keys exactly those of model.BlockConfig, so a key
// added to the config without a line (and a comment) in the default file
// fails here.
func TestEveryKeyDocumented(t *testing.T) {
	rows, err := Rows()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, r := range rows {
		got = append(got, r.Path())
	}
	slices.Sort(got)
	want := yamlPaths(reflect.TypeOf(model.Config{}), "")
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("keys of assets/default.yaml:\n%v\nkeys of model.Config:\n%v", got, want)
	}

	blocks, err := BlockKeys()
	if err != nil {
		t.Fatal(err)
	}
	var gotB []string
	for _, k := range blocks {
		gotB = append(gotB, k.Key)
	}
	slices.Sort(gotB)
	wantB := yamlPaths(reflect.TypeOf(model.BlockConfig{}), "")
	slices.Sort(wantB)
	if !slices.Equal(gotB, wantB) {
		t.Errorf("block keys documented in assets/default.yaml:\n%v\nkeys of model.BlockConfig:\n%v", gotB, wantB)
	}
}

// TestRowsFromFile checks the parsing on known keys: a default, a unit from
// the suffix, one from the comment, a comment continued on the next lines,
// and a list of blocks.
func TestRowsFromFile(t *testing.T) {
	rows, err := Rows()
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]Row{}
	for _, r := range rows {
		by[r.Path()] = r
	}
	for _, c := range []struct{ key, def, unit, inMeaning string }{
		{"network.neurons", "200", "", "model neurons"},
		{"dynamics.tau_s_ms", "30", "ms", "spine potential"},
		{"dynamics.lambda_w_per_s", "0.00017", "1/s", "about 5 training sessions"}, // continuation line
		{"dynamics.event_jump", "0.3333", "potential units", "jump"},
		{"feedback.k_max", "0.042", "potential units per belief unit", "final feedback gain"},
		{"protocol.session", "", "", "blocks of every session"},
	} {
		r, ok := by[c.key]
		if !ok {
			t.Errorf("%s: no row", c.key)
			continue
		}
		if c.def != "" && r.Default != c.def {
			t.Errorf("%s: default %q, want %q", c.key, r.Default, c.def)
		}
		if r.Unit != c.unit {
			t.Errorf("%s: unit %q, want %q", c.key, r.Unit, c.unit)
		}
		if !strings.Contains(r.Meaning, c.inMeaning) {
			t.Errorf("%s: meaning %q lacks %q", c.key, r.Meaning, c.inMeaning)
		}
	}
	if s := by["protocol.session"].Default; !strings.Contains(s, "train (task, 200 trials") || !strings.Contains(s, "learning") {
		t.Errorf("protocol.session default %q does not summarise the training block", s)
	}
}

// TestSplice replaces only the text between the markers and refuses a
// document without them.
func TestSplice(t *testing.T) {
	doc := "head\n" + Begin + "\nold\n" + End + "\ntail\n"
	got, err := Splice([]byte(doc), "| new |\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := "head\n" + Begin + "\n\n| new |\n\n" + End + "\ntail\n"; string(got) != want {
		t.Errorf("Splice gave %q, want %q", got, want)
	}
	if _, err := Splice([]byte("no markers"), "x"); err == nil {
		t.Error("Splice accepted a document without markers")
	}
}
