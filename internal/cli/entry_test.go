package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/config"
)

func TestEntry_Run(t *testing.T) {
	// A default state database would land here; an Entry has none.
	data := t.TempDir()
	t.Setenv("XDG_DATA_HOME", data)
	var out, errOut bytes.Buffer
	env := map[string]string{
		"IAMSWEEP_FROM_FILE":         example,
		"IAMSWEEP_CREDENTIAL_REPORT": exampleReport,
		"IAMSWEEP_AS_OF":             asOf,
	}
	e := Entry{
		IO:       IO{Out: &out, ErrOut: &errOut, Getenv: func(k string) string { return env[k] }},
		Now:      func() time.Time { return time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) },
		Defaults: func(c *config.Config) { c.Output, c.LogFormat, c.LogLevel = "json", "json", "info" },
	}
	code, err := e.Run(t.Context(), "scan")
	var se *StatusError
	if code != ExitUnused || !errors.As(err, &se) {
		t.Fatalf("Run(scan) = %d, %v; want 4 and a *StatusError", code, err)
	}
	var doc struct {
		Summary struct{ Unused int } `json:"summary"`
	}
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil || doc.Summary.Unused == 0 {
		t.Errorf("stdout is not the JSON report the defaults ask for (%v): %.200s", err, out.String())
	}
	// JSON logs at info, as the defaults ask: every line a JSON object.
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	if len(lines) == 0 || !strings.Contains(errOut.String(), `"msg":"scan finished"`) {
		t.Errorf("no info log of the scan: %q", errOut.String())
	}
	for _, l := range lines {
		if !json.Valid([]byte(l)) {
			t.Errorf("log line is not JSON: %q", l)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "iamsweep", "state.db")); !os.IsNotExist(err) {
		t.Errorf("the scan was recorded in the default state database (stat: %v)", err)
	}

	// The environment wins over the defaults; the final error is returned,
	// not printed.
	env["IAMSWEEP_OUTPUT"] = "xml"
	out.Reset()
	errOut.Reset()
	code, err = e.Run(t.Context(), "scan")
	if code != ExitUsage || !iamsweep.IsInputError(err) || !strings.Contains(err.Error(), "IAMSWEEP_OUTPUT") {
		t.Errorf("bad IAMSWEEP_OUTPUT: %d, %v", code, err)
	}
	if errOut.Len() != 0 || out.Len() != 0 {
		t.Errorf("output %q, stderr %q: the error is the caller's to report", out.String(), errOut.String())
	}
	code, err = e.Run(t.Context(), "scan", "--no-such-flag")
	if code != ExitUsage || err == nil || errOut.Len() != 0 {
		t.Errorf("bad flag: %d, %v, stderr %q", code, err, errOut.String())
	}
}

func TestEntry_Settings(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "iamsweep.yaml")
	if err := os.WriteFile(file, []byte("unused-days: 60\nlog-format: text\nallow: /file/*\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IAMSWEEP_CONFIG": file, "IAMSWEEP_ALLOW": "/env/*"}
	e := Entry{
		IO:       IO{Getenv: func(k string) string { return env[k] }},
		Defaults: func(c *config.Config) { c.LogFormat, c.LogLevel, c.UnusedDays = "json", "info", 30 },
	}
	cfg, err := e.Settings()
	if err != nil {
		t.Fatal(err)
	}
	// default < file < environment.
	if cfg.UnusedDays != 60 || cfg.LogFormat != "text" || cfg.LogLevel != "info" || strings.Join(cfg.Allow, " ") != "/env/*" {
		t.Errorf("settings: unused-days %d, log-format %s, log-level %s, allow %v", cfg.UnusedDays, cfg.LogFormat, cfg.LogLevel, cfg.Allow)
	}

	env["IAMSWEEP_UNUSED_DAYS"] = "500"
	if _, err := e.Settings(); err == nil || !strings.Contains(err.Error(), "IAMSWEEP_UNUSED_DAYS: unused-days: must be between 1 and 400") {
		t.Errorf("bad environment: %v", err)
	}
	delete(env, "IAMSWEEP_UNUSED_DAYS")
	env["IAMSWEEP_CONFIG"] = filepath.Join(dir, "missing.yaml")
	if _, err := e.Settings(); err == nil || !iamsweep.IsInputError(err) || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}
