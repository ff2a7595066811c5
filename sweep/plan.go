package sweep

import (
	"fmt"
	"strconv"
	"strings"
)

// Override is one `-set key=value`.
type Override struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// String is the -set form, key=value.
func (o Override) String() string { return o.Key + "=" + o.Value }

// Point is one run of the sweep.
type Point struct {
	Index int        `json:"index"`
	Dir   string     `json:"dir"` // the run directory, relative to the sweep directory (slash-separated)
	Seed  uint64     `json:"seed"`
	Grid  []Override `json:"grid"` // this point's grid values, in grid order
}

// Sets returns the point's grid overrides as key=value strings.
func (p Point) Sets() []string {
	out := make([]string, len(p.Grid))
	for i, o := range p.Grid {
		out[i] = o.String()
	}
	return out
}

// RunsDir is the folder of the sweep directory that holds the points' run directories.
const RunsDir = "runs"

// Plan lists the sweep's points. Crossed: every combination of the grid's values,
// the first key varying slowest; zipped: the i-th value of every key together.
// Seeds vary fastest, so a condition's seeds have consecutive indices.
func (s *Spec) Plan() []Point {
	conds := s.combinations()
	n := len(conds) * len(s.Seeds)
	width := len(strconv.Itoa(n - 1))
	if width < 4 {
		width = 4
	}
	labels := s.labels()
	pts := make([]Point, 0, n)
	for _, c := range conds {
		for _, seed := range s.Seeds {
			i := len(pts)
			var name strings.Builder
			fmt.Fprintf(&name, "%0*d", width, i)
			for j, o := range c {
				name.WriteString("-" + labels[j] + "=" + dirSafe(o.Value))
			}
			fmt.Fprintf(&name, "-seed=%d", seed)
			pts = append(pts, Point{Index: i, Dir: RunsDir + "/" + name.String(), Seed: seed, Grid: c})
		}
	}
	return pts
}

// combinations lists the grid's value combinations (one empty one for no grid).
func (s *Spec) combinations() [][]Override {
	if len(s.Grid) == 0 {
		return [][]Override{nil}
	}
	if s.Combine == Zipped {
		out := make([][]Override, len(s.Grid[0].Values))
		for i := range out {
			for _, p := range s.Grid {
				out[i] = append(out[i], Override{p.Key, p.Values[i]})
			}
		}
		return out
	}
	out := [][]Override{nil}
	for _, p := range s.Grid {
		var next [][]Override
		for _, prefix := range out {
			for _, v := range p.Values {
				c := append(append([]Override(nil), prefix...), Override{p.Key, v})
				next = append(next, c)
			}
		}
		out = next
	}
	return out
}

// labels are the grid keys as they appear in directory names: the last part of
// the key (g_lat for dynamics.g_lat) unless two keys share it.
func (s *Spec) labels() []string {
	count := map[string]int{}
	for _, p := range s.Grid {
		count[lastPart(p.Key)]++
	}
	out := make([]string, len(s.Grid))
	for i, p := range s.Grid {
		if l := lastPart(p.Key); count[l] == 1 && l != "seed" {
			out[i] = l
		} else {
			out[i] = p.Key
		}
	}
	return out
}

func lastPart(k string) string { return k[strings.LastIndexByte(k, '.')+1:] }

// dirSafe keeps a value readable in a directory name: letters, digits and ._+-
// stay, anything else becomes '_', and it is cut at 32 characters.
func dirSafe(v string) string {
	b := []byte(v)
	for i, c := range b {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '+', c == '-':
		default:
			b[i] = '_'
		}
	}
	if len(b) > 32 {
		b = b[:32]
	}
	if s := string(b); s != "." && s != ".." {
		return s
	}
	return "_"
}
