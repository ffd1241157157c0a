package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/iamsweep/iamsweep"
)

// RemediationKeys are the keys of the config file's "remediation" section,
// with what each sets.
var RemediationKeys = []Setting{
	{"roles", "string", "action for unused roles: none, quarantine or delete (default quarantine)"},
	{"users", "string", "action for unused users: none, quarantine or delete (default quarantine)"},
	{"access-keys", "string", "action for unused access keys: none, deactivate-key or delete-key (default deactivate-key)"},
	{"passwords", "string", "action for unused console passwords: none or delete-password (default none)"},
	{"max-deletions-per-run", "int", "at most this many deleting actions per plan and apply; -1 for no limit (default 25)"},
	{"max-deletions-per-account", "int", "at most this many deleting actions per account; -1 for no limit (default 10)"},
	{"protected-accounts", "list", "account IDs iamsweep never changes"},
	{"kill-switch-file", "string", "while this file exists, apply stops before its next step (default: STOP beside the state database)"},
}

// parseRemediation reads the "remediation" mapping onto c.
func (c *Config) parseRemediation(source string, v *yaml.Node) error {
	at := func(n *yaml.Node, key string, err error) error {
		return &iamsweep.InputError{Source: source, Line: n.Line, Offset: -1, Field: "remediation." + key, Err: err}
	}
	if v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil
	}
	if v.Kind != yaml.MappingNode {
		return &iamsweep.InputError{Source: source, Line: v.Line, Offset: -1, Field: "remediation",
			Err: errors.New("want a mapping of remediation settings (roles: quarantine, ...)")}
	}
	seen := map[string]int{}
	p := &c.Remediation
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := v.Content[i], v.Content[i+1]
		var s Setting
		for _, r := range RemediationKeys {
			if r.Name == k.Value {
				s = r
			}
		}
		if s.Name == "" {
			names := make([]string, len(RemediationKeys))
			for j, r := range RemediationKeys {
				names[j] = r.Name
			}
			return &iamsweep.InputError{Source: source, Line: k.Line, Offset: -1, Field: "remediation",
				Err: fmt.Errorf("unknown key %q; want one of %s", k.Value, strings.Join(names, ", "))}
		}
		if line, dup := seen[k.Value]; dup {
			return at(k, k.Value, fmt.Errorf("given twice (first on line %d)", line))
		}
		seen[k.Value] = k.Line
		if s.Kind == "list" {
			values, err := stringList(val)
			if err != nil {
				return at(val, k.Value, err)
			}
			for j, a := range values {
				if !iamsweep.IsAccountID(a) {
					return at(val, k.Value, fmt.Errorf("item %d: %q is not a 12-digit account ID (quote IDs that start with 0)", j+1, a))
				}
			}
			p.ProtectedAccounts = values
			continue
		}
		if val.Kind != yaml.ScalarNode || val.Tag == "!!null" {
			return at(val, k.Value, fmt.Errorf("want a single %s value", kindWord(s.Kind)))
		}
		switch s.Kind {
		case "int":
			n, err := strconv.Atoi(val.Value)
			if err != nil || val.Tag != "!!int" {
				return at(val, k.Value, fmt.Errorf("want a whole number, got %q", val.Value))
			}
			if n < -1 {
				return at(val, k.Value, fmt.Errorf("want a number of deletions or -1 for no limit, got %d", n))
			}
			if k.Value == "max-deletions-per-run" {
				p.MaxDeletionsPerRun = n
			} else {
				p.MaxDeletionsPerAccount = n
			}
			continue
		}
		if k.Value == "kill-switch-file" {
			c.KillSwitchFile = val.Value
			continue
		}
		kind := iamsweep.ActionKind(val.Value)
		if val.Value == "none" {
			kind = ""
		}
		check := iamsweep.RemediationPolicy{}
		switch k.Value {
		case "roles":
			p.Roles, check.Roles = kind, kind
		case "users":
			p.Users, check.Users = kind, kind
		case "access-keys":
			p.AccessKeys, check.AccessKeys = kind, kind
		case "passwords":
			p.Passwords, check.Passwords = kind, kind
		}
		if err := check.Validate(); err != nil {
			_, msg, _ := strings.Cut(err.Error(), ": ")
			return at(val, k.Value, errors.New(msg))
		}
	}
	return nil
}
