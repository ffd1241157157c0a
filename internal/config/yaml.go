package config

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/iamsweep/iamsweep"
)

// Parse reads a YAML config file onto the defaults. Keys are the setting
// names; an unknown key, a value of the wrong type or a second document is
// an error naming the line. source names the file in errors. Parse does not
// validate values: call Validate once flags and environment are applied.
func Parse(r io.Reader, source string) (Config, error) {
	c := Default()
	data, err := io.ReadAll(r)
	if err != nil {
		return c, fmt.Errorf("read %s: %w", source, err)
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(strings.NewReader(string(data)))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil // an empty file sets nothing
		}
		return c, yamlError(source, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return c, &iamsweep.InputError{Source: source, Line: extra.Line, Offset: -1,
			Err: errors.New("more than one YAML document; want one mapping of settings")}
	}
	if len(doc.Content) == 0 {
		return c, nil
	}
	root := doc.Content[0]
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return c, nil // "---" alone, or only comments after it: sets nothing
	}
	if root.Kind != yaml.MappingNode {
		return c, &iamsweep.InputError{Source: source, Line: root.Line, Offset: -1,
			Err: errors.New("want a mapping of settings (key: value)")}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		at := func(err error) error {
			return &iamsweep.InputError{Source: source, Line: v.Line, Offset: -1, Field: k.Value, Err: err}
		}
		if k.Value == "remediation" || k.Value == "retention" {
			if line, dup := seen[k.Value]; dup {
				return c, &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1,
					Err: fmt.Errorf("key %q given twice (first on line %d)", k.Value, line)}
			}
			seen[k.Value] = k.Line
			parse := c.parseRemediation
			if k.Value == "retention" {
				parse = c.parseRetention
			}
			if err := parse(source, v); err != nil {
				return c, err
			}
			continue
		}
		s, ok := Lookup(k.Value)
		if !ok {
			return c, &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1,
				Err: fmt.Errorf("unknown key %q%s", k.Value, suggest(k.Value))}
		}
		if line, dup := seen[k.Value]; dup {
			return c, &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1,
				Err: fmt.Errorf("key %q given twice (first on line %d)", k.Value, line)}
		}
		seen[k.Value] = k.Line
		o := Origin{Source: source, Line: v.Line}
		if s.Kind == "list" {
			values, err := stringList(v)
			if err != nil {
				return c, at(err)
			}
			if err := c.SetList(s.Name, values, o); err != nil {
				return c, at(err)
			}
			continue
		}
		if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
			return c, at(fmt.Errorf("want a single %s value", kindWord(s.Kind)))
		}
		if s.Kind == "string" && v.Tag != "!!str" {
			return c, at(fmt.Errorf("want a string, got %s (quote it)", v.Value))
		}
		if err := c.Set(s.Name, v.Value, o); err != nil {
			return c, at(err)
		}
	}
	return c, nil
}

func stringList(v *yaml.Node) ([]string, error) {
	switch v.Kind {
	case yaml.ScalarNode:
		if v.Tag == "!!null" {
			return nil, nil
		}
		return []string{v.Value}, nil
	case yaml.SequenceNode:
		out := make([]string, 0, len(v.Content))
		for i, item := range v.Content {
			if item.Kind != yaml.ScalarNode || item.Tag == "!!null" {
				return nil, fmt.Errorf("item %d: want a string", i+1)
			}
			out = append(out, item.Value)
		}
		return out, nil
	default:
		return nil, errors.New("want a string or a list of strings")
	}
}

func kindWord(kind string) string {
	switch kind {
	case "int":
		return "whole number"
	case "bool":
		return "true/false"
	case "time":
		return "RFC 3339 time"
	default:
		return "string"
	}
}

// yamlError converts a YAML syntax error, which carries "line N" in its
// text, into an InputError.
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
	names := make([]string, 0, len(Settings))
	for _, s := range Settings {
		names = append(names, s.Name)
	}
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
