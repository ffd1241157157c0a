package config

import (
	"time"

	"github.com/iamsweep/iamsweep"
)

// Sources are where settings come from besides their defaults.
type Sources struct {
	// Flagged reports whether a setting's flag was given. The flag parser
	// has then set the value already, through the setting's Value.
	Flagged func(name string) bool
	// Getenv reads an environment variable.
	Getenv func(string) string
	// File is the config file, or nil for none.
	File *File
	// Now is the time an as-of setting is checked against (ValidateAsOf).
	Now time.Time
}

// Resolve completes c, whose fields hold the defaults and the flags given
// (bound to c.Settings()): every setting whose flag was not given takes its
// environment variable's value when that is not empty, else the file's,
// else keeps its default. So the precedence is flag, environment, file,
// default. Resolve records where each value came from and validates the
// result; every error is an *iamsweep.InputError naming the flag, variable
// or file line.
//
// An environment variable's value is parsed even when a flag overrides it,
// as a file's values are (Decode), so a malformed value is never silently
// ignored.
func (c *Config) Resolve(src Sources) error {
	fromFile := map[string]bool{}
	check := Default()
	for _, s := range c.Settings() {
		flagged := src.Flagged != nil && src.Flagged(s.Name)
		var env string
		if name := s.Env(); name != "" && src.Getenv != nil {
			env = src.Getenv(name)
		}
		switch {
		case env != "":
			target := s.Value
			if flagged {
				cs, _ := check.Lookup(s.Name) // parsed for its errors only
				target = cs.Value
			}
			if err := setValues(target, []string{env}); err != nil {
				return iamsweep.NewInputError(s.Env(), "", err)
			}
			if !flagged {
				c.setOrigin(s.Name, Origin{Source: s.Env()})
			}
		case !flagged:
			fromFile[s.Name] = true
		}
		if flagged {
			c.setOrigin(s.Name, Origin{Source: "--" + s.Name})
		}
	}
	if src.File != nil {
		if err := src.File.apply(c, func(name string) bool { return fromFile[name] }); err != nil {
			return err
		}
	}
	if err := c.Validate(); err != nil {
		return err
	}
	return c.ValidateAsOf(src.Now)
}
