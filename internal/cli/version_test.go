package cli

import (
	"bytes"
	"runtime/debug"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRunVersion(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "-ldflags", Value: "-s"},
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0fcc714a1b2c3d4e5f60718293a4b5c6d7e8f901"},
		{Key: "vcs.time", Value: "2026-11-23T09:30:00Z"},
		{Key: "vcs.modified", Value: "false"},
	}
	tests := []struct {
		name   string
		info   *debug.BuildInfo // nil: none
		linked string
		want   string
	}{
		{name: "no build info", want: "iamsweep devel\n"},
		{name: "a devel build without VCS information",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "(devel)"}},
			want: "iamsweep devel\nbuilt with go1.26.8\n"},
		{name: "a module version with its commit",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.4.0"}, Settings: vcs},
			want: "iamsweep v0.4.0\nrevision 0fcc714a1b2c3d4e5f60718293a4b5c6d7e8f901, committed 2026-11-23T09:30:00Z\nbuilt with go1.26.8\n"},
		{name: "a pseudo-version from a work tree with changes",
			info: &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.0.0-20261123093000-0fcc714a1b2c+dirty"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0fcc714a"}, {Key: "vcs.modified", Value: "true"}}},
			want: "iamsweep v0.0.0-20261123093000-0fcc714a1b2c+dirty\nrevision 0fcc714a (modified)\nbuilt with go1.26.8\n"},
		{name: "-ldflags -X overrides the module version",
			info:   &debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Version: "v0.4.0"}, Settings: vcs},
			linked: "v1.2.3",
			want:   "iamsweep v1.2.3\nrevision 0fcc714a1b2c3d4e5f60718293a4b5c6d7e8f901, committed 2026-11-23T09:30:00Z\nbuilt with go1.26.8\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			opts := &VersionOptions{
				deps:      deps{io: IO{Out: &out}},
				BuildInfo: func() (*debug.BuildInfo, bool) { return tt.info, tt.info != nil },
				Linked:    tt.linked,
			}
			if err := runVersion(t.Context(), opts); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, out.String()); diff != "" {
				t.Errorf("output (-want +got):\n%s", diff)
			}
		})
	}
}
