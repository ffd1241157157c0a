package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
)

// configEnv names the environment variable that may point at a config file.
const configEnv = "IAMSWEEP_CONFIG"

// bindSettings declares a flag for every setting, or for the settings
// named in only, with its default and its environment variable in the help.
func bindSettings(cmd *cobra.Command, only ...string) {
	def := config.Default()
	fs := cmd.Flags()
	fs.String("config", "", "read settings from this YAML file (env "+configEnv+")")
	for _, s := range config.Settings {
		if len(only) > 0 && !slices.Contains(only, s.Name) {
			continue
		}
		usage := fmt.Sprintf("%s (env %s)", s.Usage, s.Env())
		switch {
		case s.Name == "output":
			fs.StringP(s.Name, "o", def.Output, usage)
		case s.Name == "quiet":
			fs.BoolP(s.Name, "q", false, usage)
		case s.Kind == "int":
			fs.Int(s.Name, defaultInt(def, s.Name), usage)
		case s.Kind == "bool":
			fs.Bool(s.Name, false, usage)
		case s.Kind == "list":
			fs.StringArray(s.Name, nil, usage)
		default:
			fs.String(s.Name, defaultString(def, s.Name), usage)
		}
	}
}

func defaultInt(c config.Config, name string) int {
	switch name {
	case "unused-days":
		return c.UnusedDays
	case "concurrency":
		return c.Concurrency
	}
	return 0
}

func defaultString(c config.Config, name string) string {
	switch name {
	case "assume-role":
		return c.AssumeRole
	case "fail-on":
		return c.FailOn
	case "log-level":
		return c.LogLevel
	case "log-format":
		return c.LogFormat
	}
	return ""
}

// resolveConfig builds the configuration: defaults, then the config file,
// then environment variables, then the flags that were given. It validates
// the result.
func resolveConfig(cmd *cobra.Command, getenv func(string) string, stdin io.Reader) (config.Config, error) {
	fs := cmd.Flags()
	path, _ := fs.GetString("config")
	if !fs.Changed("config") {
		path = getenv(configEnv)
	}
	cfg := config.Default()
	if path != "" {
		f, err := os.Open(path)
		if err != nil {
			return cfg, iamsweep.NewInputError(path, "", fmt.Errorf("open config file: %w", unwrapPathError(err)))
		}
		cfg, err = config.Parse(f, path)
		f.Close()
		if err != nil {
			return cfg, err
		}
	}
	for _, s := range config.Settings {
		v := getenv(s.Env())
		if v == "" {
			continue
		}
		o := config.Origin{Source: s.Env()}
		var err error
		if s.Kind == "list" {
			err = cfg.SetList(s.Name, []string{v}, o)
		} else {
			err = cfg.Set(s.Name, v, o)
		}
		if err != nil {
			return cfg, iamsweep.NewInputError(s.Env(), "", err)
		}
	}
	for _, s := range config.Settings {
		if fs.Lookup(s.Name) == nil || !fs.Changed(s.Name) {
			continue
		}
		o := config.Origin{Source: "--" + s.Name}
		var err error
		switch s.Kind {
		case "list":
			values, _ := fs.GetStringArray(s.Name)
			err = cfg.SetList(s.Name, values, o)
		case "int":
			n, _ := fs.GetInt(s.Name)
			err = cfg.Set(s.Name, strconv.Itoa(n), o)
		default:
			err = cfg.Set(s.Name, fs.Lookup(s.Name).Value.String(), o)
		}
		if err != nil {
			return cfg, iamsweep.NewInputError("--"+s.Name, "", err)
		}
	}
	return cfg, cfg.Validate()
}

// withConfig makes a command's RunE: it marks the command started,
// resolves its settings with resolveConfig and runs fn with them.
func withConfig(d deps, fn func(cmd *cobra.Command, args []string, cfg config.Config) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		statusOf(cmd.Context()).started = true
		cfg, err := resolveConfig(cmd, d.io.Getenv, d.io.In)
		if err != nil {
			return err
		}
		return fn(cmd, args, cfg)
	}
}
