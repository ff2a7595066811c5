// Package yamlkeys holds what the strict YAML readers of the config (package
// model) and of the sweep file (package sweep) share: the keys a struct
// accepts, the one walk that checks a document's keys against them (Walker),
// and readable decoder errors.
package yamlkeys

import (
	"reflect"
	"sort"
	"strings"
)

// Fields returns the YAML keys of struct type t (its fields' yaml tags) with
// their types, and the keys sorted, for "allowed keys: ..." messages.
func Fields(t reflect.Type) (map[string]reflect.Type, []string) {
	fields := map[string]reflect.Type{}
	var names []string
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag == "" || tag == "-" {
			continue
		}
		fields[tag] = t.Field(i).Type
		names = append(names, tag)
	}
	sort.Strings(names)
	return fields, names
}

// CleanError is a yaml decoder error without the library's prefixes.
func CleanError(err error) string {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	return strings.ReplaceAll(s, "unmarshal errors:\n  ", "")
}
