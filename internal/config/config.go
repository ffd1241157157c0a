package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// Config holds every setting of a scan.
type Config struct {
	// UnusedDays is the threshold N (1 to 400).
	UnusedDays int
	// AsOf is the evaluation time; zero means now.
	AsOf time.Time
	// Allow holds allowlist values, each possibly several "|"-separated
	// patterns.
	Allow []string
	// IncludeManaged evaluates AWS- and organization-managed roles.
	IncludeManaged bool
	// Output is the format: table, json, csv, html or asff.
	Output string
	// Out is a file to write the output to instead of stdout.
	Out string
	// All lists every verdict in the table, not only unused ones.
	All bool
	// FailOn decides which findings make the exit status 4: "any" unused
	// finding (default), "none", or a comma-separated list of finding types.
	FailOn string
	// Types limits a scan to these finding types (--types); nil scans
	// them all.
	Types []iamsweep.FindingType
	// FromFile is an export of aws iam get-account-authorization-details to
	// scan offline ("-" for standard input).
	FromFile string
	// CredentialReport is a credential report (CSV) to scan offline, alone
	// or beside FromFile.
	CredentialReport string
	// NoKeyIDs skips the per-user ListAccessKeys calls of a live scan that
	// name the access keys: findings then carry key slots only.
	NoKeyIDs bool
	// Profile, Region and EndpointURL select the AWS account and endpoint,
	// as the AWS CLI's options of the same names do.
	Profile     string
	Region      string
	EndpointURL string
	// LogLevel is debug, info, warn or error; LogFormat is text or json.
	LogLevel  string
	LogFormat string

	// Org scans every account of the caller's AWS Organization.
	Org bool
	// OUs scans the accounts under these organizational units, recursively.
	OUs []string
	// Accounts is an explicit list of account IDs ("111122223333,...") or
	// "@file" naming a file of them.
	Accounts string
	// ExcludeAccounts removes account IDs (same forms as Accounts) from the
	// scope.
	ExcludeAccounts string
	// AssumeRole is the role to assume in member accounts: a name or an ARN
	// template with {account}.
	AssumeRole string
	// ExternalID is passed to AssumeRole when set.
	ExternalID string
	// OwnerTags are the tag keys that name a principal's owner, tried in
	// order (iamsweep.Finding.Owner).
	OwnerTags []string
	// To names where a scan also exports its findings: "" for nowhere,
	// "securityhub" for AWS Security Hub in the Region of the AWS
	// configuration (ValidateExport).
	To string
	// Concurrency bounds the accounts scanned at once (1-256).
	Concurrency int
	// Quiet turns off the progress display.
	Quiet bool

	// State is the path of the state database; "" means the default in
	// the user's data directory.
	State string
	// NoState keeps a scan from recording its results in the state
	// database.
	NoState bool
	// AllowServiceLinked lets plan and apply delete service-linked roles.
	AllowServiceLinked bool
	// Remediation is the remediation policy (the config file's
	// "remediation" section).
	Remediation iamsweep.RemediationPolicy
	// KillSwitchFile is a file whose existence stops an apply between
	// steps (remediation kill-switch-file); "" means the default beside
	// the state database.
	KillSwitchFile string
	// Retention is how much scan history the state database keeps (the
	// config file's "retention" section), applied after every recorded
	// scan; zero keeps everything.
	Retention iamsweep.Retention
	// Notify is how iamsweep serve delivers its notices (the config
	// file's "notify" section).
	Notify Notify
	// Owners is where notices go besides owners' email addresses (the
	// config file's "owners" section); the tag keys naming owners are
	// OwnerTags.
	Owners Owners
	// Escalation is the owner workflow's escalation policy (the config
	// file's "escalation" section).
	Escalation Escalation
	// Serve is iamsweep serve's web service (the config file's "serve"
	// section).
	Serve Serve

	// AccessDir is a folder of saved service last accessed reports, one
	// per principal, that refine reads offline beside FromFile.
	AccessDir string
	// WindowDays is refine's tracking window: a permission not used for
	// this many days is unused (1-400).
	WindowDays int
	// Windows set refine's window for principals whose path and name
	// match a pattern: "PATTERN=DAYS" (ParseWindows).
	Windows []string
	// ExemptTags exempt principals with a tag from refine: "KEY" (any
	// value) or "KEY=VALUE" (ParseExemptTags).
	ExemptTags []string

	// origins records where each setting that is not a default came from.
	origins map[string]Origin
}

// Origin says where a setting's value came from, for error messages.
type Origin struct {
	// Source is a file name, "--flag" or an environment variable name.
	Source string
	// Line is the line in a file, 0 otherwise.
	Line int
}

// Default returns the settings before any file, variable or flag.
func Default() Config {
	return Config{
		UnusedDays:  detect.DefaultUnusedDays,
		Output:      "table",
		FailOn:      "any",
		LogLevel:    "warn",
		LogFormat:   "text",
		AssumeRole:  "OrganizationAccountAccessRole",
		Concurrency: 16,
		Remediation: iamsweep.DefaultRemediationPolicy(),
		OwnerTags:   slices.Clone(iamsweep.DefaultOwnerTags),
		Notify:      DefaultNotify(),
		Escalation:  DefaultEscalation(),
		Serve:       DefaultServe(),
		WindowDays:  90,
	}
}

// Window is a refine window for the principals a pattern matches.
type Window struct {
	Pattern detect.Pattern
	Days    int
}

// ParseWindows parses window values "PATTERN=DAYS" (the pattern language
// of allow; the last "=" separates the days).
func ParseWindows(values []string) ([]Window, error) {
	var out []Window
	for i, v := range values {
		pat, days, ok := cutLast(v, "=")
		if !ok {
			return nil, fmt.Errorf("value %d: want PATTERN=DAYS (\"/backup/*=400\"), got %s", i+1, iamsweep.Quote(v))
		}
		n, err := strconv.Atoi(strings.TrimSpace(days))
		if err != nil || n < 1 || n > detect.TrackingPeriodDays {
			return nil, fmt.Errorf("value %d: days must be a whole number from 1 to %d, got %s", i+1, detect.TrackingPeriodDays, iamsweep.Quote(days))
		}
		p, err := detect.CompilePattern(pat)
		if err != nil {
			return nil, fmt.Errorf("value %d: %w", i+1, err)
		}
		// A principal's path and name always start with "/": a pattern
		// that starts with a letter ("backup/*", "snapshot-dr") would
		// silently set no principal's window.
		if !strings.ContainsRune("/*?[", rune(pat[0])) {
			return nil, fmt.Errorf("value %d: pattern %s can match no principal: it is matched against the path and name, which start with \"/\" (\"/%s\", or \"*%s\" for any path)", i+1, iamsweep.Quote(pat), pat, pat)
		}
		out = append(out, Window{Pattern: p, Days: n})
	}
	return out, nil
}

func cutLast(s, sep string) (before, after string, ok bool) {
	i := strings.LastIndex(s, sep)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+len(sep):], true
}

// ParseExemptTags parses exempt-tag values: "KEY" exempts any value of the
// tag, "KEY=VALUE" that value only.
func ParseExemptTags(values []string) ([]iamsweep.Tag, error) {
	var out []iamsweep.Tag
	for i, v := range values {
		k, val, _ := strings.Cut(v, "=")
		if strings.TrimSpace(k) == "" {
			return nil, fmt.Errorf("value %d: want KEY or KEY=VALUE, got %s", i+1, iamsweep.Quote(v))
		}
		out = append(out, iamsweep.Tag{Key: k, Value: val})
	}
	return out, nil
}

// ParseTime parses an --as-of value: RFC 3339, with or without fractional
// seconds ("2026-11-23T00:00:00Z"), or a date alone ("2026-11-23", taken as
// midnight UTC).
func ParseTime(v string) (time.Time, error) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse("2006-01-02", v); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("want an RFC 3339 time such as 2026-11-23T00:00:00Z, got %s", iamsweep.Quote(v))
}

// FirstAsOf is the earliest time as-of accepts: AWS IAM started in 2006, and
// no use can be recorded before it.
var FirstAsOf = time.Date(2006, 1, 1, 0, 0, 0, 0, time.UTC)

// ValidateAsOf checks that an as-of time given (by any source) lies between
// FirstAsOf and a year after now: IAM records nothing before it started,
// and a time far ahead only makes every principal look unused.
func (c Config) ValidateAsOf(now time.Time) error {
	if _, set := c.origins["as-of"]; !set {
		return nil
	}
	last := now.AddDate(1, 0, 0)
	if c.AsOf.Before(FirstAsOf) || c.AsOf.After(last) {
		return c.Invalid("as-of", fmt.Errorf("want a time from %s (when AWS IAM started) to %s (a year from now), got %s",
			FirstAsOf.Format("2006-01-02"), last.UTC().Format("2006-01-02"), c.AsOf.UTC().Format(time.RFC3339)))
	}
	return nil
}

// Invalid returns err as an *iamsweep.InputError naming the setting and
// where its value came from: "--unused-days: ...", "IAMSWEEP_OUTPUT:
// output: ...", "iamsweep.yaml:3: unused-days: ...", or "default: ...".
func (c Config) Invalid(name string, err error) error {
	o, ok := c.origins[name]
	if !ok {
		o = Origin{Source: "default"}
	}
	ie := &iamsweep.InputError{Source: o.Source, Line: o.Line, Offset: -1, Err: err}
	if !strings.HasPrefix(o.Source, "--") {
		ie.Field = name
	}
	return ie
}

// OriginOf returns where a setting came from; ok is false for defaults.
func (c Config) OriginOf(name string) (Origin, bool) {
	o, ok := c.origins[name]
	return o, ok
}

// Override records that a command's flag (serve's --base-url over the
// file's serve.base-url) gave setting name its value, so that an error
// about the value names the flag, not the file or the default.
func (c *Config) Override(name, flag string) {
	c.setOrigin(name, Origin{Source: "--" + flag})
}

func (c *Config) setOrigin(name string, o Origin) {
	if c.origins == nil {
		c.origins = map[string]Origin{}
	}
	c.origins[name] = o
}

// Validate checks every setting and returns the first problem as an
// *iamsweep.InputError naming the setting and where its value came from.
// The as-of range depends on the clock: ValidateAsOf checks it.
func (c Config) Validate() error {
	bad := c.Invalid
	if c.UnusedDays < 1 || c.UnusedDays > detect.TrackingPeriodDays {
		return bad("unused-days", fmt.Errorf("must be between 1 and %d (IAM records use for %d days), got %d",
			detect.TrackingPeriodDays, detect.TrackingPeriodDays, c.UnusedDays))
	}
	if _, err := detect.NewAllowlist(c.Allow); err != nil {
		var ae *detect.AllowlistError
		if errors.As(err, &ae) && len(c.Allow) > 1 {
			return bad("allow", fmt.Errorf("value %d: %w", ae.Index+1, ae.Err))
		}
		return bad("allow", err)
	}
	if !oneOf(c.Output, "table", "json", "csv", "html", "asff") {
		return bad("output", fmt.Errorf("want table, json, csv, html or asff, got %s", iamsweep.Quote(c.Output)))
	}
	if !oneOf(c.To, "", "securityhub") {
		return bad("to", fmt.Errorf("want securityhub, got %s", iamsweep.Quote(c.To)))
	}
	if _, err := ParseFailOn(c.FailOn); err != nil {
		return bad("fail-on", err)
	}
	if !oneOf(c.LogLevel, "debug", "info", "warn", "error") {
		return bad("log-level", fmt.Errorf("want debug, info, warn or error, got %s", iamsweep.Quote(c.LogLevel)))
	}
	if !oneOf(c.LogFormat, "text", "json") {
		return bad("log-format", fmt.Errorf("want text or json, got %s", iamsweep.Quote(c.LogFormat)))
	}
	if c.EndpointURL != "" {
		u, err := url.Parse(c.EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("endpoint-url", fmt.Errorf("want an http or https URL such as https://iam.amazonaws.com, got %s", iamsweep.Quote(c.EndpointURL)))
		}
	}
	if c.Offline() && (c.Profile != "" || c.EndpointURL != "") {
		name := "profile"
		if c.EndpointURL != "" {
			name = "endpoint-url"
		}
		return bad(name, errors.New("cannot be combined with from-file or credential-report, which scan files without calling AWS"))
	}
	if c.Concurrency < 1 || c.Concurrency > 256 {
		return bad("concurrency", fmt.Errorf("must be between 1 and 256, got %d", c.Concurrency))
	}
	for i, ou := range c.OUs {
		if !ouPattern.MatchString(ou) {
			err := fmt.Errorf("invalid organizational unit or root ID %s: want ou-xxxx-yyyyyyyy or r-xxxx", iamsweep.Quote(ou))
			if len(c.OUs) > 1 {
				err = fmt.Errorf("value %d: %w", i+1, err)
			}
			return bad("ou", err)
		}
	}
	if c.MultiAccount() && c.Offline() {
		return bad(c.scopeSetting(), errors.New("cannot be combined with from-file or credential-report: organization scans are live"))
	}
	if c.Accounts != "" && (c.Org || len(c.OUs) > 0) {
		return bad("accounts", errors.New("cannot be combined with org or ou: give either an explicit list or an organization scope"))
	}
	if c.Org && len(c.OUs) > 0 {
		return bad("ou", errors.New("cannot be combined with org, which scans every account already"))
	}
	if !rolePattern.MatchString(c.AssumeRole) && !(strings.HasPrefix(c.AssumeRole, "arn:") && strings.Contains(c.AssumeRole, "{account}")) {
		return bad("assume-role", fmt.Errorf("want a role name (with an optional path) or an ARN template with {account}, got %s", iamsweep.Quote(c.AssumeRole)))
	}
	if c.WindowDays < 1 || c.WindowDays > detect.TrackingPeriodDays {
		return bad("window-days", fmt.Errorf("must be between 1 and %d (IAM keeps %d days of last accessed data), got %d",
			detect.TrackingPeriodDays, detect.TrackingPeriodDays, c.WindowDays))
	}
	if _, err := ParseWindows(c.Windows); err != nil {
		return bad("window", err)
	}
	if _, err := ParseExemptTags(c.ExemptTags); err != nil {
		return bad("exempt-tag", err)
	}
	if c.FromFile == "-" && c.CredentialReport == "-" {
		return bad("credential-report", errors.New("standard input can hold only one file: it is given to from-file already"))
	}
	if err := c.validateNotify(); err != nil {
		return err
	}
	return c.validateWorkflow()
}

// ValidateScanScope checks the settings that only a scan of several
// accounts uses: given to a scan of one account, exclude-accounts and
// external-id would do nothing, which is a mistake worth saying. (The
// remediation commands take external-id for the accounts of their plan.)
func (c Config) ValidateScanScope() error {
	if c.MultiAccount() {
		return nil
	}
	for _, name := range []string{"exclude-accounts", "external-id"} {
		if _, set := c.origins[name]; set {
			return c.Invalid(name, errors.New("applies only to a scan of several accounts (org, ou or accounts)"))
		}
	}
	return nil
}

// ValidateExport checks the settings of a scan that exports its findings
// to Security Hub (to): the scan must be live, as Security Hub takes an
// account's findings only from that account, and must name access keys by
// their IDs, which their findings' Ids hold (a scan without them would
// make other Ids, and so other findings, for the same keys).
func (c Config) ValidateExport() error {
	if c.To == "" {
		return nil
	}
	if c.Offline() {
		return c.Invalid("to", errors.New("exports a live scan, not files: Security Hub takes an account's findings only from that account (write them with -o asff and import them there)"))
	}
	if c.NoKeyIDs {
		return c.Invalid("no-key-ids", fmt.Errorf("cannot be combined with to %s: findings of access keys are named by their key IDs there, so that a rescan updates them", c.To))
	}
	return nil
}

func oneOf(v string, options ...string) bool {
	for _, o := range options {
		if v == o {
			return true
		}
	}
	return false
}

// ouPattern matches an organizational unit ID or a root ID, as the
// Organizations API reference defines them.
var ouPattern = regexp.MustCompile(`^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$`)

// rolePattern matches a role name with an optional path.
var rolePattern = regexp.MustCompile(`^(/?[\x21-\x7e]+/)?[\w+=,.@-]{1,64}$`)

// MultiAccount reports whether the scan covers several accounts.
func (c Config) MultiAccount() bool { return c.Org || len(c.OUs) > 0 || c.Accounts != "" }

// scopeSetting names the setting that made the scan multi-account.
func (c Config) scopeSetting() string {
	switch {
	case c.Org:
		return "org"
	case len(c.OUs) > 0:
		return "ou"
	default:
		return "accounts"
	}
}

// Offline reports whether the scan reads files instead of calling AWS.
func (c Config) Offline() bool { return c.FromFile != "" || c.CredentialReport != "" }

// FailOn is the parsed fail-on setting.
type FailOn struct {
	// Never: never exit 4.
	Never bool
	// Types, when not empty, limits the findings that count.
	Types []iamsweep.FindingType
}

// KnownTypes are the finding types fail-on accepts.
var KnownTypes = []iamsweep.FindingType{
	iamsweep.TypeUnusedIAMRole,
	iamsweep.TypeUnusedIAMUser,
	iamsweep.TypeUnusedIAMUserPassword,
	iamsweep.TypeUnusedIAMUserAccessKey,
	iamsweep.TypeRootAccessKey,
}

// ParseTypes parses a comma-separated list of finding types (--types);
// "" is none, meaning all.
func ParseTypes(v string) ([]iamsweep.FindingType, error) {
	if strings.TrimSpace(v) == "" {
		return nil, nil
	}
	var out []iamsweep.FindingType
	for _, part := range strings.Split(v, ",") {
		t := iamsweep.FindingType(strings.TrimSpace(part))
		if !slices.Contains(KnownTypes, t) {
			names := make([]string, len(KnownTypes))
			for i, k := range KnownTypes {
				names[i] = string(k)
			}
			sort.Strings(names)
			return nil, fmt.Errorf("want a comma-separated list of finding types (%s), got %s", strings.Join(names, ", "), iamsweep.Quote(part))
		}
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out, nil
}

// ParseFailOn parses "any", "none" or a comma-separated list of finding
// types.
func ParseFailOn(v string) (FailOn, error) {
	switch strings.TrimSpace(v) {
	case "any", "":
		return FailOn{}, nil
	case "none":
		return FailOn{Never: true}, nil
	}
	var f FailOn
	for _, part := range strings.Split(v, ",") {
		if p := strings.TrimSpace(part); p == "any" || p == "none" {
			return FailOn{}, fmt.Errorf("got %s in a list: %s cannot be combined with finding types; give it alone, or list only finding types", iamsweep.Quote(p), p)
		}
		t := iamsweep.FindingType(strings.TrimSpace(part))
		known := false
		for _, k := range KnownTypes {
			known = known || k == t
		}
		if !known {
			names := make([]string, len(KnownTypes))
			for i, k := range KnownTypes {
				names[i] = string(k)
			}
			sort.Strings(names)
			return FailOn{}, fmt.Errorf("want any, none or finding types (%s), got %s", strings.Join(names, ", "), iamsweep.Quote(part))
		}
		f.Types = append(f.Types, t)
	}
	return f, nil
}

// Fails reports whether res has an unused finding that fail-on counts.
func (f FailOn) Fails(res iamsweep.ScanResult) bool {
	if f.Never {
		return false
	}
	return res.Counts(f.Types...).Unused > 0
}
