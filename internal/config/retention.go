package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/iamsweep/iamsweep"
)

// RetentionKeys are the keys of the config file's "retention" section:
// how much scan history the state database keeps, applied after every
// recorded scan and by "iamsweep prune" (whose flags have the same names).
var RetentionKeys = []Setting{
	{"keep-scans", "int", "keep the N most recently recorded scans (1 or more)"},
	{"older-than", "string", "delete scans whose as-of time is older than this: 90d (days) or a Go duration such as 720h"},
}

// ParseDuration reads a retention age: whole days ("90d") or a Go
// duration ("720h", "36h30m"), more than zero. Numbers are decimal.
func ParseDuration(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	bad := fmt.Errorf("want a duration such as 90d or 720h, got %q", v)
	if days, ok := strings.CutSuffix(v, "d"); ok {
		if days == "" || strings.Trim(days, "0123456789") != "" {
			return 0, bad
		}
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 1 || n > int64(maxDuration/(24*time.Hour)) {
			return 0, fmt.Errorf("want 1 to %d days, got %q", maxDuration/(24*time.Hour), v)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, bad
	}
	if d <= 0 {
		return 0, fmt.Errorf("want a duration more than zero, got %q", v)
	}
	return d, nil
}

// maxDuration is the longest time.Duration.
const maxDuration = time.Duration(1<<63 - 1)

// ParseKeepScans reads a number of scans to keep: decimal, 1 or more.
func ParseKeepScans(v string) (int, error) {
	v = strings.TrimSpace(v)
	n, err := strconv.Atoi(v)
	if err != nil || strings.Trim(v, "0123456789") != "" {
		return 0, fmt.Errorf("want a whole number of scans, got %q", v)
	}
	if n < 1 {
		return 0, fmt.Errorf("want 1 or more scans (the latest scan is always kept), got %d", n)
	}
	return n, nil
}

// parseRetention reads the "retention" mapping onto c.
func (c *Config) parseRetention(source string, v *yaml.Node) error {
	at := func(n *yaml.Node, key string, err error) error {
		return &iamsweep.InputError{Source: source, Line: n.Line, Offset: -1, Field: "retention." + key, Err: err}
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return &iamsweep.InputError{Source: source, Line: v.Line, Offset: -1, Field: "retention",
			Err: errors.New("want a mapping of retention settings (keep-scans: 30, older-than: 180d)")}
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		if k.Value != "keep-scans" && k.Value != "older-than" {
			return &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1, Field: "retention",
				Err: fmt.Errorf("unknown key %q; want keep-scans or older-than", k.Value)}
		}
		if line, dup := seen[k.Value]; dup {
			return at(k, k.Value, fmt.Errorf("given twice (first on line %d)", line))
		}
		seen[k.Value] = k.Line
		if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
			return at(val, k.Value, errors.New("want a single value"))
		}
		var err error
		if k.Value == "keep-scans" {
			c.Retention.KeepScans, err = ParseKeepScans(val.Value)
		} else {
			c.Retention.OlderThan, err = ParseDuration(val.Value)
		}
		if err != nil {
			return at(val, k.Value, err)
		}
	}
	return nil
}
