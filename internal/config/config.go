package config

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
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
	// Output is the format: table, json or csv.
	Output string
	// Out is a file to write the output to instead of stdout.
	Out string
	// All lists every verdict in the table, not only unused ones.
	All bool
	// FailOn decides which findings make the exit status 4: "any" unused
	// finding (default), "none", or a comma-separated list of finding types.
	FailOn string
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
	}
}

// Setting describes one setting.
type Setting struct {
	// Name is the flag and YAML key ("unused-days").
	Name string
	// Kind is "int", "bool", "string", "time" or "list".
	Kind  string
	Usage string
}

// Env returns the environment variable of the setting
// ("IAMSWEEP_UNUSED_DAYS").
func (s Setting) Env() string {
	return "IAMSWEEP_" + strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
}

// Settings lists every setting, in the order help shows them.
var Settings = []Setting{
	{"unused-days", "int", "a principal unused for more than this many whole days is unused (1-400)"},
	{"as-of", "time", "evaluate as if now were this RFC 3339 time (default: now)"},
	{"allow", "list", "exempt principals whose path+name match this shell pattern; repeatable; \"a|b\" holds two"},
	{"include-managed", "bool", "evaluate service-linked, Identity Center and organization roles like any other"},
	{"output", "string", "output format: table, json or csv"},
	{"out", "string", "write the output to this file (atomically) instead of stdout"},
	{"all", "bool", "list every verdict in the table, not only unused ones"},
	{"fail-on", "string", "exit 4 when unused findings exist: any, none, or a comma-separated list of finding types"},
	{"from-file", "string", "scan this export of 'aws iam get-account-authorization-details' offline (- for stdin)"},
	{"credential-report", "string", "scan this IAM credential report (CSV) offline, alone or beside --from-file"},
	{"no-key-ids", "bool", "live scan: do not look up access key IDs (one ListAccessKeys call per user with an active key)"},
	{"profile", "string", "AWS shared config profile to use"},
	{"region", "string", "AWS Region for signing (IAM is global; default us-east-1)"},
	{"endpoint-url", "string", "send AWS calls to this URL instead of the default endpoint"},
	{"log-level", "string", "log level on stderr: debug, info, warn or error"},
	{"log-format", "string", "log format on stderr: text or json"},
	{"org", "bool", "scan every ACTIVE account of the caller's AWS Organization"},
	{"ou", "list", "scan the accounts under this organizational unit (ou-...), recursively; repeatable"},
	{"accounts", "string", "scan these accounts: comma-separated IDs, or @file with one per line"},
	{"exclude-accounts", "string", "leave these accounts out (IDs or @file, as for --accounts)"},
	{"assume-role", "string", "role to assume in member accounts: a name or an ARN template with {account}"},
	{"external-id", "string", "external ID to pass when assuming the role"},
	{"concurrency", "int", "accounts scanned at once (1-256)"},
	{"quiet", "bool", "no progress display on stderr"},
	{"state", "string", "path of iamsweep's state database (default: iamsweep/state.db in the user's data directory)"},
	{"no-state", "bool", "do not record the scan in the state database"},
	{"allow-service-linked", "bool", "let plan and apply delete service-linked roles (through DeleteServiceLinkedRole)"},
}

// Lookup returns the setting with the given name.
func Lookup(name string) (Setting, bool) {
	for _, s := range Settings {
		if s.Name == name {
			return s, true
		}
	}
	return Setting{}, false
}

// Set parses value into the named setting and records where it came from.
// For a list setting the value is appended; it may itself hold several
// "|"-separated patterns.
func (c *Config) Set(name, value string, o Origin) error {
	s, ok := Lookup(name)
	if !ok {
		return fmt.Errorf("unknown setting %q", name)
	}
	// On error the setting keeps its value, like its origin.
	switch s.Kind {
	case "int":
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil {
			return fmt.Errorf("want a whole number, got %q", value)
		}
		c.setInt(name, n)
	case "bool":
		b, err := strconv.ParseBool(strings.TrimSpace(value))
		if err != nil {
			return fmt.Errorf("want true or false, got %q", value)
		}
		c.setBool(name, b)
	case "time":
		t, err := ParseTime(value)
		if err != nil {
			return err
		}
		c.AsOf = t
	case "list":
		*c.list(name) = append(*c.list(name), value)
	default:
		c.setString(name, value)
	}
	c.setOrigin(name, o)
	return nil
}

// SetList replaces a list setting.
func (c *Config) SetList(name string, values []string, o Origin) error {
	if s, ok := Lookup(name); !ok || s.Kind != "list" {
		return fmt.Errorf("%q is not a list setting", name)
	}
	*c.list(name) = append([]string(nil), values...)
	c.setOrigin(name, o)
	return nil
}

// list returns the field of a list setting.
func (c *Config) list(name string) *[]string {
	if name == "ou" {
		return &c.OUs
	}
	return &c.Allow
}

func (c *Config) setOrigin(name string, o Origin) {
	if c.origins == nil {
		c.origins = map[string]Origin{}
	}
	c.origins[name] = o
}

// OriginOf returns where a setting came from; ok is false for defaults.
func (c Config) OriginOf(name string) (Origin, bool) {
	o, ok := c.origins[name]
	return o, ok
}

func (c *Config) setInt(name string, n int) {
	switch name {
	case "unused-days":
		c.UnusedDays = n
	case "concurrency":
		c.Concurrency = n
	}
}

func (c *Config) setBool(name string, b bool) {
	switch name {
	case "include-managed":
		c.IncludeManaged = b
	case "all":
		c.All = b
	case "no-key-ids":
		c.NoKeyIDs = b
	case "org":
		c.Org = b
	case "quiet":
		c.Quiet = b
	case "no-state":
		c.NoState = b
	case "allow-service-linked":
		c.AllowServiceLinked = b
	}
}

func (c *Config) setString(name, v string) {
	switch name {
	case "output":
		c.Output = v
	case "out":
		c.Out = v
	case "fail-on":
		c.FailOn = v
	case "from-file":
		c.FromFile = v
	case "credential-report":
		c.CredentialReport = v
	case "accounts":
		c.Accounts = v
	case "exclude-accounts":
		c.ExcludeAccounts = v
	case "assume-role":
		c.AssumeRole = v
	case "external-id":
		c.ExternalID = v
	case "profile":
		c.Profile = v
	case "region":
		c.Region = v
	case "endpoint-url":
		c.EndpointURL = v
	case "log-level":
		c.LogLevel = v
	case "log-format":
		c.LogFormat = v
	case "state":
		c.State = v
	}
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
	return time.Time{}, fmt.Errorf("want an RFC 3339 time such as 2026-11-23T00:00:00Z, got %q", v)
}

// Validate checks every setting and returns the first problem as an
// *iamsweep.InputError naming the setting and where its value came from.
func (c Config) Validate() error {
	bad := func(name string, err error) error {
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
	if !oneOf(c.Output, "table", "json", "csv") {
		return bad("output", fmt.Errorf("want table, json or csv, got %q", c.Output))
	}
	if _, err := ParseFailOn(c.FailOn); err != nil {
		return bad("fail-on", err)
	}
	if !oneOf(c.LogLevel, "debug", "info", "warn", "error") {
		return bad("log-level", fmt.Errorf("want debug, info, warn or error, got %q", c.LogLevel))
	}
	if !oneOf(c.LogFormat, "text", "json") {
		return bad("log-format", fmt.Errorf("want text or json, got %q", c.LogFormat))
	}
	if c.EndpointURL != "" {
		u, err := url.Parse(c.EndpointURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return bad("endpoint-url", fmt.Errorf("want an http or https URL such as https://iam.amazonaws.com, got %q", c.EndpointURL))
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
			err := fmt.Errorf("invalid organizational unit or root ID %q: want ou-xxxx-yyyyyyyy or r-xxxx", ou)
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
	if !c.MultiAccount() {
		for _, name := range []string{"exclude-accounts", "external-id"} {
			if _, set := c.origins[name]; set {
				return bad(name, errors.New("applies only to a scan of several accounts (org, ou or accounts)"))
			}
		}
	}
	if !rolePattern.MatchString(c.AssumeRole) && !(strings.HasPrefix(c.AssumeRole, "arn:") && strings.Contains(c.AssumeRole, "{account}")) {
		return bad("assume-role", fmt.Errorf("want a role name (with an optional path) or an ARN template with {account}, got %q", c.AssumeRole))
	}
	if c.FromFile == "-" && c.CredentialReport == "-" {
		return bad("credential-report", errors.New("standard input can hold only one file: it is given to from-file already"))
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
			return FailOn{}, fmt.Errorf("want any, none or finding types (%s), got %q", strings.Join(names, ", "), part)
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
