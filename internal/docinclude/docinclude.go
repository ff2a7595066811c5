// Package docinclude keeps the numbers of the project's Markdown pages equal
// to the result files that produced them. A page marks a generated block
//
//	<!-- include: docs/results/heldout/seeds.md#Model against Liu et al. -->
//	...
//	<!-- end include -->
//
// and Expand replaces what stands between the two markers with the named
// file (a path from the repository root), or with the section of it under
// the named heading: the lines after that heading up to the next heading of
// the same or a higher level. Relative links and images of the included
// text are rewritten to point from the including page to the same files. `make docs` regenerates the result files and
// rewrites the blocks (cmd/docinclude -write); a test checks that every
// page's blocks equal their sources, so no published number is typed in.
package docinclude

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

const (
	beginPrefix = "<!-- include: "
	markerEnd   = " -->"
	endMarker   = "<!-- end include -->"
)

// Expand returns page (at pagePath, relative to root) with every include
// block refilled from its source under root. It refuses an unclosed block,
// a nested one, a missing file or a heading the file does not have, naming
// the page's line.
func Expand(root, pagePath string, page []byte) ([]byte, error) {
	lines := strings.SplitAfter(string(page), "\n")
	var out strings.Builder
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		out.WriteString(line)
		ref, ok := parseBegin(line)
		if !ok {
			if strings.TrimSpace(line) == endMarker {
				return nil, fmt.Errorf("line %d: %q without an include above it", i+1, endMarker)
			}
			continue
		}
		end := -1
		for j := i + 1; j < len(lines); j++ {
			if _, nested := parseBegin(lines[j]); nested {
				return nil, fmt.Errorf("line %d: an include inside the include of line %d", j+1, i+1)
			}
			if strings.TrimSpace(lines[j]) == endMarker {
				end = j
				break
			}
		}
		if end < 0 {
			return nil, fmt.Errorf("line %d: include of %s has no %q", i+1, ref, endMarker)
		}
		body, err := Source(root, ref)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", i+1, err)
		}
		file, _, _ := strings.Cut(ref, "#")
		out.WriteString(relink(body, path.Dir(file), path.Dir(filepath.ToSlash(pagePath))))
		out.WriteString(lines[end])
		i = end
	}
	return []byte(out.String()), nil
}

// link matches the target of a Markdown link or image: "](target)".
var link = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// relink rewrites the relative link targets of text, written in directory
// from, to point at the same files from directory to (both relative to the
// repository root).
func relink(text, from, to string) string {
	if from == to {
		return text
	}
	return link.ReplaceAllStringFunc(text, func(m string) string {
		target := link.FindStringSubmatch(m)[1]
		if strings.Contains(target, "://") || strings.HasPrefix(target, "/") || strings.HasPrefix(target, "#") || strings.HasPrefix(target, "mailto:") {
			return m
		}
		rel, err := filepath.Rel(filepath.FromSlash(to), filepath.FromSlash(path.Join(from, target)))
		if err != nil {
			return m
		}
		return "](" + filepath.ToSlash(rel) + ")"
	})
}

// parseBegin returns the reference of an include's opening marker.
func parseBegin(line string) (string, bool) {
	s := strings.TrimSpace(line)
	if !strings.HasPrefix(s, beginPrefix) || !strings.HasSuffix(s, markerEnd) {
		return "", false
	}
	return strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(s, beginPrefix), markerEnd)), true
}

// Source returns what an include of ref (FILE or FILE#Heading) holds: the
// file, or its section, with surrounding blank lines trimmed and one
// newline at the end; blank lines frame it so Markdown keeps it a block.
func Source(root, ref string) (string, error) {
	file, heading, _ := strings.Cut(ref, "#")
	if file == "" || filepath.IsAbs(file) || strings.Contains(filepath.ToSlash(filepath.Clean(file)), "../") {
		return "", fmt.Errorf("include %q: want a path inside the repository", ref)
	}
	b, err := os.ReadFile(filepath.Join(root, file))
	if err != nil {
		return "", fmt.Errorf("include %q: %w", ref, err)
	}
	text := string(bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n")))
	if heading != "" {
		sec, ok := section(text, heading)
		if !ok {
			return "", fmt.Errorf("include %q: %s has no heading %q", ref, file, heading)
		}
		text = sec
	}
	text = strings.Trim(text, "\n")
	return "\n" + text + "\n\n", nil
}

// section returns the lines under the Markdown heading whose text is
// heading, up to the next heading of the same or a higher level.
func section(text, heading string) (string, bool) {
	lines := strings.Split(text, "\n")
	level := 0
	var b strings.Builder
	inFence := false
	for _, l := range lines {
		if strings.HasPrefix(l, "```") {
			inFence = !inFence
		}
		lv, title := headingOf(l)
		if !inFence && lv > 0 {
			if level > 0 && lv <= level {
				break
			}
			if level == 0 && title == heading {
				level = lv
				continue
			}
		}
		if level > 0 {
			b.WriteString(l)
			b.WriteString("\n")
		}
	}
	return b.String(), level > 0
}

// headingOf returns an ATX heading's level and text (0 when l is none).
func headingOf(l string) (int, string) {
	n := 0
	for n < len(l) && l[n] == '#' {
		n++
	}
	if n == 0 || n > 6 || n == len(l) || l[n] != ' ' {
		return 0, ""
	}
	return n, strings.TrimSpace(l[n:])
}

// Pages lists the Markdown pages under root that may hold include blocks:
// README.md and every .md file under docs/ (results included: a result
// page may include another).
func Pages(root string) ([]string, error) {
	pages := []string{filepath.Join(root, "README.md")}
	err := filepath.WalkDir(filepath.Join(root, "docs"), func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".md") {
			pages = append(pages, p)
		}
		return nil
	})
	return pages, err
}

// Stale returns the pages (relative to root) whose include blocks differ
// from their sources; with write it rewrites them instead.
func Stale(root string, write bool) ([]string, error) {
	pages, err := Pages(root)
	if err != nil {
		return nil, err
	}
	var stale []string
	for _, p := range pages {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		rel, _ := filepath.Rel(root, p)
		got, err := Expand(root, rel, b)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", rel, err)
		}
		if bytes.Equal(got, b) {
			continue
		}
		stale = append(stale, rel)
		if write {
			if err := os.WriteFile(p, got, 0o644); err != nil {
				return nil, err
			}
		}
	}
	return stale, nil
}
