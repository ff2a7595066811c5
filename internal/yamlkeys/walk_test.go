package yamlkeys

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type selfDecoding struct{ keys []string }

func (s *selfDecoding) UnmarshalYAML(n *yaml.Node) error { return nil }

type inner struct {
	A int    `yaml:"a"`
	B string `yaml:"b"`
}

type outer struct {
	In    inner        `yaml:"in"`
	Ptr   *inner       `yaml:"ptr"`
	List  []inner      `yaml:"list"`
	Self  selfDecoding `yaml:"self"`
	Count int          `yaml:"count"`
	skip  int
}

func TestWalker(t *testing.T) {
	var scalars []string
	w := Walker{
		Scalar: func(n *yaml.Node, t reflect.Type, key string) error {
			scalars = append(scalars, key)
			if n.Value == "bad" {
				return errors.New("bad value at " + key)
			}
			return nil
		},
		NotMapping: func(n *yaml.Node, key string) error { return fmt.Errorf("line %d: %s not a mapping", n.Line, key) },
		Unknown: func(line int, k, key string, allowed []string) error {
			return fmt.Errorf("line %d: %q in %q, allowed %s", line, k, key, strings.Join(allowed, " "))
		},
	}
	for _, c := range []struct{ doc, want string }{
		{"in: {a: 1}\ncount: 2\n", ""},
		{"in: {a: 1, c: 2}\n", `line 1: "c" in "in", allowed a b`},
		{"ptr:\n  z: 1\n", `line 2: "z" in "ptr", allowed a b`},
		{"list: [{a: 1}, {q: 2}]\n", `line 1: "q" in "list[1]", allowed a b`},
		{"list: [{a: 1}, {a: bad}]\n", "bad value at list[1].a"},
		{"x: &m {a: 1, c: 3}\n", `line 1: "x" in "", allowed count in list ptr self`},
		{"in: &m {a: 1}\nptr: *m\n", ""},
		{"self: {anything: 1}\n", ""},
		{"in: 5\n", "line 1: in not a mapping"},
		{"in: ~\n", ""},
	} {
		var root yaml.Node
		if err := yaml.Unmarshal([]byte(c.doc), &root); err != nil {
			t.Fatal(err)
		}
		err := w.Check(root.Content[0], reflect.TypeOf(outer{}))
		if (err == nil) != (c.want == "") || err != nil && err.Error() != c.want {
			t.Errorf("%q: error %v, want %q", c.doc, err, c.want)
		}
	}
	if !strings.Contains(strings.Join(scalars, " "), "count") {
		t.Errorf("Scalar saw %v, not count", scalars)
	}
}
