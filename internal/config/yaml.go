package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/iamsweep/iamsweep"
)

// File is a decoded config file: the values it gives, each with the line
// it is on.
type File struct {
	source  string
	entries []entry
}

// entry is one key of a file.
type entry struct {
	name   string   // the setting ("unused-days", "remediation.roles")
	values []string // a scalar's text, or a list's items
	line   int      // the value's line
}

// Decode reads a YAML config file strictly: keys are setting names, and an
// unknown key, a key given twice, a value of the wrong type or a second
// document is an *iamsweep.InputError naming the line (positions come from
// the YAML node tree). source names the file in errors. Every value is
// parsed, even one a flag will override, but values are not validated
// against each other: Resolve does that once every source is applied.
func Decode(r io.Reader, source string) (*File, error) {
	f := &File{source: source}
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, &iamsweep.InputError{Source: source, Offset: -1, Err: fmt.Errorf("read config file: %w", err)}
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return f, nil // an empty file sets nothing
		}
		return nil, yamlError(source, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, &iamsweep.InputError{Source: source, Line: extra.Line, Offset: -1,
			Err: errors.New("more than one YAML document; want one mapping of settings")}
	}
	if len(doc.Content) == 0 {
		return f, nil
	}
	root := doc.Content[0]
	if isNull(root) {
		return f, nil // "---" alone, or only comments after it: sets nothing
	}
	if root.Kind != yaml.MappingNode {
		return nil, &iamsweep.InputError{Source: source, Line: root.Line, Offset: -1,
			Err: errors.New("want a mapping of settings (key: value)")}
	}
	// Each value is parsed into check as it is read, so that errors come
	// in file order.
	check := Default()
	d := decoder{file: f, check: &check, seen: map[string]int{}}
	if err := d.mapping(root, ""); err != nil {
		return nil, err
	}
	return f, nil
}

// Parse reads a YAML config file (see Decode) onto the defaults. It does
// not validate values: call Validate once flags and environment are
// applied, or use Resolve.
func Parse(r io.Reader, source string) (Config, error) {
	c := Default()
	f, err := Decode(r, source)
	if err != nil {
		return c, err
	}
	err = f.apply(&c, func(string) bool { return true })
	return c, err
}

// apply sets the settings of the file that take says to take.
func (f *File) apply(c *Config, take func(name string) bool) error {
	for _, e := range f.entries {
		if !take(e.name) {
			continue
		}
		s, _ := c.Lookup(e.name)
		if err := setValues(s.Value, e.values); err != nil {
			return &iamsweep.InputError{Source: f.source, Line: e.line, Offset: -1, Field: e.name, Err: err}
		}
		c.setOrigin(e.name, Origin{Source: f.source, Line: e.line})
	}
	return nil
}

// setValues replaces v's value by values: one for a scalar, a list's items.
func setValues(v Value, values []string) error {
	reset(v)
	for i, s := range values {
		if err := v.Set(s); err != nil {
			if isList(v) {
				return fmt.Errorf("item %d: %w", i+1, err)
			}
			return err
		}
	}
	return nil
}

// decoder walks a file's node tree.
type decoder struct {
	file  *File
	check *Config
	seen  map[string]int // setting or section name -> line
}

// mapping reads the keys of the top level (section "") or of a section.
func (d *decoder) mapping(m *yaml.Node, section string) error {
	source := d.file.source
	prefix := ""
	if section != "" {
		prefix = section + "."
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		name := prefix + k.Value
		if line, dup := d.seen[name]; dup {
			if section != "" {
				return &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1, Field: name,
					Err: fmt.Errorf("given twice (first on line %d)", line)}
			}
			return &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1,
				Err: fmt.Errorf("key %s given twice (first on line %d)", iamsweep.Quote(k.Value), line)}
		}
		if isSection(name) {
			d.seen[name] = k.Line
			if err := d.section(name, v); err != nil {
				return err
			}
			continue
		}
		s, ok := d.check.Lookup(name)
		if !ok || s.Section() != section {
			if section != "" {
				return &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1, Field: section,
					Err: fmt.Errorf("unknown key %s; want one of %s", iamsweep.Quote(k.Value), strings.Join(keys(section), ", "))}
			}
			return &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1,
				Err: fmt.Errorf("unknown key %s%s", iamsweep.Quote(k.Value), suggest(k.Value))}
		}
		d.seen[name] = k.Line
		if s.Secret {
			return &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1, Field: name,
				Err: fmt.Errorf("a secret, never in the file: set the environment variable %s", s.Env())}
		}
		values, err := nodeValues(s.Value, v)
		if err == nil {
			err = setValues(s.Value, values)
		}
		if err != nil {
			return &iamsweep.InputError{Source: source, Line: v.Line, Offset: -1, Field: name, Err: err}
		}
		d.file.entries = append(d.file.entries, entry{name: name, values: values, line: v.Line})
	}
	return nil
}

// section reads a section's mapping; null sets nothing.
func (d *decoder) section(name string, v *yaml.Node) error {
	if isNull(v) {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return &iamsweep.InputError{Source: d.file.source, Line: v.Line, Offset: -1, Field: name,
			Err: fmt.Errorf("want a mapping of %s settings (%s: ..., ...)", name, keys(name)[0])}
	}
	return d.mapping(v, name)
}

// nodeValues returns the text of a value node: one scalar, or for a list
// setting a list of scalars (or one, or null for none).
func nodeValues(val Value, v *yaml.Node) ([]string, error) {
	if isList(val) {
		switch {
		case isNull(v):
			return nil, nil
		case v.Kind == yaml.ScalarNode:
			return []string{v.Value}, nil
		case v.Kind == yaml.SequenceNode:
			out := make([]string, 0, len(v.Content))
			for i, item := range v.Content {
				if item.Kind != yaml.ScalarNode || isNull(item) {
					return nil, fmt.Errorf("item %d: want a string", i+1)
				}
				out = append(out, item.Value)
			}
			return out, nil
		default:
			return nil, errors.New("want a string or a list of strings")
		}
	}
	if v.Kind != yaml.ScalarNode || isNull(v) {
		return nil, fmt.Errorf("want a single %s value", what(val))
	}
	if _, ok := val.(stringValue); ok && v.Tag != "!!str" {
		return nil, fmt.Errorf("want a string, got %s (quote it)", v.Value)
	}
	return []string{v.Value}, nil
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

// isSection reports whether name is a section of the file, or a
// subsection ("escalation.roles").
func isSection(name string) bool {
	var c Config
	for _, s := range c.Settings() {
		if sec := s.Section(); sec == name || strings.HasPrefix(sec, name+".") {
			return true
		}
	}
	return false
}

// keys lists the keys of a section, its settings then its subsections,
// or the top-level ones for "".
func keys(section string) []string {
	var c Config
	var out, subs []string
	prefix := section + "."
	if section == "" {
		prefix = ""
	}
	for _, s := range c.Settings() {
		sec := s.Section()
		switch {
		case sec == section:
			out = append(out, strings.TrimPrefix(s.Name, prefix))
		case section != "" && strings.HasPrefix(sec, prefix):
			sub, _, _ := strings.Cut(strings.TrimPrefix(sec, prefix), ".")
			if !slices.Contains(subs, sub) {
				subs = append(subs, sub)
			}
		}
	}
	return append(out, subs...)
}

// yamlError converts a YAML syntax error into an InputError. yaml.v3 gives
// syntax errors no node and no position but "line N" in their text, so
// this is the one place that reads a line from an error's text.
func yamlError(source string, err error) error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	line := 0
	if _, scanErr := fmt.Sscanf(msg, "line %d:", &line); scanErr == nil {
		msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	}
	return &iamsweep.InputError{Source: source, Line: line, Offset: -1, Err: fmt.Errorf("invalid YAML: %s", msg)}
}

// suggest returns " (did you mean X?)" for a key close to a known one.
func suggest(key string) string {
	best, bestDist := "", 3
	names := keys("")
	sort.Strings(names)
	for _, n := range names {
		if d := distance(strings.ReplaceAll(key, "_", "-"), n); d < bestDist {
			best, bestDist = n, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" (did you mean %q?)", best)
}

// distance is the Levenshtein distance between a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
