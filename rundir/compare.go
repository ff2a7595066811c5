package rundir

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
)

// TimingFields are the fields of run.json that say when and how long, which
// two runs of one config and seed need not share.
var TimingFields = []string{"started", "finished", "build_seconds", "simulate_seconds"}

// CompareDirs compares two run directories file by file: every file byte for
// byte, except run.json without its TimingFields and the (empty) lock file.
// It returns one line per difference (a file in one only, or with other
// contents); none means that the runs are the same.
func CompareDirs(a, b string) ([]string, error) {
	names := func(dir string) ([]string, error) {
		ents, err := os.ReadDir(dir)
		if err != nil {
			return nil, err
		}
		var out []string
		for _, e := range ents {
			if e.Name() != LockFile {
				out = append(out, e.Name())
			}
		}
		return out, nil
	}
	na, err := names(a)
	if err != nil {
		return nil, err
	}
	nb, err := names(b)
	if err != nil {
		return nil, err
	}
	var diffs []string
	for _, n := range nb {
		if !slices.Contains(na, n) {
			diffs = append(diffs, fmt.Sprintf("%s: only in %s", n, b))
		}
	}
	for _, n := range na {
		if !slices.Contains(nb, n) {
			diffs = append(diffs, fmt.Sprintf("%s: only in %s", n, a))
			continue
		}
		x, err := os.ReadFile(filepath.Join(a, n))
		if err != nil {
			return nil, err
		}
		y, err := os.ReadFile(filepath.Join(b, n))
		if err != nil {
			return nil, err
		}
		if n == StatusFile {
			if x, err = withoutTiming(x); err == nil {
				y, err = withoutTiming(y)
			}
			if err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
		}
		if !bytes.Equal(x, y) {
			diffs = append(diffs, fmt.Sprintf("%s: differs (%d and %d bytes, first difference at byte %d)", n, len(x), len(y), firstDifference(x, y)))
		}
	}
	return diffs, nil
}

// withoutTiming returns run.json's JSON without TimingFields, in a canonical
// form.
func withoutTiming(b []byte) ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, k := range TimingFields {
		delete(m, k)
	}
	return json.Marshal(m)
}

func firstDifference(x, y []byte) int {
	for i := range min(len(x), len(y)) {
		if x[i] != y[i] {
			return i
		}
	}
	return min(len(x), len(y))
}
