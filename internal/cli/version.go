package cli

import (
	"context"
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X .../internal/cli.version=v1.2.3".
var version = ""

// Version returns the version of this build: the one set at link time, else
// the module version from the build info, else "devel".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// VersionOptions are the inputs of the version command.
type VersionOptions struct {
	deps
}

// NewCmdVersion returns the version command.
func NewCmdVersion(d deps, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{deps: d}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVersion(cmd.Context(), opts)
		},
	}
}

func runVersion(_ context.Context, opts *VersionOptions) error {
	_, err := fmt.Fprintln(opts.io.Out, "iamsweep", Version())
	return err
}
