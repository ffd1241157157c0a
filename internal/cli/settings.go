package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"

	"github.com/spf13/cobra"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
)

// configEnv names the environment variable that may point at a config file.
const configEnv = "IAMSWEEP_CONFIG"

// bindSettings declares --config and a flag for each named setting, bound
// to its field of cfg (which holds the defaults), with its environment
// variable in the help. The settings are config's declarations: the flag
// parser sets the field through the setting's own Value.
func bindSettings(cmd *cobra.Command, cfg *config.Config, names ...string) {
	fs := cmd.Flags()
	fs.String("config", "", "read settings from this YAML file (env "+configEnv+")")
	for _, s := range cfg.Settings() {
		if !slices.Contains(names, s.Name) {
			continue
		}
		f := fs.VarPF(s.Value, s.Name, s.Short, fmt.Sprintf("%s (env %s)", s.Usage, s.Env()))
		if s.Value.Type() == "bool" {
			f.NoOptDefVal = "true"
		}
	}
}

// setUsage replaces the usage text of a setting's flag on a command that
// takes fewer values than the setting does elsewhere.
func setUsage(cmd *cobra.Command, name, usage string) {
	f := cmd.Flags().Lookup(name)
	f.Usage = fmt.Sprintf("%s (env %s)", usage, config.Setting{Name: name}.Env())
}

// resolveSettings completes cfg, whose fields hold the defaults and the
// flags given: settings without a flag come from their environment
// variable, else from the config file (--config or IAMSWEEP_CONFIG). It
// validates the result.
func resolveSettings(cmd *cobra.Command, cfg *config.Config, d deps) error {
	fs := cmd.Flags()
	path, _ := fs.GetString("config")
	if !fs.Changed("config") {
		path = d.io.Getenv(configEnv)
	}
	var file *config.File
	if path != "" {
		var err error
		if file, err = readConfigFile(path); err != nil {
			return err
		}
	}
	return cfg.Resolve(config.Sources{
		Flagged: func(name string) bool {
			f := fs.Lookup(name)
			return f != nil && f.Changed
		},
		Getenv: d.io.Getenv,
		File:   file,
		Now:    d.now(),
	})
}

// readConfigFile reads and decodes a config file. Any problem, from a
// missing file or a directory to a bad value, is an *iamsweep.InputError
// (exit status 2) naming the file.
func readConfigFile(path string) (*config.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		op := "read"
		var pe *fs.PathError
		if errors.As(err, &pe) {
			op, err = pe.Op, pe.Err
		}
		return nil, iamsweep.NewInputError(path, "", fmt.Errorf("%s config file: %w", op, err))
	}
	return config.Decode(bytes.NewReader(data), path)
}
