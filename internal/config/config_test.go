package config

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

// allFields compares Configs including where each value came from.
var allFields = cmp.Options{cmp.AllowUnexported(Config{}), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })}

// where is the part of an InputError that locates the problem.
type where struct {
	Source string
	Line   int
	Offset int64
	Field  string
}

func whereOf(t *testing.T, err error) (where, *iamsweep.InputError) {
	t.Helper()
	ie, ok := err.(*iamsweep.InputError)
	if !ok {
		t.Fatalf("err = %#v (%v), want an *iamsweep.InputError", err, err)
	}
	return where{Source: ie.Source, Line: ie.Line, Offset: ie.Offset, Field: ie.Field}, ie
}

func TestDefault(t *testing.T) {
	want := Config{
		UnusedDays:  90,
		Output:      "table",
		FailOn:      "any",
		LogLevel:    "warn",
		LogFormat:   "text",
		AssumeRole:  "OrganizationAccountAccessRole",
		OwnerTags:   []string{"owner"},
		Concurrency: 16,
		Remediation: iamsweep.RemediationPolicy{
			Roles: iamsweep.ActionQuarantine, Users: iamsweep.ActionQuarantine, AccessKeys: iamsweep.ActionDeactivateKey,
			MaxDeletionsPerRun: 25, MaxDeletionsPerAccount: 10,
		},
		Notify: Notify{EmailRate: 1, SNSRate: 10, SlackRate: 1},
		Escalation: Escalation{
			QuarantineAfter: 30 * Day, DeleteAfter: 30 * Day,
			RootAccessKeys: StepsOverride{QuarantineAfter: new(time.Duration), DeleteAfter: new(time.Duration)},
			KeepMax:        180 * Day, SnoozeMax: 30 * Day, WarnBefore: 7 * Day, Frequency: 24 * time.Hour,
		},
		Serve:      Serve{Listen: "127.0.0.1:8080", LinkTTL: 14 * Day},
		WindowDays: 90,
	}
	got := Default()
	if diff := cmp.Diff(want, got, allFields); diff != "" {
		t.Errorf("Default() mismatch (-want +got):\n%s", diff)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("Default().Validate() = %v, want nil", err)
	}
	for _, s := range got.Settings() {
		if _, ok := got.OriginOf(s.Name); ok {
			t.Errorf("OriginOf(%q) reports an origin for a default", s.Name)
		}
	}
}

func TestSetting_Env(t *testing.T) {
	tests := []struct {
		name string
		want string
	}{
		{name: "unused-days", want: "IAMSWEEP_UNUSED_DAYS"},
		{name: "as-of", want: "IAMSWEEP_AS_OF"},
		{name: "allow", want: "IAMSWEEP_ALLOW"},
		{name: "include-managed", want: "IAMSWEEP_INCLUDE_MANAGED"},
		{name: "endpoint-url", want: "IAMSWEEP_ENDPOINT_URL"},
		{name: "remediation.roles", want: ""}, // file only
		{name: "escalation.roles.quarantine-after", want: ""},
		{name: "serve.link-key", want: "IAMSWEEP_SERVE_LINK_KEY"}, // a secret: environment only
		{name: "serve.dashboard-token", want: "IAMSWEEP_SERVE_DASHBOARD_TOKEN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c Config
			s, ok := c.Lookup(tt.name)
			if !ok {
				t.Fatalf("Lookup(%q) found nothing", tt.name)
			}
			if got := s.Env(); got != tt.want {
				t.Errorf("Env() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestConfig_Settings(t *testing.T) {
	var c Config
	seen := map[string]bool{}
	for _, s := range c.Settings() {
		if seen[s.Name] {
			t.Errorf("setting %q listed twice", s.Name)
		}
		seen[s.Name] = true
		if s.Value == nil {
			t.Errorf("setting %q is bound to no field", s.Name)
		}
		if s.Usage == "" {
			t.Errorf("setting %q has no usage text", s.Name)
		}
		if s.Name != strings.ToLower(s.Name) || strings.ContainsAny(s.Name, "_ ") {
			t.Errorf("setting %q is not kebab-case", s.Name)
		}
	}
	if _, ok := c.Lookup("unused_days"); ok {
		t.Error(`Lookup("unused_days") found a setting; names are kebab-case only`)
	}
	// Each setting is bound to its own field: setting one changes no other.
	for _, s := range c.Settings() {
		var a, b Config
		as, _ := a.Lookup(s.Name)
		if err := as.Value.Set(sample(as.Value)); err != nil {
			t.Fatalf("%s: %v", s.Name, err)
		}
		changed := 0
		for _, other := range b.Settings() {
			o, _ := a.Lookup(other.Name)
			if o.Value.String() != other.Value.String() {
				changed++
			}
		}
		if changed != 1 {
			t.Errorf("setting %s changes %d settings, want 1", s.Name, changed)
		}
	}
}

// sample is a valid value for v that no zero field holds.
func sample(v Value) string {
	switch v.Type() {
	case "int":
		return "7"
	case "bool":
		return "true"
	case "time":
		return "2026-11-23"
	case "action":
		return string(v.(actionValue).allowed[0])
	case "N":
		return "7"
	case "DURATION":
		return "90d"
	}
	if _, ok := v.(accountsValue); ok {
		return "111122223333"
	}
	if _, ok := v.(typesValue); ok {
		return "UnusedIAMRole"
	}
	switch v.(type) {
	case webhooksValue:
		return "security=SLACK_SECURITY_URL"
	case prefixesValue:
		return "10.0.0.0/8"
	case rateValue:
		return "2.5"
	case recipientValue:
		return "sec@example.com"
	case routesValue:
		return "alice@example.com=sns:arn:aws:sns:us-east-1:111122223333:team-a"
	case secretValue:
		return strings.Repeat("s", 40)
	}
	return "x"
}

func TestValue_Set(t *testing.T) {
	tests := []struct {
		name    string
		setting string
		value   string
		want    func(*Config) // applied to Default()
		wantErr string
	}{
		{name: "int", setting: "unused-days", value: "30", want: func(c *Config) { c.UnusedDays = 30 }},
		{name: "int with spaces", setting: "unused-days", value: " 30\n", want: func(c *Config) { c.UnusedDays = 30 }},
		{name: "int out of range is set, Validate rejects it", setting: "unused-days", value: "0", want: func(c *Config) { c.UnusedDays = 0 }},
		{name: "negative int", setting: "unused-days", value: "-1", want: func(c *Config) { c.UnusedDays = -1 }},
		{name: "int with a leading zero is decimal", setting: "unused-days", value: "030", want: func(c *Config) { c.UnusedDays = 30 }},
		{name: "int with a plus sign", setting: "concurrency", value: "+8", want: func(c *Config) { c.Concurrency = 8 }},
		{name: "int word", setting: "unused-days", value: "ninety", wantErr: `want a whole number, got "ninety"`},
		{name: "int fraction", setting: "unused-days", value: "1.5", wantErr: `want a whole number, got "1.5"`},
		{name: "int with unit", setting: "unused-days", value: "90d", wantErr: `want a whole number, got "90d"`},
		{name: "int empty", setting: "unused-days", value: "", wantErr: `want a whole number, got ""`},
		{name: "int too large", setting: "unused-days", value: "99999999999999999999", wantErr: "want a whole number"},
		{name: "int hexadecimal", setting: "unused-days", value: "0x10", wantErr: `want a whole number, got "0x10"`},
		{name: "int octal prefix", setting: "unused-days", value: "0o10", wantErr: `want a whole number, got "0o10"`},
		{name: "int with underscores", setting: "unused-days", value: "1_0", wantErr: `want a whole number, got "1_0"`},

		{name: "tag keys", setting: "owner-tags", value: "owner, team-email ,aws:cloudformation:stack-name", want: func(c *Config) {
			c.OwnerTags = []string{"owner", "team-email", "aws:cloudformation:stack-name"}
		}},
		{name: "tag keys replace the default", setting: "owner-tags", value: "contact", want: func(c *Config) { c.OwnerTags = []string{"contact"} }},
		{name: "tag keys with an empty one", setting: "owner-tags", value: "owner,,team", wantErr: `want IAM tag keys`},
		{name: "tag key with a bad character", setting: "owner-tags", value: "owner;team", wantErr: `want IAM tag keys`},

		{name: "bool true", setting: "include-managed", value: "true", want: func(c *Config) { c.IncludeManaged = true }},
		{name: "bool false", setting: "all", value: "false", want: func(c *Config) {}},
		{name: "bool upper case", setting: "all", value: "TRUE", want: func(c *Config) { c.All = true }},
		{name: "bool with spaces", setting: "all", value: " true ", want: func(c *Config) { c.All = true }},
		{name: "bool yes", setting: "all", value: "yes", wantErr: `want true or false, got "yes"`},
		{name: "bool empty", setting: "include-managed", value: "", wantErr: `want true or false, got ""`},

		{name: "time RFC 3339", setting: "as-of", value: "2026-11-23T00:00:00Z",
			want: func(c *Config) { c.AsOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }},
		{name: "time date", setting: "as-of", value: "2026-11-23",
			want: func(c *Config) { c.AsOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) }},
		{name: "time bad", setting: "as-of", value: "tomorrow", wantErr: `want an RFC 3339 time such as 2026-11-23T00:00:00Z, got "tomorrow"`},

		{name: "list appends", setting: "allow", value: "/breakglass/*|/ops/*", want: func(c *Config) { c.Allow = []string{"/breakglass/*|/ops/*"} }},

		{name: "types", setting: "types", value: "UnusedIAMRole, UnusedIAMUser",
			want: func(c *Config) {
				c.Types = []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole, iamsweep.TypeUnusedIAMUser}
			}},
		{name: "types unknown", setting: "types", value: "UnusedIAMRoles", wantErr: `got "UnusedIAMRoles"`},

		{name: "output", setting: "output", value: "json", want: func(c *Config) { c.Output = "json" }},
		{name: "out", setting: "out", value: "report.csv", want: func(c *Config) { c.Out = "report.csv" }},
		{name: "fail-on", setting: "fail-on", value: "none", want: func(c *Config) { c.FailOn = "none" }},
		{name: "from-file", setting: "from-file", value: "-", want: func(c *Config) { c.FromFile = "-" }},
		{name: "profile", setting: "profile", value: "prod", want: func(c *Config) { c.Profile = "prod" }},
		{name: "region", setting: "region", value: "eu-west-1", want: func(c *Config) { c.Region = "eu-west-1" }},
		{name: "endpoint-url", setting: "endpoint-url", value: "http://127.0.0.1:4566", want: func(c *Config) { c.EndpointURL = "http://127.0.0.1:4566" }},
		{name: "log-level", setting: "log-level", value: "debug", want: func(c *Config) { c.LogLevel = "debug" }},
		{name: "log-format", setting: "log-format", value: "json", want: func(c *Config) { c.LogFormat = "json" }},
		{name: "string is not checked by Set", setting: "output", value: "yaml", want: func(c *Config) { c.Output = "yaml" }},
		{name: "empty string", setting: "profile", value: "", want: func(c *Config) {}},

		{name: "action", setting: "remediation.roles", value: "delete", want: func(c *Config) { c.Remediation.Roles = iamsweep.ActionDelete }},
		{name: "action none", setting: "remediation.users", value: "none", want: func(c *Config) { c.Remediation.Users = "" }},
		{name: "action of another kind", setting: "remediation.roles", value: "delete-key", wantErr: `"delete-key" is not an action for it; want none, quarantine or delete`},
		{name: "limit", setting: "remediation.max-deletions-per-run", value: "-1", want: func(c *Config) { c.Remediation.MaxDeletionsPerRun = -1 }},
		{name: "limit below -1", setting: "remediation.max-deletions-per-run", value: "-2", wantErr: "-1 for no limit"},
		{name: "account ID", setting: "remediation.protected-accounts", value: "012345678901", want: func(c *Config) { c.Remediation.ProtectedAccounts = []string{"012345678901"} }},
		{name: "bad account ID", setting: "remediation.protected-accounts", value: "12345", wantErr: `"12345" is not a 12-digit account ID`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			s, ok := c.Lookup(tt.setting)
			if !ok {
				t.Fatalf("no setting %q", tt.setting)
			}
			err := s.Value.Set(tt.value)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Set(%q, %q) = %v, want error containing %q", tt.setting, tt.value, err, tt.wantErr)
				}
				// A failed Set changes nothing.
				if diff := cmp.Diff(Default(), c, allFields); diff != "" {
					t.Errorf("failed Set changed the config (-want +got):\n%s", diff)
				}
				return
			}
			if err != nil {
				t.Fatalf("Set(%q, %q): %v", tt.setting, tt.value, err)
			}
			want := Default()
			tt.want(&want)
			if diff := cmp.Diff(want, c, allFields); diff != "" {
				t.Errorf("Set(%q, %q) mismatch (-want +got):\n%s", tt.setting, tt.value, diff)
			}
		})
	}
}

func TestConfig_Resolve(t *testing.T) {
	file, err := Decode(strings.NewReader("unused-days: 10\nallow: [/file/*, /file2/*]\noutput: json\nremediation:\n  roles: delete\n"), "iamsweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"IAMSWEEP_UNUSED_DAYS": "20", "IAMSWEEP_ALLOW": "/env/*", "IAMSWEEP_REGION": "eu-west-1"}
	tests := []struct {
		name    string
		flags   map[string]string // set as the flag parser would
		env     map[string]string
		file    *File
		want    func(*Config)
		origins map[string]Origin
	}{
		{name: "defaults", want: func(*Config) {}},
		{name: "file over default", file: file,
			want: func(c *Config) {
				c.UnusedDays, c.Allow, c.Output, c.Remediation.Roles = 10, []string{"/file/*", "/file2/*"}, "json", iamsweep.ActionDelete
			},
			origins: map[string]Origin{"unused-days": {"iamsweep.yaml", 1}, "allow": {"iamsweep.yaml", 2}, "output": {"iamsweep.yaml", 3}, "remediation.roles": {"iamsweep.yaml", 5}}},
		{name: "environment over file", file: file, env: env,
			want: func(c *Config) {
				c.UnusedDays, c.Allow, c.Output, c.Region, c.Remediation.Roles = 20, []string{"/env/*"}, "json", "eu-west-1", iamsweep.ActionDelete
			},
			origins: map[string]Origin{"unused-days": {Source: "IAMSWEEP_UNUSED_DAYS"}, "allow": {Source: "IAMSWEEP_ALLOW"}, "region": {Source: "IAMSWEEP_REGION"},
				"output": {"iamsweep.yaml", 3}, "remediation.roles": {"iamsweep.yaml", 5}}},
		{name: "flag over environment and file", file: file, env: env, flags: map[string]string{"unused-days": "30", "allow": "/flag/*"},
			want: func(c *Config) {
				c.UnusedDays, c.Allow, c.Output, c.Region, c.Remediation.Roles = 30, []string{"/flag/*"}, "json", "eu-west-1", iamsweep.ActionDelete
			},
			origins: map[string]Origin{"unused-days": {Source: "--unused-days"}, "allow": {Source: "--allow"}, "region": {Source: "IAMSWEEP_REGION"},
				"output": {"iamsweep.yaml", 3}, "remediation.roles": {"iamsweep.yaml", 5}}},
		// An environment variable holds one value: OUs are comma-separated
		// there (the Lambda function's IAMSWEEP_OU), and may be anywhere.
		{name: "OUs comma-separated in the environment", env: map[string]string{"IAMSWEEP_OU": "ou-ab12-cd34ef56, r-ab12"},
			want:    func(c *Config) { c.OUs = []string{"ou-ab12-cd34ef56", "r-ab12"} },
			origins: map[string]Origin{"ou": {Source: "IAMSWEEP_OU"}}},
		{name: "OUs comma-separated in a file list", file: mustDecode(t, "ou: [ou-ab12-cd34ef56, 'ou-ab12-ef78ab90,r-ab12']\n"),
			want:    func(c *Config) { c.OUs = []string{"ou-ab12-cd34ef56", "ou-ab12-ef78ab90", "r-ab12"} },
			origins: map[string]Origin{"ou": {"iamsweep.yaml", 1}}},
		{name: "OUs comma-separated in a flag", flags: map[string]string{"ou": "ou-ab12-cd34ef56,r-ab12"},
			want:    func(c *Config) { c.OUs = []string{"ou-ab12-cd34ef56", "r-ab12"} },
			origins: map[string]Origin{"ou": {Source: "--ou"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			for name, v := range tt.flags {
				s, _ := c.Lookup(name)
				if err := s.Value.Set(v); err != nil {
					t.Fatal(err)
				}
			}
			err := c.Resolve(Sources{
				Flagged: func(name string) bool { _, ok := tt.flags[name]; return ok },
				Getenv:  func(k string) string { return tt.env[k] },
				File:    tt.file,
				Now:     time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
			})
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			tt.want(&want)
			for name, o := range tt.origins {
				want.setOrigin(name, o)
			}
			if diff := cmp.Diff(want, c, allFields); diff != "" {
				t.Errorf("Resolve mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func mustDecode(t *testing.T, yaml string) *File {
	t.Helper()
	f, err := Decode(strings.NewReader(yaml), "iamsweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestConfig_Resolve_errors(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		flags map[string]string
		env   map[string]string
		file  string
		want  string
	}{
		{name: "bad env value", env: map[string]string{"IAMSWEEP_UNUSED_DAYS": "many"}, want: `IAMSWEEP_UNUSED_DAYS: want a whole number, got "many"`},
		{name: "env is decimal", env: map[string]string{"IAMSWEEP_UNUSED_DAYS": "0x10"}, want: `IAMSWEEP_UNUSED_DAYS: want a whole number, got "0x10"`},
		{name: "bad env value under a flag", flags: map[string]string{"unused-days": "30"}, env: map[string]string{"IAMSWEEP_UNUSED_DAYS": "many"},
			want: `IAMSWEEP_UNUSED_DAYS: want a whole number, got "many"`},
		{name: "validated after the sources", env: map[string]string{"IAMSWEEP_UNUSED_DAYS": "0"},
			want: "IAMSWEEP_UNUSED_DAYS: unused-days: must be between 1 and 400"},
		{name: "as-of before AWS IAM", flags: map[string]string{"as-of": "0001-01-01T00:00:00Z"},
			want: "--as-of: want a time from 2006-01-01 (when AWS IAM started) to 2027-11-23 (a year from now), got 0001-01-01T00:00:00Z"},
		{name: "as-of a day before AWS IAM", env: map[string]string{"IAMSWEEP_AS_OF": "2005-12-31T23:59:59Z"},
			want: "IAMSWEEP_AS_OF: as-of: want a time from 2006-01-01"},
		{name: "as-of far ahead", file: "as-of: 9999-12-31T23:59:59Z\n", want: "iamsweep.yaml:1: as-of: want a time from 2006-01-01"},
		{name: "an empty OU in a list", env: map[string]string{"IAMSWEEP_OU": "ou-ab12-cd34ef56,,r-ab12"},
			want: `IAMSWEEP_OU: ou: value 2: invalid organizational unit or root ID ""`},
		{name: "as-of just over a year ahead", flags: map[string]string{"as-of": "2027-11-23T00:00:01Z"}, want: "got 2027-11-23T00:00:01Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			for name, v := range tt.flags {
				s, _ := c.Lookup(name)
				if err := s.Value.Set(v); err != nil {
					t.Fatal(err)
				}
			}
			var f *File
			if tt.file != "" {
				var err error
				if f, err = Decode(strings.NewReader(tt.file), "iamsweep.yaml"); err != nil {
					t.Fatal(err)
				}
			}
			err := c.Resolve(Sources{
				Flagged: func(name string) bool { _, ok := tt.flags[name]; return ok },
				Getenv:  func(k string) string { return tt.env[k] },
				File:    f,
				Now:     now,
			})
			if err == nil || !iamsweep.IsInputError(err) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Resolve = %v, want an input error containing %q", err, tt.want)
			}
		})
	}
	// The edges of the as-of range are accepted.
	for _, asOf := range []string{"2006-01-01", "2027-11-23T00:00:00Z"} {
		c := Default()
		if err := c.Resolve(Sources{Getenv: func(k string) string { return map[string]string{"IAMSWEEP_AS_OF": asOf}[k] }, Now: now}); err != nil {
			t.Errorf("as-of %s: %v", asOf, err)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr bool
	}{
		{in: "2026-11-23T00:00:00Z", want: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{in: "2026-11-23T12:30:45.123Z", want: time.Date(2026, 11, 23, 12, 30, 45, 123e6, time.UTC)},
		{in: "2026-11-23T02:00:00+02:00", want: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{in: "2026-11-22T19:00:00-05:00", want: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{in: "2026-11-23", want: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{in: "  2026-11-23\n", want: time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)},
		{in: "2024-02-29", want: time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		{in: "2026-02-29", wantErr: true},
		{in: "2026-11-23T00:00:00", wantErr: true}, // no zone
		{in: "2026-11-23 00:00:00Z", wantErr: true},
		{in: "23/11/2026", wantErr: true},
		{in: "1764000000", wantErr: true},
		{in: "now", wantErr: true},
		{in: "", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseTime(%q) = %v, want an error", tt.in, got)
				}
				if !strings.Contains(err.Error(), "want an RFC 3339 time") {
					t.Errorf("error %q does not say what is wanted", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) = %v, want %v in UTC", tt.in, got, tt.want)
			}
		})
	}
}

// set is one setting's value from one source.
type set struct {
	name   string
	value  string
	list   []string // a list's values when not nil
	origin Origin
}

// apply sets s on c as a source would.
func (s set) apply(t *testing.T, c *Config) {
	t.Helper()
	values := s.list
	if values == nil {
		values = []string{s.value}
	}
	st, ok := c.Lookup(s.name)
	if !ok {
		t.Fatalf("no setting %q", s.name)
	}
	if err := setValues(st.Value, values); err != nil {
		t.Fatalf("set %q: %v", s.name, err)
	}
	c.setOrigin(s.name, s.origin)
}

func TestConfig_Validate(t *testing.T) {
	file := func(line int) Origin { return Origin{Source: "iamsweep.yaml", Line: line} }
	env := func(name string) Origin { return Origin{Source: name} }
	flag := func(name string) Origin { return Origin{Source: "--" + name} }
	tests := []struct {
		name    string
		sets    []set
		want    *where // nil: valid
		wantMsg string
	}{
		{name: "defaults"},

		// unused-days: 1 to 400.
		{name: "unused-days 0", sets: []set{{name: "unused-days", value: "0", origin: file(3)}},
			want: &where{Source: "iamsweep.yaml", Line: 3, Offset: -1, Field: "unused-days"}, wantMsg: "must be between 1 and 400 (IAM records use for 400 days), got 0"},
		{name: "unused-days 1", sets: []set{{name: "unused-days", value: "1", origin: file(3)}}},
		{name: "unused-days 400", sets: []set{{name: "unused-days", value: "400", origin: file(3)}}},
		{name: "unused-days 401", sets: []set{{name: "unused-days", value: "401", origin: file(3)}},
			want: &where{Source: "iamsweep.yaml", Line: 3, Offset: -1, Field: "unused-days"}, wantMsg: "got 401"},
		{name: "unused-days negative from env", sets: []set{{name: "unused-days", value: "-7", origin: env("IAMSWEEP_UNUSED_DAYS")}},
			want: &where{Source: "IAMSWEEP_UNUSED_DAYS", Offset: -1, Field: "unused-days"}, wantMsg: "got -7"},
		{name: "unused-days from flag has no field", sets: []set{{name: "unused-days", value: "1000", origin: flag("unused-days")}},
			want: &where{Source: "--unused-days", Offset: -1}, wantMsg: "got 1000"},

		// allow.
		{name: "valid patterns", sets: []set{{name: "allow", list: []string{"/breakglass/*", "/service-role/[a-z]*|/ops/?x", "[!a]*"}, origin: file(5)}}},
		{name: "empty allowlist", sets: []set{{name: "allow", list: []string{}, origin: file(5)}}},
		{name: "one invalid pattern", sets: []set{{name: "allow", value: "/ops/[", origin: env("IAMSWEEP_ALLOW")}},
			want: &where{Source: "IAMSWEEP_ALLOW", Offset: -1, Field: "allow"}, wantMsg: `invalid pattern "/ops/["`},
		{name: "second value invalid reports its index", sets: []set{{name: "allow", list: []string{"/ok/*", "/a|/b[z-a]"}, origin: file(7)}},
			want: &where{Source: "iamsweep.yaml", Line: 7, Offset: -1, Field: "allow"}, wantMsg: "value 2: invalid pattern \"/b[z-a]\": reversed range z-a"},
		{name: "first of three invalid", sets: []set{{name: "allow", list: []string{"", "/a", "/b"}, origin: flag("allow")}},
			want: &where{Source: "--allow", Offset: -1}, wantMsg: "value 1: empty pattern"},
		{name: "empty pattern inside a value", sets: []set{{name: "allow", value: "/a||/b", origin: flag("allow")}},
			want: &where{Source: "--allow", Offset: -1}, wantMsg: "empty pattern"},

		// output.
		{name: "output json", sets: []set{{name: "output", value: "json", origin: flag("output")}}},
		{name: "output csv", sets: []set{{name: "output", value: "csv", origin: flag("output")}}},
		{name: "output asff", sets: []set{{name: "output", value: "asff", origin: flag("output")}}},

		// to.
		{name: "to securityhub", sets: []set{{name: "to", value: "securityhub", origin: env("IAMSWEEP_TO")}}},
		{name: "to somewhere else", sets: []set{{name: "to", value: "splunk", origin: env("IAMSWEEP_TO")}},
			want: &where{Source: "IAMSWEEP_TO", Offset: -1, Field: "to"}, wantMsg: `want securityhub, got "splunk"`},
		{name: "output yaml", sets: []set{{name: "output", value: "yaml", origin: file(2)}},
			want: &where{Source: "iamsweep.yaml", Line: 2, Offset: -1, Field: "output"}, wantMsg: `want table, json, csv, html or asff, got "yaml"`},
		{name: "output upper case", sets: []set{{name: "output", value: "JSON", origin: flag("output")}},
			want: &where{Source: "--output", Offset: -1}, wantMsg: `got "JSON"`},
		{name: "output empty", sets: []set{{name: "output", value: "", origin: env("IAMSWEEP_OUTPUT")}},
			want: &where{Source: "IAMSWEEP_OUTPUT", Offset: -1, Field: "output"}, wantMsg: `got ""`},

		// fail-on.
		{name: "fail-on any", sets: []set{{name: "fail-on", value: "any", origin: flag("fail-on")}}},
		{name: "fail-on none", sets: []set{{name: "fail-on", value: "none", origin: flag("fail-on")}}},
		{name: "fail-on a type", sets: []set{{name: "fail-on", value: "UnusedIAMRole", origin: flag("fail-on")}}},
		{name: "fail-on a list with spaces", sets: []set{{name: "fail-on", value: "UnusedIAMRole, UnusedIAMRole", origin: flag("fail-on")}}},
		{name: "fail-on unknown type", sets: []set{{name: "fail-on", value: "UnusedIAMGroup", origin: file(4)}},
			want:    &where{Source: "iamsweep.yaml", Line: 4, Offset: -1, Field: "fail-on"},
			wantMsg: `want any, none or finding types (RootAccessKey, UnusedIAMRole, UnusedIAMUser, UnusedIAMUserAccessKey, UnusedIAMUserPassword), got "UnusedIAMGroup"`},
		{name: "fail-on wrong case", sets: []set{{name: "fail-on", value: "unusediamrole", origin: flag("fail-on")}},
			want: &where{Source: "--fail-on", Offset: -1}, wantMsg: `got "unusediamrole"`},
		{name: "fail-on trailing comma", sets: []set{{name: "fail-on", value: "UnusedIAMRole,", origin: flag("fail-on")}},
			want: &where{Source: "--fail-on", Offset: -1}, wantMsg: `got ""`},

		// log-level and log-format.
		{name: "log-level debug", sets: []set{{name: "log-level", value: "debug", origin: flag("log-level")}}},
		{name: "log-level error", sets: []set{{name: "log-level", value: "error", origin: flag("log-level")}}},
		{name: "log-level trace", sets: []set{{name: "log-level", value: "trace", origin: env("IAMSWEEP_LOG_LEVEL")}},
			want: &where{Source: "IAMSWEEP_LOG_LEVEL", Offset: -1, Field: "log-level"}, wantMsg: `want debug, info, warn or error, got "trace"`},
		{name: "log-level warning", sets: []set{{name: "log-level", value: "warning", origin: flag("log-level")}},
			want: &where{Source: "--log-level", Offset: -1}, wantMsg: `got "warning"`},
		{name: "log-format json", sets: []set{{name: "log-format", value: "json", origin: flag("log-format")}}},
		{name: "log-format logfmt", sets: []set{{name: "log-format", value: "logfmt", origin: file(9)}},
			want: &where{Source: "iamsweep.yaml", Line: 9, Offset: -1, Field: "log-format"}, wantMsg: `want text or json, got "logfmt"`},

		// endpoint-url.
		{name: "endpoint http", sets: []set{{name: "endpoint-url", value: "http://127.0.0.1:4566", origin: flag("endpoint-url")}}},
		{name: "endpoint https with path", sets: []set{{name: "endpoint-url", value: "https://iam.amazonaws.com/", origin: flag("endpoint-url")}}},
		{name: "endpoint ftp", sets: []set{{name: "endpoint-url", value: "ftp://iam.amazonaws.com", origin: flag("endpoint-url")}},
			want: &where{Source: "--endpoint-url", Offset: -1}, wantMsg: `want an http or https URL such as https://iam.amazonaws.com, got "ftp://iam.amazonaws.com"`},
		{name: "endpoint without host", sets: []set{{name: "endpoint-url", value: "http://", origin: env("IAMSWEEP_ENDPOINT_URL")}},
			want: &where{Source: "IAMSWEEP_ENDPOINT_URL", Offset: -1, Field: "endpoint-url"}, wantMsg: `got "http://"`},
		{name: "endpoint without scheme", sets: []set{{name: "endpoint-url", value: "localhost:4566", origin: file(6)}},
			want: &where{Source: "iamsweep.yaml", Line: 6, Offset: -1, Field: "endpoint-url"}, wantMsg: `got "localhost:4566"`},
		{name: "endpoint host only", sets: []set{{name: "endpoint-url", value: "iam.amazonaws.com", origin: flag("endpoint-url")}},
			want: &where{Source: "--endpoint-url", Offset: -1}, wantMsg: "want an http or https URL"},
		{name: "endpoint unparsable", sets: []set{{name: "endpoint-url", value: "http://[::1", origin: flag("endpoint-url")}},
			want: &where{Source: "--endpoint-url", Offset: -1}, wantMsg: "want an http or https URL"},

		// from-file excludes the AWS connection settings.
		{name: "from-file alone", sets: []set{{name: "from-file", value: "export.json", origin: flag("from-file")}}},
		{name: "from-file with region", sets: []set{{name: "from-file", value: "export.json", origin: flag("from-file")}, {name: "region", value: "eu-west-1", origin: file(2)}}},
		{name: "profile and endpoint without from-file", sets: []set{{name: "profile", value: "p", origin: flag("profile")}, {name: "endpoint-url", value: "http://127.0.0.1:1", origin: flag("endpoint-url")}}},
		{name: "from-file with profile", sets: []set{{name: "from-file", value: "export.json", origin: flag("from-file")}, {name: "profile", value: "prod", origin: file(8)}},
			want: &where{Source: "iamsweep.yaml", Line: 8, Offset: -1, Field: "profile"}, wantMsg: "cannot be combined with from-file"},
		{name: "from-file with endpoint-url", sets: []set{{name: "from-file", value: "-", origin: file(1)}, {name: "endpoint-url", value: "http://127.0.0.1:1", origin: flag("endpoint-url")}},
			want: &where{Source: "--endpoint-url", Offset: -1}, wantMsg: "cannot be combined with from-file"},
		{name: "from-file with both names endpoint-url", sets: []set{{name: "from-file", value: "x", origin: flag("from-file")}, {name: "profile", value: "p", origin: flag("profile")}, {name: "endpoint-url", value: "http://127.0.0.1:1", origin: env("IAMSWEEP_ENDPOINT_URL")}},
			want: &where{Source: "IAMSWEEP_ENDPOINT_URL", Offset: -1, Field: "endpoint-url"}, wantMsg: "cannot be combined with from-file"},

		// The first problem in setting order is reported.
		{name: "several problems", sets: []set{{name: "log-format", value: "x", origin: flag("log-format")}, {name: "output", value: "x", origin: flag("output")}, {name: "unused-days", value: "0", origin: file(1)}},
			want: &where{Source: "iamsweep.yaml", Line: 1, Offset: -1, Field: "unused-days"}, wantMsg: "got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			for _, s := range tt.sets {
				s.apply(t, &c)
			}
			err := c.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			got, ie := whereOf(t, err)
			if diff := cmp.Diff(*tt.want, got); diff != "" {
				t.Errorf("error location mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !strings.Contains(ie.Err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", ie.Err, tt.wantMsg)
			}
		})
	}
}

func TestConfig_ValidateExport(t *testing.T) {
	file := func(line int) Origin { return Origin{Source: "iamsweep.yaml", Line: line} }
	env := func(name string) Origin { return Origin{Source: name} }
	flag := func(name string) Origin { return Origin{Source: "--" + name} }
	tests := []struct {
		name    string
		sets    []set
		want    *where
		wantMsg string
	}{
		{name: "no export", sets: []set{{name: "from-file", value: "x.json", origin: flag("from-file")}}},
		{name: "a live scan", sets: []set{{name: "to", value: "securityhub", origin: flag("to")}, {name: "org", value: "true", origin: flag("org")}}},
		{name: "files", sets: []set{{name: "to", value: "securityhub", origin: env("IAMSWEEP_TO")}, {name: "from-file", value: "x.json", origin: flag("from-file")}},
			want: &where{Source: "IAMSWEEP_TO", Offset: -1, Field: "to"}, wantMsg: "exports a live scan, not files"},
		{name: "no key IDs", sets: []set{{name: "to", value: "securityhub", origin: flag("to")}, {name: "no-key-ids", value: "true", origin: file(3)}},
			want: &where{Source: "iamsweep.yaml", Line: 3, Offset: -1, Field: "no-key-ids"}, wantMsg: "cannot be combined with to securityhub"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			for _, s := range tt.sets {
				s.apply(t, &c)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("Validate() = %v", err)
			}
			err := c.ValidateExport()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("ValidateExport() = %v, want nil", err)
				}
				return
			}
			got, ie := whereOf(t, err)
			if diff := cmp.Diff(*tt.want, got); diff != "" {
				t.Errorf("error location mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !strings.Contains(ie.Err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", ie.Err, tt.wantMsg)
			}
		})
	}
}

func TestConfig_Validate_defaultOrigin(t *testing.T) {
	// A value set directly, not through a source, has no recorded origin.
	c := Default()
	c.UnusedDays = 0
	got, _ := whereOf(t, c.Validate())
	if diff := cmp.Diff(where{Source: "default", Offset: -1, Field: "unused-days"}, got); diff != "" {
		t.Errorf("error location mismatch (-want +got):\n%s", diff)
	}
}

func TestConfig_Validate_errorText(t *testing.T) {
	tests := []struct {
		name string
		set  set
		want string
	}{
		{name: "file", set: set{name: "unused-days", value: "0", origin: Origin{Source: "iamsweep.yaml", Line: 3}},
			want: "iamsweep.yaml:3: unused-days: must be between 1 and 400 (IAM records use for 400 days), got 0"},
		{name: "env", set: set{name: "output", value: "xml", origin: Origin{Source: "IAMSWEEP_OUTPUT"}},
			want: `IAMSWEEP_OUTPUT: output: want table, json, csv, html or asff, got "xml"`},
		{name: "flag", set: set{name: "output", value: "xml", origin: Origin{Source: "--output"}},
			want: `--output: want table, json, csv, html or asff, got "xml"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := Default()
			tt.set.apply(t, &c)
			err := c.Validate()
			if err == nil || err.Error() != tt.want {
				t.Errorf("Validate() = %v\nwant %s", err, tt.want)
			}
		})
	}
}

func TestParseFailOn(t *testing.T) {
	tests := []struct {
		in      string
		want    FailOn
		wantErr string
	}{
		{in: "any", want: FailOn{}},
		{in: "", want: FailOn{}},
		{in: " any ", want: FailOn{}},
		{in: "none", want: FailOn{Never: true}},
		{in: "UnusedIAMRole", want: FailOn{Types: []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole}}},
		{in: " UnusedIAMRole ,UnusedIAMRole", want: FailOn{Types: []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole, iamsweep.TypeUnusedIAMRole}}},
		{in: "all", wantErr: `got "all"`},
		{in: "any,none", wantErr: `got "any"`},
		{in: "none,UnusedIAMRole", wantErr: `got "none" in a list: none cannot be combined with finding types`},
		{in: "UnusedIAMRole, any", wantErr: `any cannot be combined`},
		{in: "UnusedIAMRole,UnusedAccessKey", wantErr: `got "UnusedAccessKey"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseFailOn(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseFailOn(%q) = %+v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseFailOn(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestFailOn_Fails(t *testing.T) {
	const otherType iamsweep.FindingType = "UnusedIAMUserAccessKey"
	finding := func(typ iamsweep.FindingType, v iamsweep.Verdict) iamsweep.Finding {
		return iamsweep.Finding{Type: typ, Verdict: v}
	}
	unusedRole := iamsweep.ScanResult{Findings: []iamsweep.Finding{
		finding(iamsweep.TypeUnusedIAMRole, iamsweep.VerdictUsed),
		finding(iamsweep.TypeUnusedIAMRole, iamsweep.VerdictUnused),
	}}
	nothingUnused := iamsweep.ScanResult{Findings: []iamsweep.Finding{
		finding(iamsweep.TypeUnusedIAMRole, iamsweep.VerdictUsed),
		finding(iamsweep.TypeUnusedIAMRole, iamsweep.VerdictExempt),
	}}
	otherUnused := iamsweep.ScanResult{Findings: []iamsweep.Finding{
		finding(iamsweep.TypeUnusedIAMRole, iamsweep.VerdictUsed),
		finding(otherType, iamsweep.VerdictUnused),
	}}
	roles := []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole}
	tests := []struct {
		name   string
		failOn FailOn
		res    iamsweep.ScanResult
		want   bool
	}{
		{name: "any with an unused role", failOn: FailOn{}, res: unusedRole, want: true},
		{name: "any with nothing unused", failOn: FailOn{}, res: nothingUnused, want: false},
		{name: "any with no findings", failOn: FailOn{}, res: iamsweep.ScanResult{}, want: false},
		{name: "any counts every type", failOn: FailOn{}, res: otherUnused, want: true},
		{name: "none with an unused role", failOn: FailOn{Never: true}, res: unusedRole, want: false},
		{name: "role type with an unused role", failOn: FailOn{Types: roles}, res: unusedRole, want: true},
		{name: "role type ignores other types", failOn: FailOn{Types: roles}, res: otherUnused, want: false},
		{name: "role type with nothing unused", failOn: FailOn{Types: roles}, res: nothingUnused, want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.failOn.Fails(tt.res); got != tt.want {
				t.Errorf("Fails() = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestValue_SetQuotesAnExcerpt: a huge value is quoted by a short excerpt
// in its error, never whole (issue 9, item 8).
func TestValue_SetQuotesAnExcerpt(t *testing.T) {
	huge := "x" + strings.Repeat("9", 1<<20)
	var c Config
	for _, s := range c.Settings() {
		err := s.Value.Set(huge)
		if err == nil {
			continue // a free-form string takes any value
		}
		if n := len(err.Error()); n > 300 {
			t.Errorf("%s: error of %d bytes: %.120s...", s.Name, n, err)
		}
	}
	for _, field := range []string{"output", "log-level", "assume-role", "fail-on"} {
		d := Default()
		switch field {
		case "output":
			d.Output = huge
		case "log-level":
			d.LogLevel = huge
		case "assume-role":
			d.AssumeRole = huge
		case "fail-on":
			d.FailOn = huge
		}
		err := d.Validate()
		if err == nil {
			t.Errorf("%s: Validate accepted a 1 MB value", field)
		} else if n := len(err.Error()); n > 400 {
			t.Errorf("%s: error of %d bytes: %.120s...", field, n, err)
		}
	}
}

func TestParseTypes(t *testing.T) {
	tests := []struct {
		in      string
		want    []iamsweep.FindingType
		wantErr string
	}{
		{in: "", want: nil},
		{in: " ", want: nil},
		{in: "UnusedIAMRole", want: []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole}},
		{in: "UnusedIAMUser, UnusedIAMUserAccessKey,UnusedIAMUser", want: []iamsweep.FindingType{iamsweep.TypeUnusedIAMUser, iamsweep.TypeUnusedIAMUserAccessKey}},
		{in: "RootAccessKey,UnusedIAMUserPassword", want: []iamsweep.FindingType{iamsweep.TypeRootAccessKey, iamsweep.TypeUnusedIAMUserPassword}},
		{in: "any", wantErr: `got "any"`},
		{in: "UnusedIAMRole,", wantErr: `got ""`},
		{in: "unusediamrole", wantErr: "want a comma-separated list of finding types (RootAccessKey, UnusedIAMRole, UnusedIAMUser, UnusedIAMUserAccessKey, UnusedIAMUserPassword)"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTypes(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ParseTypes(%q) = %v, %v; want an error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("ParseTypes(%q) (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
