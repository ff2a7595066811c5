package model

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/iplgpu/iplgpu/internal/yamlkeys"
	"go.yaml.in/yaml/v3"
)

// Shorten keeps a value readable in a message: at most 80 bytes of it, valid
// UTF-8, with the total length said when it was cut, so that a 10 MB string
// in a config file is not echoed whole.
func Shorten(s string) string {
	const max = 80
	if len(s) <= max {
		return strings.ToValidUTF8(s, "?")
	}
	return strings.ToValidUTF8(s[:max], "?") + fmt.Sprintf("... (%d bytes)", len(s))
}

// checkScalar checks a YAML value for a field of kind t before the decoder
// sees it: the decoder (go.yaml.in/yaml/v3) truncates 40.5 to 40, reads 010
// as octal 8, wraps -1e308 into a uint64 and keeps the old value for a null,
// each without a word. Integers must be plain decimal literals within the
// type's range; no scalar may be null (an empty value).
func checkScalar(n *yaml.Node, t reflect.Type, key string) error {
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		what := "a value"
		if t.Kind() == reflect.Slice {
			what = "a list ([] for none)"
		}
		return fmt.Errorf("line %d: %s has no value (%s): give %s, or leave the key out to keep the default", n.Line, key, Shorten(nullText(n.Value)), what)
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
	default:
		return nil
	}
	if n.Kind != yaml.ScalarNode || n.Style&(yaml.DoubleQuotedStyle|yaml.SingleQuotedStyle) != 0 {
		return nil // not a number at all: the decoder's type error says so
	}
	s := n.Value
	unsigned := t.Kind() >= reflect.Uint && t.Kind() <= reflect.Uint64
	if why, _ := yamlkeys.IntProblem(s, t.Bits(), unsigned); why != "" {
		return fmt.Errorf("line %d: %s = %s %s", n.Line, key, Shorten(s), why)
	}
	return nil
}

func nullText(s string) string {
	if s == "" {
		return "empty"
	}
	return s
}

// checkOneDocument refuses a second YAML document (after ---) with content:
// the decoder reads the first and would silently drop the rest.
func checkOneDocument(data []byte) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var first, second yaml.Node
	if err := dec.Decode(&first); err != nil {
		return nil // empty, or malformed: reported by the caller's decode
	}
	for k := 2; ; k++ {
		err := dec.Decode(&second)
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("malformed YAML in document %d: %v", k, yamlkeys.CleanError(err))
		}
		if len(second.Content) > 0 && !(second.Content[0].Kind == yaml.ScalarNode && second.Content[0].Tag == "!!null") {
			return fmt.Errorf("line %d: a second YAML document (after ---): a config is one document; merge the two or remove the ---", second.Content[0].Line)
		}
	}
}

// checkSet refuses a -set whose key is not a dotted path of names or whose
// value is empty or spans lines (it is spliced into a YAML line: a newline
// would smuggle in other keys).
func checkSet(key, val string) error {
	for _, p := range strings.Split(key, ".") {
		if p == "" || strings.Trim(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") != "" {
			return fmt.Errorf("-set %s: the key must be names joined by dots, e.g. network.neurons", Shorten(key))
		}
	}
	switch v := strings.TrimSpace(val); {
	case v == "":
		return fmt.Errorf("-set %s=: empty value: give one, e.g. -set %s=VALUE (leave the -set out to keep the default)", key, key)
	case strings.ContainsAny(val, "\n\r"):
		return fmt.Errorf("-set %s=%s: the value spans lines; give it on one line (lists and blocks in flow style: [a, b], {k: v})", key, Shorten(strconv.Quote(val)))
	}
	return nil
}
