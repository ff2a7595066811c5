package modeldoc

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// outsidePointers are what a file of the repository would cite outside it:
// the team's internal notes and the shared/ directory beside a clone. A user
// has neither; the model is docs/model.md, and the numpy peer is taken from
// IPLGPU_PEER_DIR.
var outsidePointers = []string{"MODEL.md", "DESIGN.md", "STYLE.md", "../shared", "shared/peer", "shared notes"}

// repoRoot is the repository's root, from this package's directory.
var repoRoot = filepath.Join("..", "..")

// repoFiles lists the repository's files (relative to repoRoot): those git
// tracks or would track (untracked files that are not ignored), or, without
// git, every file outside .git and the ignored output directories.
func repoFiles(t *testing.T) []string {
	t.Helper()
	cmd := exec.Command("git", "ls-files", "-z", "--cached", "--others", "--exclude-standard")
	cmd.Dir = repoRoot
	if out, err := cmd.Output(); err == nil {
		var files []string
		for _, f := range strings.Split(string(out), "\x00") {
			if f != "" {
				files = append(files, f)
			}
		}
		return files
	}
	skip := map[string]bool{".git": true, "bin": true, "runs": true, "sweeps": true, ".gl": true, ".gpu": true}
	var files []string
	err := filepath.WalkDir(repoRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(repoRoot, p)
		if d.IsDir() {
			if skip[rel] {
				return filepath.SkipDir
			}
			return nil
		}
		files = append(files, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// outsideCitations returns "line: pointer" for every line of b that cites a
// pointer of outsidePointers; a binary file (a NUL byte) has none.
func outsideCitations(b []byte) []string {
	if bytes.IndexByte(b, 0) >= 0 {
		return nil
	}
	var out []string
	for i, line := range strings.Split(string(b), "\n") {
		for _, p := range outsidePointers {
			if strings.Contains(line, p) {
				out = append(out, fmt.Sprintf("%d: %s: %s", i+1, p, strings.TrimSpace(line)))
			}
		}
	}
	return out
}

// TestNothingPointsOutside: no file of the repository cites a document
// outside it (this file, which names them, aside).
func TestNothingPointsOutside(t *testing.T) {
	files := repoFiles(t)
	if len(files) < 10 {
		t.Fatalf("found only %d files under %s: not the repository?", len(files), repoRoot)
	}
	self := filepath.Join("internal", "modeldoc", "outside_test.go")
	for _, f := range files {
		if filepath.Clean(f) == self {
			continue
		}
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil {
			if os.IsNotExist(err) {
				continue // deleted in the work tree, not yet in the index
			}
			t.Fatal(err)
		}
		for _, c := range outsideCitations(b) {
			t.Errorf("%s:%s (outside the repository: cite docs/model.md by section instead)", f, c)
		}
	}
}

// TestOutsideCitations checks the scan on made-up files: every pointer is
// found with its line, and what stays inside the repository is not.
func TestOutsideCitations(t *testing.T) {
	for _, p := range outsidePointers {
		got := outsideCitations([]byte("package x\n\n// see " + p + " section 4\n"))
		if len(got) != 1 || !strings.HasPrefix(got[0], "3: "+p+":") {
			t.Errorf("a citation of %q: got %q", p, got)
		}
	}
	for _, ok := range []string{
		"// see docs/model.md section 4",
		"kubernetes: {dir: /mnt/shared/sweeps/s1, mount: /mnt/shared}",
		"peer=$IPLGPU_PEER_DIR/peer_bench.py",
	} {
		if got := outsideCitations([]byte(ok)); len(got) != 0 {
			t.Errorf("%q refused: %q", ok, got)
		}
	}
	if got := outsideCitations([]byte("\x89PNG\x00 MODEL.md")); len(got) != 0 {
		t.Errorf("a binary file: %q", got)
	}
}

// citation matches "docs/model.md section N" (or "sections N and M" and
// "sections N-M"), across a line break with its comment marks.
var citation = regexp.MustCompile(`docs/model\.md[\s/#*"]*sections? ([0-9]+(?:\.[0-9]+)*)((?:(?: and |-)[0-9]+(?:\.[0-9]+)*)*)`)

// heading matches a numbered heading of docs/model.md, e.g. "### 5.3 The".
var heading = regexp.MustCompile(`(?m)^#{2,3} ([0-9]+(?:\.[0-9]+)?)\.? `)

// citedSections returns the section numbers that text cites.
func citedSections(text string) []string {
	var out []string
	for _, m := range citation.FindAllStringSubmatch(text, -1) {
		out = append(out, m[1])
		for _, more := range regexp.MustCompile(`[0-9]+(?:\.[0-9]+)*`).FindAllString(m[2], -1) {
			out = append(out, more)
		}
	}
	return out
}

// TestCitedSectionsExist: every "docs/model.md section N" in the repository
// names a section that docs/model.md has, so renumbering the page without
// its citations fails here.
func TestCitedSectionsExist(t *testing.T) {
	doc, err := os.ReadFile(modelDoc)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, m := range heading.FindAllStringSubmatch(string(doc), -1) {
		have[m[1]] = true
	}
	if len(have) < 12 {
		t.Fatalf("docs/model.md has %d numbered headings", len(have))
	}
	n := 0
	for _, f := range repoFiles(t) {
		b, err := os.ReadFile(filepath.Join(repoRoot, f))
		if err != nil || bytes.IndexByte(b, 0) >= 0 {
			continue
		}
		for _, sec := range citedSections(string(b)) {
			n++
			if !have[sec] {
				t.Errorf("%s cites docs/model.md section %s, which docs/model.md lacks", f, sec)
			}
		}
	}
	if n < 50 {
		t.Errorf("found only %d citations of docs/model.md sections", n)
	}
}

// TestCitedSections checks the citation pattern on made-up text.
func TestCitedSections(t *testing.T) {
	for text, want := range map[string]string{
		"(docs/model.md section 9.2)":                      "9.2",
		"(docs/model.md\n\t// section 7): ipl":             "7",
		"docs/model.md sections 5 and 6 give":              "5 6",
		"docs/model.md sections 8.1-8.2,":                  "8.1 8.2",
		"drawn per docs/model.md section 4.3.":             "4.3",
		"(docs/model.md sections 4.3 and 10.7, holding)":   "4.3 10.7",
		"the target of docs/model.md section 9.2, 0.9-1.6": "9.2",
		"[docs/model.md](docs/model.md) states":            "",
	} {
		if got := strings.Join(citedSections(text), " "); got != want {
			t.Errorf("%q: cited %q, want %q", text, got, want)
		}
	}
}
