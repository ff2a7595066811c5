package codecheck

import (
	"testing"
)

// TestFunctionSize fails on a non-test function over MaxLines lines or
// MaxParams parameters that SizeAllowed does not list with a reason, and on
// an entry of SizeAllowed that no longer needs to be there.
func TestFunctionSize(t *testing.T) {
	fs, err := Funcs("../..")
	if err != nil {
		t.Fatal(err)
	}
	over := map[string]bool{}
	for _, f := range fs {
		if f.Lines <= MaxLines && f.Params <= MaxParams {
			continue
		}
		over[f.Name] = true
		if why := SizeAllowed[f.Name]; why == "" {
			t.Errorf("%s:%d: %s has %d lines and %d parameters (at most %d and %d): split it into named steps, or pass an options struct", f.File, f.Line, f.Name, f.Lines, f.Params, MaxLines, MaxParams)
		}
	}
	for name := range SizeAllowed {
		if !over[name] {
			t.Errorf("SizeAllowed lists %s, which is within the bounds (or gone): remove it", name)
		}
	}
}

func TestFuncsCounts(t *testing.T) {
	fs, err := Funcs("testdata/src")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][2]int{"p/short": {3, 2}, "p/T.method": {5, 7}}
	if len(fs) != len(want) {
		t.Fatalf("%d functions %+v, want %d", len(fs), fs, len(want))
	}
	for _, f := range fs {
		w, ok := want[f.Name]
		if !ok || f.Lines != w[0] || f.Params != w[1] {
			t.Errorf("%s: %d lines, %d params; want %v", f.Name, f.Lines, f.Params, w)
		}
	}
}
