package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// Setting is one setting: its name, its usage text and the field of a
// Config it is bound to. The name is the flag (--unused-days), the config
// file's key (unused-days:) and, upper-cased with an IAMSWEEP_ prefix, the
// environment variable (IAMSWEEP_UNUSED_DAYS). A name with a dot
// ("remediation.roles") is a key inside a section of the file: it has no
// flag and no environment variable.
type Setting struct {
	Name string
	// Short is the one-letter flag, if any.
	Short string
	Usage string
	// Value parses a value into the bound field. It satisfies pflag.Value,
	// so the entry points bind it as the flag itself.
	Value Value
	// Secret marks a setting read only from its environment variable
	// (Env), never from the file or a flag: a file that gives it is
	// refused, and its Value never shows it.
	Secret bool
}

// Value parses a setting's text into a typed field of a Config. It has the
// method set of pflag.Value (this package does not import pflag).
type Value interface {
	String() string
	Set(string) error
	Type() string
}

// Env returns the setting's environment variable ("IAMSWEEP_UNUSED_DAYS"),
// or "" for a key of a file section, which has none, unless it is a
// Secret ("serve.link-key": IAMSWEEP_SERVE_LINK_KEY).
func (s Setting) Env() string {
	if s.Section() != "" && !s.Secret {
		return ""
	}
	return "IAMSWEEP_" + strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(s.Name))
}

// Section returns the file section of the setting ("remediation",
// "escalation.roles" for a subsection), or "" for a setting with a flag,
// an environment variable and a top-level key.
func (s Setting) Section() string {
	i := strings.LastIndexByte(s.Name, '.')
	if i < 0 {
		return ""
	}
	return s.Name[:i]
}

// Settings returns every setting, bound to its field of c, in the order
// help lists them. This is the one declaration of each setting; see the
// package documentation for how to add one.
func (c *Config) Settings() []Setting {
	r := &c.Remediation
	n := &c.Notify
	o, e, sv := &c.Owners, &c.Escalation, &c.Serve
	settings := []Setting{
		{Name: "unused-days", Value: intVar(&c.UnusedDays), Usage: "a principal unused for more than this many whole days is unused (1-400)"},
		{Name: "as-of", Value: timeVar(&c.AsOf), Usage: "evaluate as if now were this RFC 3339 time or date, from 2006-01-01 to a year from now (default: now)"},
		{Name: "allow", Value: listVar(&c.Allow), Usage: "exempt principals whose path+name match this shell pattern; repeatable; \"a|b\" holds two"},
		{Name: "include-managed", Value: boolVar(&c.IncludeManaged), Usage: "evaluate service-linked, Identity Center and organization roles like any other"},
		{Name: "output", Short: "o", Value: stringVar(&c.Output), Usage: "output format: table, json, csv, html or asff (AWS Security Finding Format)"},
		{Name: "out", Value: stringVar(&c.Out), Usage: "write the output to this file (atomically) instead of stdout"},
		{Name: "all", Value: boolVar(&c.All), Usage: "list every verdict in the table, not only unused ones"},
		{Name: "fail-on", Value: stringVar(&c.FailOn), Usage: "exit 4 when unused findings exist: any, none, or a comma-separated list of finding types"},
		{Name: "types", Value: typesVar(&c.Types), Usage: "scan only these finding types, comma-separated as for --fail-on (default: all); without user types no credential report or access key is read"},
		{Name: "from-file", Value: stringVar(&c.FromFile), Usage: "scan this export of 'aws iam get-account-authorization-details' offline (- for stdin)"},
		{Name: "credential-report", Value: stringVar(&c.CredentialReport), Usage: "scan this IAM credential report (CSV) offline, alone or beside --from-file"},
		{Name: "no-key-ids", Value: boolVar(&c.NoKeyIDs), Usage: "live scan: do not look up access key IDs (one ListAccessKeys call per user with an active key)"},
		{Name: "profile", Value: stringVar(&c.Profile), Usage: "AWS shared config profile to use"},
		{Name: "region", Value: stringVar(&c.Region), Usage: "AWS Region for signing (IAM is global; default us-east-1)"},
		{Name: "endpoint-url", Value: stringVar(&c.EndpointURL), Usage: "send AWS calls to this URL instead of the default endpoint"},
		{Name: "log-level", Value: stringVar(&c.LogLevel), Usage: "log level on stderr: debug, info, warn or error"},
		{Name: "log-format", Value: stringVar(&c.LogFormat), Usage: "log format on stderr: text or json"},
		{Name: "org", Value: boolVar(&c.Org), Usage: "scan every ACTIVE account of the caller's AWS Organization"},
		{Name: "ou", Value: idsVar(&c.OUs), Usage: "scan the accounts under this organizational unit (ou-...) or root (r-...), recursively; repeatable, or comma-separated"},
		{Name: "accounts", Value: stringVar(&c.Accounts), Usage: "scan these accounts: comma-separated IDs, or @file with one per line"},
		{Name: "exclude-accounts", Value: stringVar(&c.ExcludeAccounts), Usage: "leave these accounts out (IDs or @file, as for --accounts)"},
		{Name: "assume-role", Value: stringVar(&c.AssumeRole), Usage: "role to assume in member accounts: a name or an ARN template with {account}"},
		{Name: "external-id", Value: stringVar(&c.ExternalID), Usage: "external ID to pass when assuming the role"},
		{Name: "owner-tags", Value: tagKeysVar(&c.OwnerTags), Usage: "tag keys that name a principal's owner, comma-separated, tried in order"},
		{Name: "to", Value: stringVar(&c.To), Usage: "also export the findings: securityhub (AWS Security Hub of each account scanned, in the Region of the AWS configuration)"},
		{Name: "concurrency", Value: intVar(&c.Concurrency), Usage: "accounts scanned at once (1-256)"},
		{Name: "quiet", Short: "q", Value: boolVar(&c.Quiet), Usage: "no progress display on stderr"},
		{Name: "state", Value: stringVar(&c.State), Usage: "path of iamsweep's state database (default: iamsweep/state.db in the user's data directory)"},
		{Name: "no-state", Value: boolVar(&c.NoState), Usage: "do not record the scan in the state database"},
		{Name: "access-dir", Value: stringVar(&c.AccessDir), Usage: "refine offline with the saved service last accessed reports in this folder, one per principal (see docs/refine.md), beside --from-file"},
		{Name: "window-days", Value: intVar(&c.WindowDays), Usage: "refine: a permission not used for this many days is unused (1-400)"},
		{Name: "window", Value: listVar(&c.Windows), Usage: "refine: PATTERN=DAYS sets the window of the principals whose path+name match the pattern (first match wins); repeatable"},
		{Name: "exempt-tag", Value: listVar(&c.ExemptTags), Usage: "refine: leave principals with this tag alone: KEY (any value) or KEY=VALUE; repeatable"},
		{Name: "allow-service-linked", Value: boolVar(&c.AllowServiceLinked), Usage: "let plan and apply delete service-linked roles (through DeleteServiceLinkedRole)"},

		{Name: "remediation.roles", Value: actionVar(&r.Roles, iamsweep.ActionQuarantine, iamsweep.ActionDelete),
			Usage: "action for unused roles: none, quarantine or delete (default quarantine)"},
		{Name: "remediation.users", Value: actionVar(&r.Users, iamsweep.ActionQuarantine, iamsweep.ActionDelete),
			Usage: "action for unused users: none, quarantine or delete (default quarantine)"},
		{Name: "remediation.access-keys", Value: actionVar(&r.AccessKeys, iamsweep.ActionDeactivateKey, iamsweep.ActionDeleteKey),
			Usage: "action for unused access keys: none, deactivate-key or delete-key (default deactivate-key)"},
		{Name: "remediation.passwords", Value: actionVar(&r.Passwords, iamsweep.ActionDeletePassword),
			Usage: "action for unused console passwords: none or delete-password (default none)"},
		{Name: "remediation.max-deletions-per-run", Value: limitVar(&r.MaxDeletionsPerRun),
			Usage: "at most this many deleting actions per plan and apply; -1 for no limit (default 25)"},
		{Name: "remediation.max-deletions-per-account", Value: limitVar(&r.MaxDeletionsPerAccount),
			Usage: "at most this many deleting actions per account; -1 for no limit (default 10)"},
		{Name: "remediation.protected-accounts", Value: accountsVar(&r.ProtectedAccounts), Usage: "account IDs iamsweep never changes"},
		{Name: "remediation.kill-switch-file", Value: stringVar(&c.KillSwitchFile),
			Usage: "while this file exists, apply stops before its next step (default: STOP beside the state database)"},
		{Name: "remediation.delete-referenced", Value: boolVar(&r.DeleteReferenced),
			Usage: "let plan delete roles and users still referenced by compute, a trust chain or a resource policy (iamsweep refs; default false)"},
		{Name: "remediation.delete-unchecked", Value: boolVar(&r.DeleteUnchecked),
			Usage: "let plan --refs delete roles and users whose references were not all read (a source not checked, a --refs-file that does not cover them; default false)"},

		{Name: "retention.keep-scans", Value: keepScansVar(&c.Retention.KeepScans),
			Usage: "keep the N most recently recorded scans (1 or more)"},
		{Name: "retention.older-than", Value: ageVar(&c.Retention.OlderThan),
			Usage: "delete scans whose as-of time is older than this: 90d (days) or a Go duration such as 720h"},

		{Name: "notify.from", Value: stringVar(&n.From), Usage: "sender of notice mail: an address verified in Amazon SES"},
		{Name: "notify.ses-region", Value: stringVar(&n.SESRegion), Usage: "AWS Region of Amazon SES (default: the AWS configuration's)"},
		{Name: "notify.configuration-set", Value: stringVar(&n.ConfigurationSet), Usage: "SES configuration set to send notice mail with (default: none)"},
		{Name: "notify.slack-webhooks", Value: webhooksVar(&n.SlackWebhooks),
			Usage: "Slack incoming webhooks, name=VARIABLE each: the environment variable VARIABLE holds the URL of webhook name"},
		{Name: "notify.email-rate", Value: rateVar(&n.EmailRate), Usage: "at most this many mails a second through SES (default 1, the SES sandbox's rate)"},
		{Name: "notify.sns-rate", Value: rateVar(&n.SNSRate), Usage: "at most this many messages a second to SNS (default 10)"},
		{Name: "notify.slack-rate", Value: rateVar(&n.SlackRate), Usage: "at most this many messages a second to each Slack webhook (default 1)"},

		{Name: "owners.security-team", Value: recipientVar(&o.SecurityTeam),
			Usage: "where the notices of principals without a valid owner, and tripwire alerts, go: an email address, sns:TOPIC-ARN or slack:WEBHOOK"},
		{Name: "owners.map", Value: routesVar(&o.Map),
			Usage: "send an owner's notices elsewhere, OWNER=RECIPIENT each: alice@example.com=slack:team-a, team-a=sns:TOPIC-ARN"},

		{Name: "escalation.quarantine-after", Value: stepVar(&e.QuarantineAfter),
			Usage: "quarantine an unused principal this long after its first notice when nobody decided: 30d, 720h or never (default 30d)"},
		{Name: "escalation.delete-after", Value: stepVar(&e.DeleteAfter),
			Usage: "delete a quarantined principal (keeping its backup) this long after its quarantine when it stayed unused, or never (default 30d)"},
	}
	for _, et := range escalationTypes {
		ov := e.override(et.typ)
		settings = append(settings,
			Setting{Name: "escalation." + et.section + ".quarantine-after", Value: overrideVar(&ov.QuarantineAfter),
				Usage: fmt.Sprintf("quarantine-after for %s findings (default: the section's)", et.typ)},
			Setting{Name: "escalation." + et.section + ".delete-after", Value: overrideVar(&ov.DeleteAfter),
				Usage: fmt.Sprintf("delete-after for %s findings (default: the section's)", et.typ)})
	}
	return append(settings,
		Setting{Name: "escalation.keep-max", Value: boundedAgeVar(&e.KeepMax, Day),
			Usage: "the longest a Keep (an exception) may last, 1d or more (default 180d)"},
		Setting{Name: "escalation.snooze-max", Value: boundedAgeVar(&e.SnoozeMax, Day),
			Usage: "the longest a Snooze may delay the escalation, 1d or more (default 30d)"},
		Setting{Name: "escalation.warn-before", Value: boundedAgeVar(&e.WarnBefore, time.Hour),
			Usage: "warn the owner this long before a quarantine or a deletion (default 7d)"},
		Setting{Name: "escalation.tripwire-release", Value: boolVar(&e.TripwireRelease),
			Usage: "release a quarantine at once when the quarantined principal is used (default false: alert and stop the deletion only)"},
		Setting{Name: "escalation.frequency", Value: boundedAgeVar(&e.Frequency, 5*time.Minute),
			Usage: "how often iamsweep serve scans and escalates, 5m or more (default 24h)"},
		Setting{Name: "escalation.dry-run", Value: boolVar(&e.DryRun),
			Usage: "escalate without changing AWS or sending anything: say what would happen"},

		Setting{Name: "serve.listen", Value: stringVar(&sv.Listen), Usage: "address iamsweep serve listens on, HOST:PORT (default 127.0.0.1:8080)"},
		Setting{Name: "serve.base-url", Value: stringVar(&sv.BaseURL), Usage: "public URL of the service that links in notices start with (https://iamsweep.example.com)"},
		Setting{Name: "serve.tls-cert", Value: stringVar(&sv.TLSCert), Usage: "PEM certificate (chain) file to serve HTTPS with, with serve.tls-key"},
		Setting{Name: "serve.tls-key", Value: stringVar(&sv.TLSKey), Usage: "PEM private key file to serve HTTPS with, with serve.tls-cert"},
		Setting{Name: "serve.dashboard-token", Value: secretVar(&sv.DashboardToken, 16), Secret: true,
			Usage: "the dashboard's sign-in token, 16 characters or more (default: generated and printed on first start)"},
		Setting{Name: "serve.link-key", Value: secretVar(&sv.LinkKey, 32), Secret: true,
			Usage: "HMAC key that signs decision links, 32 characters or more (default: generated and kept in the state database)"},
		Setting{Name: "serve.link-ttl", Value: boundedAgeVar(&sv.LinkTTL, time.Hour), Usage: "how long a decision link stays valid, 1h to 90d (default 14d)"},
		Setting{Name: "serve.trusted-proxies", Value: prefixesVar(&sv.TrustedProxies),
			Usage: "addresses or CIDR blocks of the reverse proxies in front of serve, whose X-Forwarded-For names the client (default: none)"},
	)
}

// Lookup returns the setting with the given name, bound to its field of c.
func (c *Config) Lookup(name string) (Setting, bool) {
	for _, s := range c.Settings() {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// The values below are the only parsers of setting text: flags, the
// environment and the config file all go through their Set.

// intValue is a whole number in decimal digits. Leading zeros do not make
// it octal and 0x is not hexadecimal: "030" is 30, "0x10" is refused.
type intValue struct{ p *int }

func intVar(p *int) Value { return intValue{p} }

func (v intValue) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, strconv.IntSize)
	if err != nil {
		return fmt.Errorf("want a whole number, got %s", iamsweep.Quote(s))
	}
	*v.p = int(n)
	return nil
}
func (v intValue) String() string { return strconv.Itoa(*v.p) }
func (v intValue) Type() string   { return "int" }

// boolValue is true or false (or 1, 0, t, f and their upper cases, as
// strconv.ParseBool reads them).
type boolValue struct{ p *bool }

func boolVar(p *bool) Value { return boolValue{p} }

func (v boolValue) Set(s string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("want true or false, got %s", iamsweep.Quote(s))
	}
	*v.p = b
	return nil
}
func (v boolValue) String() string { return strconv.FormatBool(*v.p) }
func (v boolValue) Type() string   { return "bool" }

// IsBoolFlag lets a flag of this value be given without "=true".
func (v boolValue) IsBoolFlag() bool { return true }

// stringValue is any text; Validate checks the values that have a form.
type stringValue struct{ p *string }

func stringVar(p *string) Value { return stringValue{p} }

func (v stringValue) Set(s string) error { *v.p = s; return nil }
func (v stringValue) String() string     { return *v.p }
func (v stringValue) Type() string       { return "string" }

// timeValue is an RFC 3339 time or a date (see ParseTime).
type timeValue struct{ p *time.Time }

func timeVar(p *time.Time) Value { return timeValue{p} }

func (v timeValue) Set(s string) error {
	t, err := ParseTime(s)
	if err != nil {
		return err
	}
	*v.p = t
	return nil
}

func (v timeValue) String() string {
	if v.p.IsZero() {
		return ""
	}
	return v.p.Format(time.RFC3339Nano)
}
func (v timeValue) Type() string { return "time" }

// listValue is a list of strings: each Set appends one. A flag repeats, a
// file gives a YAML list (or one string), the environment one value.
type listValue struct{ p *[]string }

func listVar(p *[]string) Value { return listValue{p} }

func (v listValue) Set(s string) error { *v.p = append(*v.p, s); return nil }
func (v listValue) String() string     { return strings.Join(*v.p, ",") }
func (v listValue) Type() string       { return "stringArray" }
func (v listValue) reset()             { *v.p = nil }

// typesValue is a comma-separated list of finding types (ParseTypes); a
// value replaces the list.
type typesValue struct{ p *[]iamsweep.FindingType }

func typesVar(p *[]iamsweep.FindingType) Value { return typesValue{p} }

func (v typesValue) Set(s string) error {
	types, err := ParseTypes(s)
	if err != nil {
		return err
	}
	*v.p = types
	return nil
}

func (v typesValue) String() string {
	names := make([]string, len(*v.p))
	for i, t := range *v.p {
		names[i] = string(t)
	}
	return strings.Join(names, ",")
}

func (v typesValue) Type() string { return "string" }

// tagKeysValue is a comma-separated list of IAM tag keys; a value replaces
// the list.
type tagKeysValue struct{ p *[]string }

func tagKeysVar(p *[]string) Value { return tagKeysValue{p} }

func (v tagKeysValue) Set(s string) error {
	var keys []string
	for _, k := range strings.Split(s, ",") {
		k = strings.TrimSpace(k)
		if k == "" || len(k) > 128 || !tagKey.MatchString(k) {
			return fmt.Errorf("want IAM tag keys (1-128 letters, digits, spaces and _.:/=+-@), comma-separated, got %s", iamsweep.Quote(s))
		}
		keys = append(keys, k)
	}
	*v.p = keys
	return nil
}
func (v tagKeysValue) String() string { return strings.Join(*v.p, ",") }
func (v tagKeysValue) Type() string   { return "keys" }

// tagKey is the character set IAM allows in a tag key.
var tagKey = regexp.MustCompile(`^[\p{L}\p{Z}\p{N}_.:/=+\-@]+$`)

// limitValue is a number of deletions, or -1 for no limit.
type limitValue struct{ intValue }

func limitVar(p *int) Value { return limitValue{intValue{p}} }

func (v limitValue) Set(s string) error {
	var n int
	if err := intVar(&n).Set(s); err != nil {
		return err
	}
	if n < -1 {
		return fmt.Errorf("want a number of deletions or -1 for no limit, got %d", n)
	}
	*v.p = n
	return nil
}

// idsValue is a list of IDs that hold no comma (organizational unit and
// root IDs): each Set appends the comma-separated IDs of its value, so
// that an environment variable, which holds one value, can hold several
// ("ou-ab12-cd34ef56,ou-ab12-ef78ab90"). Validate checks each ID.
type idsValue struct{ listValue }

func idsVar(p *[]string) Value { return idsValue{listValue{p}} }

func (v idsValue) Set(s string) error {
	for _, id := range strings.Split(s, ",") {
		if err := v.listValue.Set(strings.TrimSpace(id)); err != nil {
			return err
		}
	}
	return nil
}

// accountsValue is a list of 12-digit account IDs.
type accountsValue struct{ listValue }

func accountsVar(p *[]string) Value { return accountsValue{listValue{p}} }

func (v accountsValue) Set(s string) error {
	if !iamsweep.IsAccountID(s) {
		return fmt.Errorf("%s is not a 12-digit account ID (quote IDs that start with 0)", iamsweep.Quote(s))
	}
	return v.listValue.Set(s)
}

// actionValue is a remediation action of one kind of finding, or "none".
type actionValue struct {
	p       *iamsweep.ActionKind
	allowed []iamsweep.ActionKind
}

func actionVar(p *iamsweep.ActionKind, allowed ...iamsweep.ActionKind) Value {
	return actionValue{p, allowed}
}

func (v actionValue) Set(s string) error {
	if s == "none" {
		*v.p = ""
		return nil
	}
	for _, a := range v.allowed {
		if iamsweep.ActionKind(s) == a {
			*v.p = a
			return nil
		}
	}
	names := make([]string, len(v.allowed))
	for i, a := range v.allowed {
		names[i] = string(a)
	}
	return fmt.Errorf("%s is not an action for it; want none, %s", iamsweep.Quote(s), strings.Join(names, " or "))
}

func (v actionValue) String() string {
	if *v.p == "" {
		return "none"
	}
	return string(*v.p)
}
func (v actionValue) Type() string { return "action" }

// what names the values v takes, for "want a single ... value" errors.
func what(v Value) string {
	switch v.(type) {
	case intValue, limitValue:
		return "whole number"
	case boolValue:
		return "true/false"
	case timeValue:
		return "RFC 3339 time"
	case rateValue:
		return "number"
	default:
		return "string"
	}
}

// lister is a Value that holds a list: a file may give it a YAML list,
// and each source replaces the list rather than adding to another's.
type lister interface {
	Value
	reset()
}

// reset empties a list before the values of one source are set, so that
// a source replaces the list rather than adding to another source's.
func reset(v Value) {
	if l, ok := v.(lister); ok {
		l.reset()
	}
}

// isList reports whether v holds a list.
func isList(v Value) bool {
	_, ok := v.(lister)
	return ok
}
