package docinclude

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeFile(t *testing.T, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestExpand: a whole file and a section are filled in between the markers,
// a section ends at the next heading of its level or above (not at a
// deeper one, nor at a '#' inside a code fence), and a second expansion
// changes nothing.
func TestExpand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "r/a.md", "# A\n\n## Table\n\n| x |\n|---|\n| 1.5 |\n\n### detail\nkept\n```\n# not a heading\n```\n## Next\nleft out\n")
	writeFile(t, dir, "r/b.csv", "x,y\n1,2\n")
	page := "intro\n<!-- include: r/a.md#Table -->\nold numbers\n<!-- end include -->\nmiddle\n<!-- include: r/b.csv -->\n<!-- end include -->\nend\n"
	got, err := Expand(dir, "README.md", []byte(page))
	if err != nil {
		t.Fatal(err)
	}
	want := "intro\n<!-- include: r/a.md#Table -->\n\n| x |\n|---|\n| 1.5 |\n\n### detail\nkept\n```\n# not a heading\n```\n\n<!-- end include -->\nmiddle\n<!-- include: r/b.csv -->\n\nx,y\n1,2\n\n<!-- end include -->\nend\n"
	if string(got) != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	again, err := Expand(dir, "README.md", got)
	if err != nil || string(again) != want {
		t.Fatalf("second expansion changed the page (%v):\n%s", err, again)
	}
}

// TestRelink: relative links of an included section point from the
// including page to the same files; absolute, external and anchor links are
// kept.
func TestRelink(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "docs/sweep/merged.md", "# M\n![fig](fig.png) [svg](fig.svg) [up](../cli.md) [web](https://example.org/a) [anchor](#x)\n")
	got, err := Expand(dir, "docs/sweeps.md", []byte("<!-- include: docs/sweep/merged.md#M -->\n<!-- end include -->\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := "![fig](sweep/fig.png) [svg](sweep/fig.svg) [up](cli.md) [web](https://example.org/a) [anchor](#x)"
	if !strings.Contains(string(got), want) {
		t.Errorf("got\n%s\nwant a line\n%s", got, want)
	}
	got, err = Expand(dir, "README.md", []byte("<!-- include: docs/sweep/merged.md#M -->\n<!-- end include -->\n"))
	if err != nil || !strings.Contains(string(got), "![fig](docs/sweep/fig.png)") {
		t.Errorf("from the root: %v\n%s", err, got)
	}
}

// TestExpandRefuses names the line of every malformed or dangling include.
func TestExpandRefuses(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "a.md", "# A\ntext\n")
	for _, c := range []struct{ page, want string }{
		{"x\n<!-- include: a.md -->\nno end\n", "line 2: include of a.md has no"},
		{"<!-- end include -->\n", "line 1: \"<!-- end include -->\" without"},
		{"<!-- include: a.md -->\n<!-- include: a.md -->\n<!-- end include -->\n", "line 2: an include inside"},
		{"<!-- include: missing.md -->\n<!-- end include -->\n", "line 1: include \"missing.md\""},
		{"<!-- include: a.md#B -->\n<!-- end include -->\n", "has no heading \"B\""},
		{"<!-- include: ../a.md -->\n<!-- end include -->\n", "inside the repository"},
		{"<!-- include: /etc/passwd -->\n<!-- end include -->\n", "inside the repository"},
	} {
		_, err := Expand(dir, "README.md", []byte(c.page))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want one containing %q", c.page, err, c.want)
		}
	}
}

// TestPagesCurrent: every include block of README.md and docs/ equals its
// committed source. When this fails, a result file changed (make docs) and
// the pages were not refilled: go run ./internal/docinclude/cmd/docinclude
// -write.
func TestPagesCurrent(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	stale, err := Stale(root, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(stale) > 0 {
		t.Errorf("pages whose numbers differ from their result files: %v (refill with: go run ./internal/docinclude/cmd/docinclude -write)", stale)
	}
}
