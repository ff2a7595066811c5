package yamlkeys

import (
	"fmt"
	"reflect"

	"go.yaml.in/yaml/v3"
)

// Walker checks a parsed YAML document against a struct type's yaml tags
// before the decoder reads it, so that an unknown key is named with the keys
// allowed where it stands. Its functions word the errors; key is the dotted
// name of the value ("network.neurons", "protocol.session[2]"; "" for the
// document).
type Walker struct {
	// Scalar, if set, checks each value whose type is not a struct.
	Scalar func(n *yaml.Node, t reflect.Type, key string) error
	// NotMapping is the error for a value of struct type that is neither a
	// mapping nor null.
	NotMapping func(n *yaml.Node, key string) error
	// Unknown is the error for the key k on line, unknown in the section key;
	// allowed are the section's keys, sorted.
	Unknown func(line int, k, key string, allowed []string) error
}

// Check walks n against t. Pointers are followed, aliases resolved, lists
// walked element by element; a type that decodes itself (yaml.Unmarshaler)
// is left to its decoder.
func (w Walker) Check(n *yaml.Node, t reflect.Type) error { return w.check(n, t, "") }

var unmarshaler = reflect.TypeOf((*yaml.Unmarshaler)(nil)).Elem()

func (w Walker) check(n *yaml.Node, t reflect.Type, key string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if reflect.PointerTo(t).Implements(unmarshaler) {
		return nil
	}
	if n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	if t.Kind() != reflect.Struct && w.Scalar != nil {
		if err := w.Scalar(n, t, key); err != nil {
			return err
		}
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
				return nil
			}
			return w.NotMapping(n, key)
		}
		fields, names := Fields(t)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i].Value
			ft, ok := fields[k]
			if !ok {
				return w.Unknown(n.Content[i].Line, k, key, names)
			}
			if err := w.check(n.Content[i+1], ft, Join(key, k)); err != nil {
				return err
			}
		}
	case reflect.Slice:
		if n.Kind == yaml.SequenceNode {
			for i, c := range n.Content {
				if err := w.check(c, t.Elem(), fmt.Sprintf("%s[%d]", key, i)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// Join is the dotted name of key k in section prefix ("" at the top level).
func Join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}
