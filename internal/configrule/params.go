package configrule

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// The rule parameters, named as the blog post's rule and AWS Config's
// managed rules name theirs.
const (
	// ParamMaxDays is the number of whole days a role may go unused before
	// it is NON_COMPLIANT (iamsweep's unused-days).
	ParamMaxDays = "max_days_for_last_used"
	// ParamAllowlist holds the patterns of roles that are NOT_APPLICABLE
	// whatever their use (iamsweep's allow), separated by "|" or ",".
	ParamAllowlist = "role_pattern_allowlist"
)

// allowlistAliases are the names the blog post's rule used for the
// allowlist: its code read role_whitelist, its template wrote
// role-whitelist. Both are read as role_pattern_allowlist, so that a rule
// moved over from it keeps its exemptions.
var allowlistAliases = []string{"role_whitelist", "role-whitelist"}

// paramsSource names the rule parameters in errors.
const paramsSource = "ruleParameters"

// Params are a rule's parameters. The zero value sets nothing: the
// function's own settings apply.
type Params struct {
	// MaxDays is max_days_for_last_used, 0 when not given.
	MaxDays int
	// Allow are the patterns of role_pattern_allowlist, one pattern each;
	// nil when not given.
	Allow []string
}

// ParseParams parses the ruleParameters of an invocation: a JSON object
// in a string, "" or "{}" when the rule has none. Values are strings, as
// AWS Config passes them (a JSON number or, for the allowlist, a list of
// strings is taken too). An empty value counts as not given. Any problem,
// an unknown parameter included, is an *iamsweep.InputError naming
// "ruleParameters" and the parameter.
func ParseParams(s string) (Params, error) {
	var p Params
	if strings.TrimSpace(s) == "" {
		return p, nil
	}
	var raw map[string]json.RawMessage
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(&raw); err != nil {
		return p, iamsweep.NewInputError(paramsSource, "", fmt.Errorf("want a JSON object of parameters, got %s: %v", iamsweep.Quote(s), err))
	}
	if dec.More() {
		return p, iamsweep.NewInputError(paramsSource, "", fmt.Errorf("want one JSON object of parameters, got more after it in %s", iamsweep.Quote(s)))
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	allowFrom := ""
	for _, k := range keys {
		bad := func(err error) error { return iamsweep.NewInputError(paramsSource, k, err) }
		switch {
		case k == ParamMaxDays:
			n, err := parseDays(raw[k])
			if err != nil {
				return Params{}, bad(err)
			}
			p.MaxDays = n
		case k == ParamAllowlist || slices.Contains(allowlistAliases, k):
			if allowFrom != "" {
				return Params{}, bad(fmt.Errorf("the allowlist is given twice, as %s and as %s: keep %s", allowFrom, k, ParamAllowlist))
			}
			allowFrom = k
			patterns, err := parseAllowlist(raw[k])
			if err != nil {
				return Params{}, bad(err)
			}
			p.Allow = patterns
		default:
			return Params{}, bad(fmt.Errorf("unknown rule parameter; the rule takes %s and %s", ParamMaxDays, ParamAllowlist))
		}
	}
	return p, nil
}

// parseDays parses max_days_for_last_used: a whole number of days from 1
// to IAM's tracking period, as a string or a JSON number.
func parseDays(v json.RawMessage) (int, error) {
	text, err := scalar(v)
	if err != nil || text == "" {
		return 0, err
	}
	n, err := strconv.Atoi(text)
	if err != nil || n < 1 || n > detect.TrackingPeriodDays {
		return 0, fmt.Errorf("want a whole number of days from 1 to %d (IAM records use for %d days), got %s",
			detect.TrackingPeriodDays, detect.TrackingPeriodDays, iamsweep.Quote(text))
	}
	return n, nil
}

// scalar returns a JSON string's text, or a JSON number's, trimmed.
func scalar(v json.RawMessage) (string, error) {
	v = bytes.TrimSpace(v)
	var s string
	if err := json.Unmarshal(v, &s); err == nil {
		return strings.TrimSpace(s), nil
	}
	var n json.Number
	if err := json.Unmarshal(v, &n); err == nil {
		return n.String(), nil
	}
	return "", fmt.Errorf("want a string, got %s", iamsweep.Quote(string(v)))
}

// parseAllowlist parses the allowlist parameter: a string of patterns
// separated by "|" or ",", or a JSON list of such strings. Each pattern
// must compile (see detect.CompilePattern).
func parseAllowlist(v json.RawMessage) ([]string, error) {
	var values []string
	if err := json.Unmarshal(v, &values); err != nil {
		text, serr := scalar(v)
		if serr != nil {
			return nil, errors.New("want a string of patterns separated by | or ,")
		}
		values = []string{text}
	}
	var patterns []string
	for _, value := range values {
		if strings.TrimSpace(value) == "" {
			continue
		}
		for _, text := range SplitAllowlist(value) {
			text = strings.TrimSpace(text)
			if text == "" {
				return nil, fmt.Errorf("empty pattern in %s (patterns are separated by | or ,)", iamsweep.Quote(value))
			}
			if _, err := detect.CompilePattern(text); err != nil {
				return nil, fmt.Errorf("pattern %d: %w", len(patterns)+1, err)
			}
			patterns = append(patterns, text)
		}
	}
	return patterns, nil
}

// SplitAllowlist splits an allowlist value into patterns at every "|"
// (the blog post's separator) and every "," (the managed rules' list
// separator) outside a "[...]" set, so that "[,]" still matches a comma,
// which IAM allows in role names.
func SplitAllowlist(value string) []string {
	var out []string
	start := 0
	for i := 0; i < len(value); i++ {
		switch value[i] {
		case '[':
			if end := setEnd(value, i); end > 0 {
				i = end
			}
		case '|', ',':
			out = append(out, value[start:i])
			start = i + 1
		}
	}
	return append(out, value[start:])
}

// setEnd returns the index of the "]" that closes the set opening at
// value[i], read as detect.CompilePattern reads it (a "]" first in the set
// is a member), or -1 when it is not closed.
func setEnd(value string, i int) int {
	j := i + 1
	if j < len(value) && (value[j] == '!' || value[j] == '^') {
		j++
	}
	if j < len(value) && value[j] == ']' {
		j++
	}
	for ; j < len(value); j++ {
		if value[j] == ']' {
			return j
		}
	}
	return -1
}
