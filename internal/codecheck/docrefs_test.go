package codecheck

import "testing"

// TestDocRefs fails on a comment that names pkg.Name where pkg is one of the
// module's packages and Name is none of its exported identifiers.
func TestDocRefs(t *testing.T) {
	refs, err := DocRefs("../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range refs {
		t.Errorf("%s:%d: %s names nothing", r.File, r.Line, r.Ref)
	}
}

func TestDocRefsFinds(t *testing.T) {
	refs, err := DocRefs("testdata/refs")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"q.Gone", "q.T.Gone", "OldName"}
	if len(refs) != len(want) {
		t.Fatalf("found %+v, want %v", refs, want)
	}
	for k, r := range refs {
		if r.Ref != want[k] {
			t.Errorf("found %s, want %s", r.Ref, want[k])
		}
	}
}
