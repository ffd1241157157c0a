package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/config"
)

// TestNewCmdScan_settings checks what the flags, the environment and the
// config file resolve to, through runF, without running a scan.
func TestNewCmdScan_settings(t *testing.T) {
	cfgFile := filepath.Join(t.TempDir(), "iamsweep.yaml")
	if err := os.WriteFile(cfgFile, []byte("unused-days: 10\noutput: json\nallow: [/file/*]\nregion: eu-west-1\nremediation:\n  roles: delete\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IAMSWEEP_CONFIG": cfgFile, "IAMSWEEP_UNUSED_DAYS": "20", "IAMSWEEP_REGION": "eu-west-2"}
	var got *ScanOptions
	d := deps{io: IO{Getenv: func(k string) string { return env[k] }}, now: func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }}
	cmd := NewCmdScan(d, func(_ context.Context, opts *ScanOptions) error { got = opts; return nil })
	cmd.SetArgs([]string{"--region", "us-west-2", "-q", "--all=false", "--ou", "ou-ab12-cd34ef56", "--ou", "r-ab12"})
	if err := cmd.ExecuteContext(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := got.Config
	type view struct {
		UnusedDays     int
		Output, Region string
		Allow, OUs     []string
		Quiet, All     bool
		Roles          string
	}
	want := view{UnusedDays: 20, Output: "json", Region: "us-west-2", Allow: []string{"/file/*"},
		OUs: []string{"ou-ab12-cd34ef56", "r-ab12"}, Quiet: true, Roles: "delete"}
	if diff := cmp.Diff(want, view{c.UnusedDays, c.Output, c.Region, c.Allow, c.OUs, c.Quiet, c.All, string(c.Remediation.Roles)}); diff != "" {
		t.Errorf("resolved settings (-want +got):\n%s", diff)
	}
	origins := map[string]config.Origin{
		"unused-days":       {Source: "IAMSWEEP_UNUSED_DAYS"},
		"output":            {Source: cfgFile, Line: 2},
		"allow":             {Source: cfgFile, Line: 3},
		"region":            {Source: "--region"},
		"remediation.roles": {Source: cfgFile, Line: 6},
	}
	for name, want := range origins {
		if o, ok := c.OriginOf(name); !ok || o != want {
			t.Errorf("OriginOf(%q) = %+v, %t; want %+v", name, o, ok, want)
		}
	}
	if _, ok := c.OriginOf("concurrency"); ok {
		t.Error("concurrency has an origin although nothing set it")
	}
}

// TestRunBackups calls the command's function directly, with its options.
func TestRunBackups(t *testing.T) {
	var out strings.Builder
	opts := &BackupsOptions{
		deps:   deps{io: IO{Out: &out}},
		Config: config.Default(),
	}
	opts.Config.State = filepath.Join(t.TempDir(), "state.db")
	if err := runBackups(t.Context(), opts); err != nil || out.String() != "No backups.\n" {
		t.Errorf("runBackups = %v, output %q", err, out.String())
	}
}
