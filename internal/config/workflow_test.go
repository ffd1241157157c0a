package config

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestParseRecipient(t *testing.T) {
	email := func(a string) iamsweep.Recipient {
		return iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: a}
	}
	tests := []struct {
		in      string
		want    iamsweep.Recipient
		wantErr string
	}{
		{in: "alice@example.com", want: email("alice@example.com")},
		{in: " alice@example.com ", want: email("alice@example.com")},
		{in: "email:alice@example.com", want: email("alice@example.com")},
		{in: "sns:arn:aws:sns:us-east-1:111122223333:team-a", want: iamsweep.Recipient{Kind: iamsweep.RecipientSNS, Address: "arn:aws:sns:us-east-1:111122223333:team-a"}},
		{in: "sns:arn:aws-us-gov:sns:us-gov-west-1:111122223333:t.fifo", want: iamsweep.Recipient{Kind: iamsweep.RecipientSNS, Address: "arn:aws-us-gov:sns:us-gov-west-1:111122223333:t.fifo"}},
		{in: "slack:team-a", want: iamsweep.Recipient{Kind: iamsweep.RecipientSlack, Address: "team-a"}},
		{in: "Alice <alice@example.com>", wantErr: "want an email address, email:ADDRESS, sns:TOPIC-ARN or slack:WEBHOOK"},
		{in: "alice", wantErr: "want an email address"},
		{in: "alice@localhost", wantErr: "want an email address"},
		{in: "email:alice", wantErr: `"alice" is not an email address`},
		{in: "sns:arn:aws:sqs:us-east-1:111122223333:q", wantErr: "is not an SNS topic ARN"},
		{in: "sns:team-a", wantErr: "is not an SNS topic ARN"},
		{in: "slack:https://hooks.slack.com/services/T0/B0/X", wantErr: "never its URL"},
		{in: "slack:Team A", wantErr: "is not a webhook name"},
		{in: "", wantErr: "want an email address"},
	}
	for _, tt := range tests {
		got, err := ParseRecipient(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseRecipient(%q) = %v, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseRecipient(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestOwners_Route(t *testing.T) {
	c, err := Parse(strings.NewReader("owners:\n  map: [Alice@Example.com=slack:team-a, team-b=email:b@example.com]\n"), "iamsweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if r, ok := c.Owners.Route("alice@example.com"); !ok || r.String() != "slack:team-a" {
		t.Errorf("Route(alice) = %v, %t", r, ok)
	}
	if r, ok := c.Owners.Route("team-b"); !ok || r.String() != "email:b@example.com" {
		t.Errorf("Route(team-b) = %v, %t", r, ok)
	}
	if _, ok := c.Owners.Route("carol@example.com"); ok {
		t.Error("Route(carol) found a route")
	}
}

func TestEscalation_For(t *testing.T) {
	c, err := Parse(strings.NewReader(`escalation:
  quarantine-after: 20d
  access-keys:
    quarantine-after: 10d
  users:
    delete-after: never
`), "iamsweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		typ  iamsweep.FindingType
		want Steps
	}{
		{iamsweep.TypeUnusedIAMRole, Steps{QuarantineAfter: 20 * Day, DeleteAfter: 30 * Day}},
		{iamsweep.TypeUnusedIAMUserAccessKey, Steps{QuarantineAfter: 10 * Day, DeleteAfter: 30 * Day}},
		{iamsweep.TypeUnusedIAMUser, Steps{QuarantineAfter: 20 * Day, DeleteAfter: 0}},
		{iamsweep.TypeUnusedIAMUserPassword, Steps{QuarantineAfter: 20 * Day, DeleteAfter: 30 * Day}},
		{iamsweep.TypeRootAccessKey, Steps{}}, // never, by default
		{"Other", Steps{QuarantineAfter: 20 * Day, DeleteAfter: 30 * Day}},
	}
	for _, tt := range tests {
		if got := c.Escalation.For(tt.typ); got != tt.want {
			t.Errorf("For(%s) = %+v, want %+v", tt.typ, got, tt.want)
		}
	}
	if err := c.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
}

// Each bad value of the workflow's sections is one error that names the
// file, the line and the key.
func TestWorkflow_errors(t *testing.T) {
	tests := []struct {
		name, yaml, wantErr string
	}{
		{"bad recipient", "owners:\n  security-team: security\n",
			`iamsweep.yaml:2: owners.security-team: want an email address, email:ADDRESS, sns:TOPIC-ARN or slack:WEBHOOK, got "security"`},
		{"map without =", "owners:\n  map: [alice@example.com]\n", `iamsweep.yaml:2: owners.map: item 1: want OWNER=RECIPIENT`},
		{"map to a bad recipient", "owners:\n  map: [a@example.com=sns:x]\n", `iamsweep.yaml:2: owners.map: item 1: owner "a@example.com": "x" is not an SNS topic ARN`},
		{"map to an unknown webhook", "owners:\n  map: [a@example.com=slack:team-z]\n",
			`iamsweep.yaml:2: owners.map: item 1: slack:team-z names no webhook of notify.slack-webhooks`},
		{"security team on an unknown webhook", "owners:\n  security-team: slack:sec\n", `iamsweep.yaml:2: owners.security-team: slack:sec names no webhook`},
		{"owner mapped twice", "notify:\n  slack-webhooks: [a=A]\nowners:\n  map: [x=slack:a, X=email:x@example.com]\n",
			`iamsweep.yaml:4: owners.map: item 2: owner "X" mapped twice (first in item 1)`},
		{"zero step", "escalation:\n  quarantine-after: 0d\n", `iamsweep.yaml:2: escalation.quarantine-after: want 1 to`},
		{"word step", "escalation:\n  delete-after: soon\n", `iamsweep.yaml:2: escalation.delete-after: want a duration such as 90d or 720h, got "soon", or never`},
		{"type step", "escalation:\n  roles:\n    delete-after: -3d\n", `iamsweep.yaml:3: escalation.roles.delete-after: want a duration`},
		{"unknown type", "escalation:\n  groups:\n    delete-after: 3d\n",
			`iamsweep.yaml:2: escalation: unknown key "groups"; want one of quarantine-after, delete-after, keep-max, snooze-max, warn-before, tripwire-release, frequency, dry-run, roles, users, passwords, access-keys, root-access-keys`},
		{"unknown key in a type", "escalation:\n  roles:\n    keep-max: 3d\n", `iamsweep.yaml:3: escalation.roles: unknown key "keep-max"; want one of quarantine-after, delete-after`},
		{"type not a mapping", "escalation:\n  roles: 3d\n", `iamsweep.yaml:2: escalation.roles: want a mapping of escalation.roles settings`},
		{"step within warn-before", "escalation:\n  warn-before: 7d\n  access-keys:\n    delete-after: 7d\n",
			`iamsweep.yaml:4: escalation.access-keys.delete-after: 7d is not longer than escalation.warn-before 7d`},
		{"warn-before longer than the default step", "escalation:\n  warn-before: 40d\n",
			`iamsweep.yaml:2: escalation.warn-before: 40d is not shorter than escalation.quarantine-after, 30d by default`},
		{"keep-max too short", "escalation:\n  keep-max: 12h\n", `iamsweep.yaml:2: escalation.keep-max: want 1d or more, got "12h"`},
		{"keep-max too long", "escalation:\n  keep-max: 2000d\n", `iamsweep.yaml:2: escalation.keep-max: want at most 5 years`},
		{"snooze over keep", "escalation:\n  keep-max: 20d\n  snooze-max: 21d\n", `iamsweep.yaml:3: escalation.snooze-max: 21d is longer than escalation.keep-max 20d`},
		{"frequency", "escalation:\n  frequency: 1m\n", `iamsweep.yaml:2: escalation.frequency: want 5m or more, got "1m"`},
		{"listen without port", "serve:\n  listen: \"127.0.0.1\"\n", `iamsweep.yaml:2: serve.listen: want HOST:PORT such as 127.0.0.1:8080 or :8080, got "127.0.0.1"`},
		{"listen bad port", "serve:\n  listen: \":99999\"\n", `serve.listen: want HOST:PORT`},
		{"listen bad IPv6", "serve:\n  listen: \"[::x]:80\"\n", `serve.listen: want HOST:PORT`},
		{"base-url http", "serve:\n  base-url: http://iamsweep.example.com\n", `iamsweep.yaml:2: serve.base-url: want https: links carry tokens`},
		{"base-url not a URL", "serve:\n  base-url: iamsweep.example.com\n", `serve.base-url: want an https URL`},
		{"base-url with a query", "serve:\n  base-url: https://x.example.com/?a=1\n", `serve.base-url: want a URL without a query or fragment`},
		{"base-url trailing slash", "serve:\n  base-url: https://x.example.com/iamsweep/\n", `serve.base-url: want no trailing slash`},
		// The pages, forms and cookies of serve live at the root of its
		// host: under a path, every form would post outside it.
		{"base-url with a path", "serve:\n  base-url: https://example.com/iamsweep\n", `iamsweep.yaml:2: serve.base-url: want the URL of a host's root, without a path`},
		{"base-url with a user", "serve:\n  base-url: https://u:p@x.example.com\n", `serve.base-url: want an https URL`},
		{"cert without key", "serve:\n  tls-cert: c.pem\n", `iamsweep.yaml:2: serve.tls-cert: give both serve.tls-cert and serve.tls-key, or neither`},
		{"key without cert", "serve:\n  tls-key: k.pem\n", `iamsweep.yaml:2: serve.tls-key: give both`},
		{"link-ttl too long", "serve:\n  link-ttl: 91d\n", `iamsweep.yaml:2: serve.link-ttl: want 1h to 90d, got 91d`},
		{"link-ttl too short", "serve:\n  link-ttl: 10m\n", `iamsweep.yaml:2: serve.link-ttl: want 1h or more`},
		{"trusted proxy not an address", "serve:\n  trusted-proxies:\n    - proxy.example.com\n", `iamsweep.yaml:3: serve.trusted-proxies: item 1: "proxy.example.com" is not an IP address or a CIDR block`},
		{"trusted proxy bad CIDR", "serve:\n  trusted-proxies: 10.0.0.0/33\n", `iamsweep.yaml:2: serve.trusted-proxies: item 1: "10.0.0.0/33" is not an IP address or a CIDR block`},
		{"secret in the file", "serve:\n  link-key: abc\n", `iamsweep.yaml:2: serve.link-key: a secret, never in the file: set the environment variable IAMSWEEP_SERVE_LINK_KEY`},
		{"token in the file", "serve:\n  dashboard-token: abc\n", `set the environment variable IAMSWEEP_SERVE_DASHBOARD_TOKEN`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.yaml), "iamsweep.yaml")
			if err == nil {
				err = c.Validate()
			}
			if err == nil {
				t.Fatalf("accepted:\n%s", tt.yaml)
			}
			if _, ok := err.(*iamsweep.InputError); !ok {
				t.Errorf("error %T, want *iamsweep.InputError", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("error:\n  %s\nwant it to contain:\n  %s", err, tt.wantErr)
			}
		})
	}
}

func TestWorkflow_goodValues(t *testing.T) {
	for _, in := range []string{
		"serve:\n  listen: \":8080\"\n",
		"serve:\n  listen: \"[::1]:8080\"\n",
		"serve:\n  listen: \"iamsweep.internal:443\"\n",
		"serve:\n  base-url: http://127.0.0.1:8080\n",
		"serve:\n  base-url: http://localhost:8080\n",
		"serve:\n  base-url: https://example.com\n  tls-cert: c.pem\n  tls-key: k.pem\n",
		"escalation:\n  quarantine-after: never\n  delete-after: never\n  warn-before: 40d\n",
		"escalation:\n  warn-before: 12h\n  quarantine-after: 36h\n",
	} {
		c, err := Parse(strings.NewReader(in), "iamsweep.yaml")
		if err == nil {
			err = c.Validate()
		}
		if err != nil {
			t.Errorf("%s: %v", in, err)
		}
	}
}

func TestWorkflow_secretsFromEnvironment(t *testing.T) {
	env := map[string]string{
		"IAMSWEEP_SERVE_DASHBOARD_TOKEN": "0123456789abcdef",
		"IAMSWEEP_SERVE_LINK_KEY":        strings.Repeat("k", 32),
	}
	c := Default()
	if err := c.Resolve(Sources{Getenv: func(k string) string { return env[k] }, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if c.Serve.DashboardToken != env["IAMSWEEP_SERVE_DASHBOARD_TOKEN"] || c.Serve.LinkKey != env["IAMSWEEP_SERVE_LINK_KEY"] {
		t.Errorf("Serve = %+v", c.Serve)
	}
	s, _ := c.Lookup("serve.link-key")
	if got := s.Value.String(); got != "(set)" {
		t.Errorf("a secret's String() = %q, want (set)", got)
	}

	env["IAMSWEEP_SERVE_LINK_KEY"] = "short"
	c = Default()
	err := c.Resolve(Sources{Getenv: func(k string) string { return env[k] }, Now: time.Now()})
	if err == nil || err.Error() != "IAMSWEEP_SERVE_LINK_KEY: want a secret of 32 characters or more, got 5" {
		t.Errorf("a short link key: %v", err)
	}
}

func TestConfig_ValidateWorkflow(t *testing.T) {
	const complete = "notify:\n  from: iamsweep@example.com\nowners:\n  security-team: sec@example.com\nserve:\n  base-url: https://iamsweep.example.com\n"
	c, err := Parse(strings.NewReader(complete), "iamsweep.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if err := c.ValidateWorkflow(); err != nil {
		t.Errorf("ValidateWorkflow: %v", err)
	}
	for _, tt := range []struct{ drop, wantErr string }{
		{"  security-team: sec@example.com\n", "default: owners.security-team: not set"},
		{"  base-url: https://iamsweep.example.com\n", "default: serve.base-url: not set"},
		{"  from: iamsweep@example.com\n", "default: notify.from: not set"},
	} {
		c, err := Parse(strings.NewReader(strings.Replace(complete, tt.drop, "", 1)), "iamsweep.yaml")
		if err != nil {
			t.Fatal(err)
		}
		err = c.ValidateWorkflow()
		if err == nil || !strings.HasPrefix(err.Error(), tt.wantErr) {
			t.Errorf("without %q: %v, want %q", strings.TrimSpace(tt.drop), err, tt.wantErr)
		}
	}
}

func TestDefaultEscalation_isValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	want := Steps{QuarantineAfter: 30 * Day, DeleteAfter: 30 * Day}
	if diff := cmp.Diff(want, c.Escalation.For(iamsweep.TypeUnusedIAMRole)); diff != "" {
		t.Errorf("default role steps (-want +got):\n%s", diff)
	}
}
