package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version is set at build time with
// -ldflags "-X github.com/iamsweep/iamsweep/internal/cli.version=v1.2.3";
// it overrides the module version of the build info.
var version = ""

// Version returns the version of this build: the one set at link time,
// else the module version from the build info, else "devel".
func Version() string {
	bi, _ := debug.ReadBuildInfo()
	return buildVersion(bi, version).version
}

// build describes a binary: its version and the VCS state it was built
// from (empty when the build info has none, as with -buildvcs=false).
type build struct {
	version  string
	revision string
	time     string
	modified bool
	goVer    string
}

// buildVersion reads bi (nil when the binary has no build info), with
// linked, the version set at link time, taking precedence.
func buildVersion(bi *debug.BuildInfo, linked string) build {
	b := build{version: linked}
	if bi == nil {
		if b.version == "" {
			b.version = "devel"
		}
		return b
	}
	if b.version == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		b.version = bi.Main.Version
	}
	if b.version == "" {
		b.version = "devel"
	}
	b.goVer = bi.GoVersion
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			b.revision = s.Value
		case "vcs.time":
			b.time = s.Value
		case "vcs.modified":
			b.modified = s.Value == "true"
		}
	}
	return b
}

// VersionOptions are the inputs of the version command.
type VersionOptions struct {
	deps
	// BuildInfo reads the binary's build info (debug.ReadBuildInfo).
	BuildInfo func() (*debug.BuildInfo, bool)
	// Linked is the version set at link time, "" for none.
	Linked string
}

// NewCmdVersion returns the version command.
func NewCmdVersion(d deps, runF func(context.Context, *VersionOptions) error) *cobra.Command {
	opts := &VersionOptions{deps: d, BuildInfo: debug.ReadBuildInfo, Linked: version}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the source revision and the date it was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return runVersion(cmd.Context(), opts)
		},
	}
}

// runVersion prints "iamsweep VERSION", then the revision and the time of
// the commit it was built from and the Go version, when the build info
// holds them.
func runVersion(_ context.Context, opts *VersionOptions) error {
	bi, _ := opts.BuildInfo()
	b := buildVersion(bi, opts.Linked)
	return writeVersion(opts.io.Out, b)
}

func writeVersion(w io.Writer, b build) error {
	var s strings.Builder
	fmt.Fprintf(&s, "iamsweep %s\n", b.version)
	if b.revision != "" {
		rev := b.revision
		if b.modified {
			rev += " (modified)"
		}
		fmt.Fprintf(&s, "revision %s", rev)
		if b.time != "" {
			fmt.Fprintf(&s, ", committed %s", b.time)
		}
		s.WriteString("\n")
	}
	if b.goVer != "" {
		fmt.Fprintf(&s, "built with %s\n", b.goVer)
	}
	_, err := io.WriteString(w, s.String())
	return err
}
