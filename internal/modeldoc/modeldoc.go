// Package modeldoc generates the parameter tables of docs/model.md from the
// embedded default configuration (assets/default.yaml): every key with its
// section, default, unit and meaning, and the keys of a protocol block. The
// defaults are the file's values, the meanings its comments and the units the
// keys' suffixes (_ms, _hz, _um, ...), so the tables cannot drift from what
// the engine loads: TestParameterTable fails when docs/model.md differs from
// what Tables gives, and `go test ./internal/modeldoc -run TestParameterTable
// -update` rewrites it.
package modeldoc

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/iplgpu/iplgpu/assets"
)

// Row is one key of the configuration.
type Row struct {
	Section string // top-level section ("" for top-level keys)
	Key     string // the key within its section (dotted path for deeper keys)
	Default string // the value in the embedded default file
	Unit    string // from the key's suffix or its comment; "" when none
	Meaning string // the key's comment in the default file
}

// Path is the key's full dotted path, as -set takes it.
func (r Row) Path() string {
	if r.Section == "" {
		return r.Key
	}
	return r.Section + "." + r.Key
}

// BlockKey is one key of a protocol block (an entry of protocol.before,
// protocol.session or protocol.after).
type BlockKey struct {
	Key, Meaning string
}

// Begin and End enclose the generated part of docs/model.md.
const (
	Begin = "<!-- parameter tables: generated from assets/default.yaml by `go test ./internal/modeldoc -run ParameterTable -update`; do not edit by hand -->"
	End   = "<!-- end of the generated parameter tables -->"
)

// BlockKeysMarker opens the comment of assets/default.yaml that lists the
// keys of a block, one "#   key: meaning" line each (continued on lines
// indented further).
const BlockKeysMarker = "# Keys of a block"

// Rows returns every key of the embedded default file in file order.
func Rows() ([]Row, error) {
	src := assets.Default()
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		return nil, fmt.Errorf("modeldoc: default config: %v", err)
	}
	if len(root.Content) != 1 || root.Content[0].Kind != yaml.MappingNode {
		return nil, fmt.Errorf("modeldoc: default config is not a mapping")
	}
	lines := strings.Split(string(src), "\n")
	var rows []Row
	var walk func(n *yaml.Node, section, prefix string) error
	walk = func(n *yaml.Node, section, prefix string) error {
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			key := k.Value
			if prefix != "" {
				key = prefix + "." + key
			}
			if v.Kind == yaml.MappingNode && section == "" && prefix == "" {
				if err := walk(v, key, ""); err != nil {
					return err
				}
				continue
			}
			if v.Kind == yaml.MappingNode {
				if err := walk(v, section, key); err != nil {
					return err
				}
				continue
			}
			meaning := comment(lines, k.Line)
			if meaning == "" {
				return fmt.Errorf("modeldoc: assets/default.yaml line %d: key %s has no comment saying what it means", k.Line, key)
			}
			def, err := value(v)
			if err != nil {
				return fmt.Errorf("modeldoc: assets/default.yaml line %d: %s: %w", k.Line, key, err)
			}
			rows = append(rows, Row{Section: section, Key: key, Default: def, Unit: unit(key, meaning), Meaning: meaning})
		}
		return nil
	}
	if err := walk(root.Content[0], "", ""); err != nil {
		return nil, err
	}
	return rows, nil
}

// comment returns the comment on line (1-based) of lines, joined with the
// comment lines below it that start in the same column (its continuation).
func comment(lines []string, line int) string {
	if line < 1 || line > len(lines) {
		return ""
	}
	col := strings.Index(lines[line-1], " #")
	if col < 0 {
		return ""
	}
	col++ // the '#'
	parts := []string{strings.TrimSpace(lines[line-1][col+1:])}
	for _, l := range lines[line:] {
		if len(l) <= col || l[col] != '#' || strings.TrimSpace(l[:col]) != "" {
			break
		}
		parts = append(parts, strings.TrimSpace(l[col+1:]))
	}
	return strings.Join(parts, " ")
}

// value renders a default: a scalar as written, a list of blocks as their
// names with mode and trials, a list of scalars as written.
func value(v *yaml.Node) (string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		return v.Value, nil
	case yaml.SequenceNode:
		if len(v.Content) == 0 {
			return "none", nil
		}
		var parts []string
		for _, e := range v.Content {
			switch e.Kind {
			case yaml.ScalarNode:
				parts = append(parts, e.Value)
			case yaml.MappingNode:
				parts = append(parts, blockSummary(e))
			default:
				return "", fmt.Errorf("unexpected list entry")
			}
		}
		return strings.Join(parts, "; "), nil
	}
	return "", fmt.Errorf("unexpected value")
}

// blockSummary is "name: mode, T trials, c = ..., and its switches".
func blockSummary(n *yaml.Node) string {
	f := map[string]string{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i].Value, n.Content[i+1]
		if v.Kind == yaml.SequenceNode {
			var cs []string
			for _, c := range v.Content {
				cs = append(cs, c.Value)
			}
			f[k] = strings.Join(cs, ", ")
			continue
		}
		f[k] = v.Value
	}
	s := fmt.Sprintf("%s (%s, %s trials, c = %s", f["name"], f["mode"], f["trials"], f["coherences"])
	if f["learning"] == "true" {
		s += ", learning"
	}
	if a := f["ablation"]; a != "" && a != "none" {
		s += ", ablation " + a
	}
	if f["record"] == "true" {
		s += ", recorded"
	}
	return s + ")"
}

// unitSuffixes map a key's suffix to its unit, in the order they are tried.
var unitSuffixes = []struct{ suffix, unit string }{
	{"_per_mm3", "1/mm^3"},
	{"_per_s", "1/s"},
	{"_ms", "ms"},
	{"_hz", "Hz"},
	{"_um", "um"},
	{"_deg", "deg"},
	{"_trials", "trials"},
	{"_s", "s"},
}

// unitInComment finds a unit named in a key's comment, e.g. "(potential
// units)".
var unitInComment = regexp.MustCompile(`\((potential units per belief unit|potential units|belief units)\b`)

// unit is the key's unit from its suffix, else from its comment.
func unit(key, meaning string) string {
	for _, u := range unitSuffixes {
		if strings.HasSuffix(key, u.suffix) {
			return u.unit
		}
	}
	if m := unitInComment.FindStringSubmatch(meaning); m != nil {
		return m[1]
	}
	return ""
}

// BlockKeys returns the keys of a protocol block as the default file's
// comment lists them (see BlockKeysMarker).
func BlockKeys() ([]BlockKey, error) {
	lines := strings.Split(string(assets.Default()), "\n")
	start := -1
	for i, l := range lines {
		if strings.HasPrefix(strings.TrimSpace(l), BlockKeysMarker) {
			start = i + 1
			break
		}
	}
	if start < 0 {
		return nil, fmt.Errorf("modeldoc: assets/default.yaml has no comment starting %q", BlockKeysMarker)
	}
	entry := regexp.MustCompile(`^#   ([a-z_]+): (.*)$`)
	cont := regexp.MustCompile(`^#     +(.*)$`)
	var keys []BlockKey
	for _, l := range lines[start:] {
		t := strings.TrimSpace(l)
		if m := entry.FindStringSubmatch(t); m != nil {
			keys = append(keys, BlockKey{Key: m[1], Meaning: strings.TrimSpace(m[2])})
			continue
		}
		if m := cont.FindStringSubmatch(t); m != nil && len(keys) > 0 {
			keys[len(keys)-1].Meaning += " " + strings.TrimSpace(m[1])
			continue
		}
		break
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("modeldoc: assets/default.yaml: no \"#   key: meaning\" lines after %q", BlockKeysMarker)
	}
	return keys, nil
}

// Tables renders the parameter tables as markdown: every key of the default
// file, then the keys of a block.
func Tables() (string, error) {
	rows, err := Rows()
	if err != nil {
		return "", err
	}
	blocks, err := BlockKeys()
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("| section | key | default | unit | meaning |\n|---|---|---|---|---|\n")
	for _, r := range rows {
		sec := r.Section
		if sec == "" {
			sec = "(top level)"
		}
		u := r.Unit
		if u == "" {
			u = "-"
		}
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", sec, r.Key, cell(r.Default), u, cell(r.Meaning))
	}
	b.WriteString("\nThe keys of a protocol block (each entry of `protocol.before`, `protocol.session` and `protocol.after`):\n\n")
	b.WriteString("| key | meaning |\n|---|---|\n")
	for _, k := range blocks {
		fmt.Fprintf(&b, "| `%s` | %s |\n", k.Key, cell(k.Meaning))
	}
	return b.String(), nil
}

// cell escapes a table cell.
func cell(s string) string {
	return strings.ReplaceAll(s, "|", `\|`)
}

// Splice returns doc with the text between the Begin and End lines replaced
// by tables.
func Splice(doc []byte, tables string) ([]byte, error) {
	i := bytes.Index(doc, []byte(Begin))
	j := bytes.Index(doc, []byte(End))
	if i < 0 || j < 0 || j < i {
		return nil, fmt.Errorf("modeldoc: the document lacks the lines %q and %q, in that order", Begin, End)
	}
	var out bytes.Buffer
	out.Write(doc[:i+len(Begin)])
	out.WriteString("\n\n")
	out.WriteString(tables)
	out.WriteString("\n")
	out.Write(doc[j:])
	return out.Bytes(), nil
}
