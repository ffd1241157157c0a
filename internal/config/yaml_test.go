package config

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestParse_everyKey(t *testing.T) {
	const in = `# iamsweep settings
unused-days: 120
as-of: 2026-11-23T00:00:00Z
allow:
  - /breakglass/*
  - "/service-role/*|/ops/*"
include-managed: true
output: json
out: findings.json
all: false
fail-on: UnusedIAMRole
from-file: export.json
credential-report: report.csv
no-key-ids: true
profile: "prod"
region: eu-west-1
endpoint-url: 'http://127.0.0.1:4566'
log-level: debug
log-format: json
org: false
ou:
  - ou-ab12-cd34ef56
accounts: "111122223333,444455556666"
exclude-accounts: "@excluded.txt"
assume-role: ops/iamsweep-scan
external-id: "secret-1"
concurrency: 8
quiet: true
state: /var/lib/iamsweep/state.db
no-state: true
allow-service-linked: true
types: UnusedIAMRole, UnusedIAMUser
owner-tags: "owner, team-email"
to: securityhub
remediation:
  roles: delete
  users: none
  access-keys: delete-key
  passwords: delete-password
  max-deletions-per-run: -1
  max-deletions-per-account: 3
  protected-accounts: ["012345678901", "111122223333"]
  kill-switch-file: /run/iamsweep.stop
  delete-referenced: true
  delete-unchecked: true
retention:
  keep-scans: 30
  older-than: 180d
notify:
  from: "iamsweep <iamsweep@example.com>"
  ses-region: eu-west-1
  configuration-set: iamsweep-notices
  slack-webhooks:
    - security=SLACK_SECURITY_URL
    - team-a=SLACK_TEAM_A
  email-rate: 14
  sns-rate: 0.5
  slack-rate: 1
owners:
  security-team: security@example.com
  map:
    - alice@example.com=slack:team-a
    - team-b=sns:arn:aws:sns:us-east-1:111122223333:team-b
escalation:
  quarantine-after: 14d
  delete-after: never
  roles:
    quarantine-after: 21d
    delete-after: 45d
  users:
    quarantine-after: never
    delete-after: 60d
  passwords:
    quarantine-after: 10d
    delete-after: 20d
  access-keys:
    quarantine-after: 8d
    delete-after: 9d
  root-access-keys:
    quarantine-after: 30d
    delete-after: never
  keep-max: 90d
  snooze-max: 14d
  warn-before: 3d
  tripwire-release: true
  frequency: 6h
  dry-run: true
serve:
  listen: "0.0.0.0:9090"
  base-url: https://iamsweep.example.com
  tls-cert: /etc/iamsweep/cert.pem
  tls-key: /etc/iamsweep/key.pem
  link-ttl: 7d
  trusted-proxies: [10.0.0.0/8, 192.0.2.7]
access-dir: access/
window-days: 60
window:
  - /backup/*=400
exempt-tag:
  - iamsweep:refine=exempt
`
	got, err := Parse(strings.NewReader(in), "iamsweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Config{
		UnusedDays:         120,
		AsOf:               time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC),
		Allow:              []string{"/breakglass/*", "/service-role/*|/ops/*"},
		IncludeManaged:     true,
		Output:             "json",
		Out:                "findings.json",
		All:                false,
		FailOn:             "UnusedIAMRole",
		FromFile:           "export.json",
		CredentialReport:   "report.csv",
		NoKeyIDs:           true,
		Profile:            "prod",
		Region:             "eu-west-1",
		EndpointURL:        "http://127.0.0.1:4566",
		LogLevel:           "debug",
		LogFormat:          "json",
		OUs:                []string{"ou-ab12-cd34ef56"},
		Accounts:           "111122223333,444455556666",
		ExcludeAccounts:    "@excluded.txt",
		AssumeRole:         "ops/iamsweep-scan",
		ExternalID:         "secret-1",
		OwnerTags:          []string{"owner", "team-email"},
		To:                 "securityhub",
		Concurrency:        8,
		Quiet:              true,
		State:              "/var/lib/iamsweep/state.db",
		NoState:            true,
		AllowServiceLinked: true,
		Types:              []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole, iamsweep.TypeUnusedIAMUser},
		Remediation: iamsweep.RemediationPolicy{
			Roles: iamsweep.ActionDelete, AccessKeys: iamsweep.ActionDeleteKey, Passwords: iamsweep.ActionDeletePassword,
			MaxDeletionsPerRun: -1, MaxDeletionsPerAccount: 3, ProtectedAccounts: []string{"012345678901", "111122223333"}, DeleteReferenced: true, DeleteUnchecked: true,
		},
		KillSwitchFile: "/run/iamsweep.stop",
		Retention:      iamsweep.Retention{KeepScans: 30, OlderThan: 180 * 24 * time.Hour},
		Notify: Notify{From: "iamsweep <iamsweep@example.com>", SESRegion: "eu-west-1", ConfigurationSet: "iamsweep-notices",
			SlackWebhooks: []string{"security=SLACK_SECURITY_URL", "team-a=SLACK_TEAM_A"}, EmailRate: 14, SNSRate: 0.5, SlackRate: 1},
		Owners: Owners{
			SecurityTeam: iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: "security@example.com"},
			Map: []OwnerRoute{
				{Owner: "alice@example.com", To: iamsweep.Recipient{Kind: iamsweep.RecipientSlack, Address: "team-a"}},
				{Owner: "team-b", To: iamsweep.Recipient{Kind: iamsweep.RecipientSNS, Address: "arn:aws:sns:us-east-1:111122223333:team-b"}},
			},
		},
		Escalation: Escalation{
			QuarantineAfter: 14 * Day, DeleteAfter: 0,
			Roles:          StepsOverride{QuarantineAfter: days(21), DeleteAfter: days(45)},
			Users:          StepsOverride{QuarantineAfter: days(0), DeleteAfter: days(60)},
			Passwords:      StepsOverride{QuarantineAfter: days(10), DeleteAfter: days(20)},
			AccessKeys:     StepsOverride{QuarantineAfter: days(8), DeleteAfter: days(9)},
			RootAccessKeys: StepsOverride{QuarantineAfter: days(30), DeleteAfter: days(0)},
			KeepMax:        90 * Day, SnoozeMax: 14 * Day, WarnBefore: 3 * Day, TripwireRelease: true, Frequency: 6 * time.Hour, DryRun: true,
		},
		Serve: Serve{Listen: "0.0.0.0:9090", BaseURL: "https://iamsweep.example.com", TLSCert: "/etc/iamsweep/cert.pem",
			TLSKey: "/etc/iamsweep/key.pem", LinkTTL: 7 * Day,
			TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32")}},
		AccessDir: "access/", WindowDays: 60, Windows: []string{"/backup/*=400"}, ExemptTags: []string{"iamsweep:refine=exempt"},
	}
	// Each origin is the line of the value; a block list starts on the
	// line of its first item.
	lines := map[string]int{
		"unused-days": 2, "as-of": 3, "allow": 5, "include-managed": 7, "output": 8, "out": 9, "all": 10,
		"fail-on": 11, "from-file": 12, "credential-report": 13, "no-key-ids": 14, "profile": 15, "region": 16, "endpoint-url": 17,
		"log-level": 18, "log-format": 19, "org": 20, "ou": 22, "accounts": 23, "exclude-accounts": 24, "assume-role": 25,
		"external-id": 26, "concurrency": 27, "quiet": 28, "state": 29, "no-state": 30, "allow-service-linked": 31,
		"types": 32, "owner-tags": 33, "to": 34, "access-dir": 93, "window-days": 94, "window": 96, "exempt-tag": 98,
	}
	if n := len(keys("")); len(lines) != n {
		t.Fatalf("test sets %d keys, there are %d settings", len(lines), n)
	}
	for i, key := range keys("remediation") {
		lines["remediation."+key] = 36 + i
	}
	for i, key := range keys("retention") {
		lines["retention."+key] = 45 + i
	}
	for i, line := range []int{48, 49, 50, 52, 54, 55, 56} {
		lines["notify."+keys("notify")[i]] = line
	}
	for name, line := range map[string]int{
		"owners.security-team": 58, "owners.map": 60,
		"escalation.quarantine-after": 63, "escalation.delete-after": 64,
		"escalation.roles.quarantine-after": 66, "escalation.roles.delete-after": 67,
		"escalation.users.quarantine-after": 69, "escalation.users.delete-after": 70,
		"escalation.passwords.quarantine-after": 72, "escalation.passwords.delete-after": 73,
		"escalation.access-keys.quarantine-after": 75, "escalation.access-keys.delete-after": 76,
		"escalation.root-access-keys.quarantine-after": 78, "escalation.root-access-keys.delete-after": 79,
		"escalation.keep-max": 80, "escalation.snooze-max": 81, "escalation.warn-before": 82,
		"escalation.tripwire-release": 83, "escalation.frequency": 84, "escalation.dry-run": 85,
		"serve.listen": 87, "serve.base-url": 88, "serve.tls-cert": 89, "serve.tls-key": 90, "serve.link-ttl": 91,
		"serve.trusted-proxies": 92,
	} {
		lines[name] = line
	}
	// remediation.delete-referenced and delete-unchecked (lines 45 and
	// 46, the last remediation keys) moved every key after them two
	// lines down.
	for name, line := range lines {
		if line >= 45 && !strings.HasPrefix(name, "remediation.") {
			lines[name] = line + 2
		}
	}
	settable := 0 // secrets are never in the file
	for _, s := range got.Settings() {
		if !s.Secret {
			settable++
		}
	}
	if len(lines) != settable {
		t.Fatalf("test sets %d keys, there are %d settings a file can give", len(lines), settable)
	}
	for name, line := range lines {
		want.setOrigin(name, Origin{Source: "iamsweep.yaml", Line: line})
	}
	if diff := cmp.Diff(want, got, allFields); diff != "" {
		t.Errorf("Parse mismatch (-want +got):\n%s", diff)
	}
	// from-file and profile or endpoint-url together are rejected, naming the
	// line of endpoint-url when both are set.
	got2, _ := whereOf(t, got.Validate())
	if diff := cmp.Diff(where{Source: "iamsweep.yaml", Line: 17, Offset: -1, Field: "endpoint-url"}, got2); diff != "" {
		t.Errorf("Validate error location mismatch (-want +got):\n%s", diff)
	}
}

// days returns a pointer to n days, for StepsOverride.
func days(n int) *time.Duration {
	d := time.Duration(n) * Day
	return &d
}

func TestParse_values(t *testing.T) {
	asOf := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		in   string
		want func(*Config) // applied to Default()
	}{
		{name: "unquoted time", in: "as-of: 2026-11-23T00:00:00Z\n", want: func(c *Config) { c.AsOf = asOf }},
		{name: "quoted time", in: "as-of: \"2026-11-23T00:00:00Z\"\n", want: func(c *Config) { c.AsOf = asOf }},
		{name: "unquoted date", in: "as-of: 2026-11-23\n", want: func(c *Config) { c.AsOf = asOf }},
		{name: "quoted date", in: "as-of: '2026-11-23'\n", want: func(c *Config) { c.AsOf = asOf }},
		{name: "time with offset", in: "as-of: 2026-11-23T01:00:00+01:00\n", want: func(c *Config) { c.AsOf = asOf }},
		{name: "allow as a single string", in: "allow: /breakglass/*\n", want: func(c *Config) { c.Allow = []string{"/breakglass/*"} }},
		{name: "allow with | kept as one value", in: "allow: \"/a|/b\"\n", want: func(c *Config) { c.Allow = []string{"/a|/b"} }},
		{name: "allow as a block list", in: "allow:\n  - /a\n  - /b\n", want: func(c *Config) { c.Allow = []string{"/a", "/b"} }},
		{name: "allow as a flow list", in: "allow: [/a, '/b*']\n", want: func(c *Config) { c.Allow = []string{"/a", "/b*"} }},
		{name: "allow empty list", in: "allow: []\n", want: func(c *Config) { c.Allow = nil }},
		{name: "allow null", in: "allow:\n", want: func(c *Config) {}},
		{name: "allow with a pattern in brackets", in: "allow: ['[[]x]']\n", want: func(c *Config) { c.Allow = []string{"[[]x]"} }},
		{name: "explicit string tag", in: "profile: !!str 123\n", want: func(c *Config) { c.Profile = "123" }},
		{name: "bool false", in: "include-managed: false\n", want: func(c *Config) {}},
		{name: "document markers", in: "---\nunused-days: 30\n...\n", want: func(c *Config) { c.UnusedDays = 30 }},
		{name: "CRLF line ends", in: "unused-days: 30\r\noutput: csv\r\n", want: func(c *Config) { c.UnusedDays = 30; c.Output = "csv" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in), "iamsweep.yaml")
			if err != nil {
				t.Fatal(err)
			}
			want := Default()
			tt.want(&want)
			// Origins are checked in TestParse_everyKey.
			if diff := cmp.Diff(want, got, allFields, cmp.FilterPath(func(p cmp.Path) bool {
				return p.Last().String() == ".origins"
			}, cmp.Ignore())); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse_empty(t *testing.T) {
	tests := []struct {
		name string
		in   string
	}{
		{name: "empty file", in: ""},
		{name: "blank lines", in: "\n\n  \n"},
		{name: "comments only", in: "# iamsweep settings\n# unused-days: 30\n"},
		{name: "document start only", in: "---\n"},
		{name: "document start and comments", in: "---\n# unused-days: 30\n"},
		{name: "explicit null", in: "~\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(strings.NewReader(tt.in), "iamsweep.yaml")
			if err != nil {
				t.Fatalf("Parse(%q) = %v, want the defaults", tt.in, err)
			}
			if diff := cmp.Diff(Default(), got, allFields); diff != "" {
				t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestParse_errors(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    where
		anyLine bool // yaml.v3 gives no line, or only an approximate one
		wantMsg string
	}{
		// Unknown keys.
		{name: "snake_case key", in: "output: json\nunused_days: 30\n",
			want: where{Line: 2}, wantMsg: `unknown key "unused_days" (did you mean "unused-days"?)`},
		{name: "misspelt key", in: "\n\n\nunused-dayz: 3\n",
			want: where{Line: 4}, wantMsg: `unknown key "unused-dayz" (did you mean "unused-days"?)`},
		{name: "abbreviated key", in: "log-lvl: debug\n",
			want: where{Line: 1}, wantMsg: `unknown key "log-lvl" (did you mean "log-level"?)`},
		{name: "unrelated key", in: "colour: always\n",
			want: where{Line: 1}, wantMsg: `unknown key "colour"`},
		{name: "config is a flag, not a key", in: "config: other.yaml\n",
			want: where{Line: 1}, wantMsg: `unknown key "config"`},
		{name: "nested settings", in: "scan:\n  unused-days: 30\n",
			want: where{Line: 1}, wantMsg: `unknown key "scan"`},
		{name: "merge key", in: "<<: {all: true}\n",
			want: where{Line: 1}, wantMsg: `unknown key "<<"`},

		// Wrong types.
		{name: "list for a string", in: "output: [json, csv]\n",
			want: where{Line: 1, Field: "output"}, wantMsg: "want a single string value"},
		{name: "mapping for a string", in: "profile:\n  name: prod\n",
			want: where{Line: 2, Field: "profile"}, wantMsg: "want a single string value"},
		{name: "null for a string", in: "profile:\n",
			want: where{Line: 1, Field: "profile"}, wantMsg: "want a single string value"},
		{name: "number for a string", in: "profile: 123\n",
			want: where{Line: 1, Field: "profile"}, wantMsg: "want a string, got 123 (quote it)"},
		{name: "bool for a string", in: "region: true\n",
			want: where{Line: 1, Field: "region"}, wantMsg: "want a string, got true (quote it)"},
		{name: "string for an int", in: "unused-days: ninety\n",
			want: where{Line: 1, Field: "unused-days"}, wantMsg: `want a whole number, got "ninety"`},
		{name: "float for an int", in: "unused-days: 90.5\n",
			want: where{Line: 1, Field: "unused-days"}, wantMsg: `want a whole number, got "90.5"`},
		{name: "hex for an int", in: "unused-days: 0x5A\n",
			want: where{Line: 1, Field: "unused-days"}, wantMsg: `want a whole number, got "0x5A"`},
		{name: "list for an int", in: "unused-days: [30]\n",
			want: where{Line: 1, Field: "unused-days"}, wantMsg: "want a single whole number value"},
		{name: "null for an int", in: "unused-days: ~\n",
			want: where{Line: 1, Field: "unused-days"}, wantMsg: "want a single whole number value"},
		{name: "yes for a bool", in: "output: json\nall: yes\n",
			want: where{Line: 2, Field: "all"}, wantMsg: `want true or false, got "yes"`},
		{name: "on for a bool", in: "include-managed: on\n",
			want: where{Line: 1, Field: "include-managed"}, wantMsg: `want true or false, got "on"`},
		{name: "list for a bool", in: "all: [true]\n",
			want: where{Line: 1, Field: "all"}, wantMsg: "want a single true/false value"},
		{name: "number for a time", in: "as-of: 1764000000\n",
			want: where{Line: 1, Field: "as-of"}, wantMsg: `want an RFC 3339 time such as 2026-11-23T00:00:00Z, got "1764000000"`},
		{name: "YAML timestamp with a space", in: "as-of: 2026-11-23 00:00:00\n",
			want: where{Line: 1, Field: "as-of"}, wantMsg: `got "2026-11-23 00:00:00"`},
		{name: "quoted bad time", in: "as-of: \"next week\"\n",
			want: where{Line: 1, Field: "as-of"}, wantMsg: `got "next week"`},
		{name: "null for a time", in: "as-of:\n",
			want: where{Line: 1, Field: "as-of"}, wantMsg: "want a single RFC 3339 time value"},
		{name: "mapping for allow", in: "allow:\n  breakglass: /breakglass/*\n",
			want: where{Line: 2, Field: "allow"}, wantMsg: "want a string or a list of strings"},
		{name: "null item in allow", in: "allow:\n  - /a\n  -\n",
			want: where{Line: 2, Field: "allow"}, wantMsg: "item 2: want a string"},
		{name: "list item in allow", in: "allow: [/a, [/b]]\n",
			want: where{Line: 1, Field: "allow"}, wantMsg: "item 2: want a string"},
		{name: "alias for a string", in: "region: &r eu-west-1\nprofile: *r\n",
			want: where{Line: 2, Field: "profile"}, wantMsg: "want a single string value"},

		// Duplicates and documents.
		{name: "duplicate key", in: "all: true\noutput: json\nall: false\n",
			want: where{Line: 3}, wantMsg: `key "all" given twice (first on line 1)`},
		{name: "duplicate list key", in: "allow: /a\nallow: /b\n",
			want: where{Line: 2}, wantMsg: `key "allow" given twice (first on line 1)`},
		{name: "two documents", in: "all: true\n---\nall: false\n",
			want: where{Line: 2}, wantMsg: "more than one YAML document; want one mapping of settings"},
		{name: "two documents with markers", in: "---\nall: true\n---\noutput: json\n",
			want: where{Line: 3}, wantMsg: "more than one YAML document"},

		// Not a mapping.
		{name: "list root", in: "- unused-days: 30\n",
			want: where{Line: 1}, wantMsg: "want a mapping of settings (key: value)"},
		{name: "string root", in: "unused-days 30\n",
			want: where{Line: 1}, wantMsg: "want a mapping of settings"},
		{name: "root after a comment", in: "# settings\n\n42\n",
			want: where{Line: 3}, wantMsg: "want a mapping of settings"},

		// YAML syntax.
		{name: "bad indentation", in: "unused-days: 30\n  output: json\n",
			want: where{Line: 2}, wantMsg: "invalid YAML: mapping values are not allowed in this context"},
		{name: "tab indentation", in: "output: json\n\tall: true\n",
			want: where{Line: 2}, wantMsg: "invalid YAML: found a tab character"},
		{name: "unclosed flow list", in: "output: json\nallow: [/a, /b\nall: true\n",
			anyLine: true, wantMsg: "invalid YAML: did not find expected ',' or ']'"},
		{name: "unclosed quote", in: "output: json\nprofile: \"prod\n",
			want: where{Line: 2}, wantMsg: "invalid YAML: found unexpected end of stream"},
		{name: "undefined alias", in: "output: json\nprofile: *nothing\n",
			anyLine: true, wantMsg: `invalid YAML: unknown anchor 'nothing' referenced`},
		{name: "syntax error on the first line", in: "output: json: csv\n",
			anyLine: true, wantMsg: "invalid YAML: mapping values are not allowed in this context"},
		{name: "control character", in: "output: \x01\n",
			anyLine: true, wantMsg: "invalid YAML: control characters are not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), "iamsweep.yaml")
			got, ie := whereOf(t, err)
			tt.want.Source = "iamsweep.yaml"
			tt.want.Offset = -1
			if tt.anyLine {
				tt.want.Line = got.Line
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error location mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if !strings.Contains(ie.Err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", ie.Err, tt.wantMsg)
			}
		})
	}
}

func TestParse_errorText(t *testing.T) {
	_, err := Parse(strings.NewReader("output: json\nunused_days: 30\n"), "iamsweep.yaml")
	const want = `iamsweep.yaml:2: unknown key "unused_days" (did you mean "unused-days"?)`
	if err == nil || err.Error() != want {
		t.Errorf("Parse error = %v\nwant %s", err, want)
	}
	_, err = Parse(strings.NewReader("all: yes\n"), "iamsweep.yaml")
	const want2 = `iamsweep.yaml:1: all: want true or false, got "yes"`
	if err == nil || err.Error() != want2 {
		t.Errorf("Parse error = %v\nwant %s", err, want2)
	}
}

func TestParse_readError(t *testing.T) {
	readErr := errors.New("permission denied")
	_, err := Parse(iotest.ErrReader(readErr), "iamsweep.yaml")
	if !errors.Is(err, readErr) {
		t.Fatalf("err = %v, want it to wrap the read error", err)
	}
	if !strings.Contains(err.Error(), "iamsweep.yaml") {
		t.Errorf("err = %q, want it to name the file", err)
	}
}

func TestParse_thenValidate(t *testing.T) {
	// Values are checked by Validate, which names the line they came from.
	tests := []struct {
		name    string
		in      string
		want    where
		wantMsg string
	}{
		{name: "unused-days out of range", in: "output: json\nunused-days: 0\n",
			want: where{Line: 2, Field: "unused-days"}, wantMsg: "got 0"},
		{name: "bad output", in: "\n\noutput: yaml\n",
			want: where{Line: 3, Field: "output"}, wantMsg: `got "yaml"`},
		{name: "bad allow item", in: "allow:\n  - /ok/*\n  - /bad[\n",
			want: where{Line: 2, Field: "allow"}, wantMsg: `value 2: invalid pattern "/bad["`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.in), "iamsweep.yaml")
			if err != nil {
				t.Fatal(err)
			}
			got, ie := whereOf(t, c.Validate())
			tt.want.Source = "iamsweep.yaml"
			tt.want.Offset = -1
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error location mismatch (-want +got):\n%s", diff)
			}
			if !strings.Contains(ie.Err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", ie.Err, tt.wantMsg)
			}
		})
	}
}

func TestDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"", "abc", 3},
		{"unused-days", "unused-days", 0},
		{"unused-dayz", "unused-days", 1},
		{"log-lvl", "log-level", 2},
		{"kitten", "sitting", 3},
	}
	for _, tt := range tests {
		if got := distance(tt.a, tt.b); got != tt.want {
			t.Errorf("distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
