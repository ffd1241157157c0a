package config

import (
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// The owner workflow's sections (iamsweep serve, escalate, exceptions):
//
//	owners:       where notices go: the security team, and owners mapped
//	              to a Slack webhook or an SNS topic (Owners)
//	escalation:   notice -> quarantine -> delete, per finding type, and the
//	              limits of Keep and Snooze (Escalation)
//	serve:        the web service: listen address, base URL of links, TLS,
//	              and two secrets read only from the environment (Serve)
//
// The tag keys that name an owner stay the top-level owner-tags setting.

// Day is 24 hours: escalation and serve durations are mostly whole days.
const Day = 24 * time.Hour

// Owners is the config file's "owners" section: who gets the notices
// that no owner (or no valid owner) can get, and owners whose notices go
// elsewhere than to their email address.
type Owners struct {
	// SecurityTeam (owners.security-team) receives the notices of
	// principals without a valid owner, and every tripwire alert; zero
	// when not set (ValidateWorkflow requires it).
	SecurityTeam iamsweep.Recipient
	// Map (owners.map) sends an owner's notices to another recipient,
	// "OWNER=RECIPIENT" each in the file: "alice@example.com=slack:team-a",
	// "team-a=sns:arn:aws:sns:us-east-1:111122223333:team-a". Use Route to
	// look an owner up.
	Map []OwnerRoute
}

// OwnerRoute is one entry of owners.map.
type OwnerRoute struct {
	// Owner is the owner as a principal's owner tag names it.
	Owner string
	To    iamsweep.Recipient
}

// Route returns where owner's notices go according to owners.map
// (owners compared without regard to case, as email addresses are in
// practice); ok is false when the map does not name owner.
func (o Owners) Route(owner string) (iamsweep.Recipient, bool) {
	for _, r := range o.Map {
		if strings.EqualFold(r.Owner, strings.TrimSpace(owner)) {
			return r.To, true
		}
	}
	return iamsweep.Recipient{}, false
}

// ParseRecipient reads a recipient: "email:ADDRESS" or a bare email
// address ("alice@example.com"), "sns:TOPIC-ARN", or "slack:WEBHOOK"
// (a webhook's name from notify.slack-webhooks, never its URL). An email
// address is a plain address: no display name, no angle brackets.
func ParseRecipient(s string) (iamsweep.Recipient, error) {
	s = strings.TrimSpace(s)
	kind, rest, ok := strings.Cut(s, ":")
	switch {
	case ok && kind == string(iamsweep.RecipientEmail):
		if !ValidEmail(rest) {
			return iamsweep.Recipient{}, fmt.Errorf("%s is not an email address such as alice@example.com", iamsweep.Quote(rest))
		}
		return iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: rest}, nil
	case ok && kind == string(iamsweep.RecipientSNS):
		if !snsTopicPattern.MatchString(rest) {
			return iamsweep.Recipient{}, fmt.Errorf("%s is not an SNS topic ARN such as arn:aws:sns:us-east-1:111122223333:team-a", iamsweep.Quote(rest))
		}
		return iamsweep.Recipient{Kind: iamsweep.RecipientSNS, Address: rest}, nil
	case ok && kind == string(iamsweep.RecipientSlack):
		if strings.Contains(rest, "://") || strings.Contains(rest, "hooks.slack.com") {
			return iamsweep.Recipient{}, errors.New("give a webhook's name from notify.slack-webhooks (slack:NAME), never its URL: it is a secret")
		}
		if !webhookNamePattern.MatchString(rest) {
			return iamsweep.Recipient{}, fmt.Errorf("%s is not a webhook name (lower-case letters, digits and _.-) from notify.slack-webhooks", iamsweep.Quote(rest))
		}
		return iamsweep.Recipient{Kind: iamsweep.RecipientSlack, Address: rest}, nil
	case ValidEmail(s):
		return iamsweep.Recipient{Kind: iamsweep.RecipientEmail, Address: s}, nil
	}
	return iamsweep.Recipient{}, fmt.Errorf("want an email address, email:ADDRESS, sns:TOPIC-ARN or slack:WEBHOOK, got %s", iamsweep.Quote(s))
}

// ValidEmail reports whether s is a plain email address
// ("alice@example.com"): what net/mail parses as an address alone, with a
// dot in its domain, at most 254 bytes.
func ValidEmail(s string) bool {
	if s == "" || len(s) > 254 || strings.ContainsAny(s, "<>\" \t\r\n,;") {
		return false
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || a.Address != s {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.HasPrefix(domain, ".") && !strings.HasSuffix(domain, ".")
}

// snsTopicPattern matches an SNS topic ARN (standard or FIFO).
var snsTopicPattern = regexp.MustCompile(`^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d{1,2}:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$`)

// webhookNamePattern matches a Slack webhook's name (notify.slack-webhooks).
var webhookNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,63}$`)

// Escalation is the config file's "escalation" section: how an unused
// finding goes from a notice to a quarantine to a deletion when nobody
// decides, and the limits of the decisions.
//
// The steps are durations, 0 meaning never (the file's "never"):
// QuarantineAfter counts from the first notice, DeleteAfter from the
// quarantine (the principal must also have stayed unused). The top-level
// quarantine-after and delete-after apply to every finding type; the
// subsections roles, users, passwords, access-keys and root-access-keys
// override them for one type. Use For to read a type's steps.
type Escalation struct {
	// QuarantineAfter (escalation.quarantine-after, default 30d) is the
	// time from the first notice to the quarantine; 0: never.
	QuarantineAfter time.Duration
	// DeleteAfter (escalation.delete-after, default 30d: the seed's 30 days
	// of deny-all) is the time from the quarantine to the deletion; 0:
	// never (the principal stays quarantined).
	DeleteAfter time.Duration
	// Roles, Users, Passwords, AccessKeys and RootAccessKeys override the
	// steps for UnusedIAMRole, UnusedIAMUser, UnusedIAMUserPassword,
	// UnusedIAMUserAccessKey and RootAccessKey findings
	// (escalation.roles.quarantine-after, ...). RootAccessKeys defaults
	// to never for both: iamsweep cannot change a root user's keys.
	Roles, Users, Passwords, AccessKeys, RootAccessKeys StepsOverride
	// KeepMax (escalation.keep-max, default 180d) is the longest a Keep
	// (an exception) may last.
	KeepMax time.Duration
	// SnoozeMax (escalation.snooze-max, default 30d) is the longest a
	// Snooze may delay the escalation.
	SnoozeMax time.Duration
	// WarnBefore (escalation.warn-before, default 7d) is how long before
	// a quarantine or a deletion the owner is warned ("will be quarantined
	// on DATE"); less than every step's duration.
	WarnBefore time.Duration
	// TripwireRelease (escalation.tripwire-release, default false)
	// releases a quarantine automatically when the quarantined principal
	// is used; without it, the tripwire alerts and stops the deletion
	// only.
	TripwireRelease bool
	// Frequency (escalation.frequency, default 24h, at least 5m) is how
	// often iamsweep serve scans and escalates.
	Frequency time.Duration
	// DryRun (escalation.dry-run) runs the escalation without changing
	// AWS and without sending anything: it says what it would do.
	DryRun bool
}

// StepsOverride overrides the escalation steps of one finding type; a
// nil field keeps the section's value, and a field pointing at 0 is never.
type StepsOverride struct {
	QuarantineAfter, DeleteAfter *time.Duration
}

// Steps are the escalation steps of one finding type, 0 meaning never.
type Steps struct {
	// QuarantineAfter is the time from the first notice to the
	// quarantine; DeleteAfter from the quarantine to the deletion.
	QuarantineAfter, DeleteAfter time.Duration
}

// For returns the escalation steps of findings of type t: the type's
// override, else the section's values.
func (e Escalation) For(t iamsweep.FindingType) Steps {
	s := Steps{QuarantineAfter: e.QuarantineAfter, DeleteAfter: e.DeleteAfter}
	if o := e.override(t); o != nil {
		if o.QuarantineAfter != nil {
			s.QuarantineAfter = *o.QuarantineAfter
		}
		if o.DeleteAfter != nil {
			s.DeleteAfter = *o.DeleteAfter
		}
	}
	return s
}

// override returns the override of type t, nil for an unknown type.
func (e *Escalation) override(t iamsweep.FindingType) *StepsOverride {
	switch t {
	case iamsweep.TypeUnusedIAMRole:
		return &e.Roles
	case iamsweep.TypeUnusedIAMUser:
		return &e.Users
	case iamsweep.TypeUnusedIAMUserPassword:
		return &e.Passwords
	case iamsweep.TypeUnusedIAMUserAccessKey:
		return &e.AccessKeys
	case iamsweep.TypeRootAccessKey:
		return &e.RootAccessKeys
	}
	return nil
}

// escalationTypes are the override subsections, by finding type.
var escalationTypes = []struct {
	section string
	typ     iamsweep.FindingType
}{
	{"roles", iamsweep.TypeUnusedIAMRole},
	{"users", iamsweep.TypeUnusedIAMUser},
	{"passwords", iamsweep.TypeUnusedIAMUserPassword},
	{"access-keys", iamsweep.TypeUnusedIAMUserAccessKey},
	{"root-access-keys", iamsweep.TypeRootAccessKey},
}

// DefaultEscalation returns the escalation section's defaults.
func DefaultEscalation() Escalation {
	never := time.Duration(0)
	return Escalation{
		QuarantineAfter: 30 * Day,
		DeleteAfter:     30 * Day,
		RootAccessKeys:  StepsOverride{QuarantineAfter: &never, DeleteAfter: &never},
		KeepMax:         180 * Day,
		SnoozeMax:       30 * Day,
		WarnBefore:      7 * Day,
		Frequency:       24 * time.Hour,
	}
}

// Serve is the config file's "serve" section: iamsweep serve's web
// service. Its two secrets are read only from environment variables,
// never from the file or a flag.
type Serve struct {
	// Listen (serve.listen, default 127.0.0.1:8080) is the address to
	// listen on, HOST:PORT; ":8080" listens on every interface.
	Listen string
	// BaseURL (serve.base-url) is the public URL of the service that the
	// links in notices start with ("https://iamsweep.example.com"), no
	// trailing slash; https unless the host is the loopback. "" when not
	// set (ValidateWorkflow requires it).
	BaseURL string
	// TLSCert and TLSKey (serve.tls-cert, serve.tls-key) are PEM files to
	// serve HTTPS with; both or neither.
	TLSCert, TLSKey string
	// DashboardToken is the dashboard's sign-in token, from the
	// environment variable IAMSWEEP_SERVE_DASHBOARD_TOKEN (16 characters
	// or more); "" to let serve generate one and print it on first start.
	DashboardToken string
	// LinkKey is the HMAC key that signs decision links, from the
	// environment variable IAMSWEEP_SERVE_LINK_KEY (32 characters or
	// more, its bytes are the key); "" to use the key serve generates and
	// keeps in the state database.
	LinkKey string
	// LinkTTL (serve.link-ttl, default 14d, 1h to 90d) is how long a
	// decision link stays valid.
	LinkTTL time.Duration
	// TrustedProxies (serve.trusted-proxies) are the addresses and CIDR
	// blocks of the reverse proxies in front of the service: a request
	// from one of them is taken to come from the client its
	// X-Forwarded-For names (for the sign-in limit). None by default: the
	// peer's address is the client.
	TrustedProxies []netip.Prefix
}

// DefaultServe returns the serve section's defaults.
func DefaultServe() Serve {
	return Serve{Listen: "127.0.0.1:8080", LinkTTL: 14 * Day}
}

// validateWorkflow checks the owners, escalation and serve sections.
func (c Config) validateWorkflow() error {
	for i, r := range c.Owners.Map {
		if r.To.Kind == iamsweep.RecipientSlack {
			if _, ok := c.Notify.Webhooks()[r.To.Address]; !ok {
				return c.Invalid("owners.map", fmt.Errorf("item %d: slack:%s names no webhook of notify.slack-webhooks", i+1, r.To.Address))
			}
		}
		for j := range i {
			if strings.EqualFold(c.Owners.Map[j].Owner, r.Owner) {
				return c.Invalid("owners.map", fmt.Errorf("item %d: owner %s mapped twice (first in item %d)", i+1, iamsweep.Quote(r.Owner), j+1))
			}
		}
	}
	if st := c.Owners.SecurityTeam; st.Kind == iamsweep.RecipientSlack {
		if _, ok := c.Notify.Webhooks()[st.Address]; !ok {
			return c.Invalid("owners.security-team", fmt.Errorf("slack:%s names no webhook of notify.slack-webhooks", st.Address))
		}
	}

	e := c.Escalation
	if e.KeepMax > 5*365*Day {
		return c.Invalid("escalation.keep-max", fmt.Errorf("want at most 5 years (1825d), got %s", formatDuration(e.KeepMax)))
	}
	if e.SnoozeMax > e.KeepMax {
		return c.Invalid("escalation.snooze-max", fmt.Errorf("%s is longer than escalation.keep-max %s", formatDuration(e.SnoozeMax), formatDuration(e.KeepMax)))
	}
	if e.Frequency < 5*time.Minute {
		return c.Invalid("escalation.frequency", fmt.Errorf("want 5m or more, got %s", formatDuration(e.Frequency)))
	}
	steps := []struct {
		name string
		d    time.Duration
	}{{"escalation.quarantine-after", e.QuarantineAfter}, {"escalation.delete-after", e.DeleteAfter}}
	for _, et := range escalationTypes {
		o := e.override(et.typ)
		if o.QuarantineAfter != nil {
			steps = append(steps, struct {
				name string
				d    time.Duration
			}{"escalation." + et.section + ".quarantine-after", *o.QuarantineAfter})
		}
		if o.DeleteAfter != nil {
			steps = append(steps, struct {
				name string
				d    time.Duration
			}{"escalation." + et.section + ".delete-after", *o.DeleteAfter})
		}
	}
	for _, s := range steps {
		if s.d != 0 && s.d <= e.WarnBefore {
			if _, set := c.OriginOf(s.name); !set {
				// The step is a default: the warn-before given is the
				// value to change.
				return c.Invalid("escalation.warn-before", fmt.Errorf("%s is not shorter than %s, %s by default: the warning would come before the step it warns of starts",
					formatDuration(e.WarnBefore), s.name, formatDuration(s.d)))
			}
			return c.Invalid(s.name, fmt.Errorf("%s is not longer than escalation.warn-before %s: the warning would come before the step it warns of starts", formatDuration(s.d), formatDuration(e.WarnBefore)))
		}
	}

	s := c.Serve
	if err := checkListen(s.Listen); err != nil {
		return c.Invalid("serve.listen", err)
	}
	if s.BaseURL != "" {
		if err := checkBaseURL(s.BaseURL); err != nil {
			return c.Invalid("serve.base-url", err)
		}
	}
	if (s.TLSCert == "") != (s.TLSKey == "") {
		name := "serve.tls-cert"
		if s.TLSCert == "" {
			name = "serve.tls-key"
		}
		return c.Invalid(name, errors.New("give both serve.tls-cert and serve.tls-key, or neither"))
	}
	if s.LinkTTL < time.Hour || s.LinkTTL > 90*Day {
		return c.Invalid("serve.link-ttl", fmt.Errorf("want 1h to 90d, got %s", formatDuration(s.LinkTTL)))
	}
	return nil
}

// ValidateWorkflow checks what iamsweep serve and escalate need beyond
// Validate: a security team to send to, a base URL for the links of
// notices, and a sender for mail (notify.from), since owners found in
// tags are email addresses.
func (c Config) ValidateWorkflow() error {
	if c.Owners.SecurityTeam == (iamsweep.Recipient{}) {
		return c.Invalid("owners.security-team", errors.New("not set: the notices of principals without a valid owner, and tripwire alerts, go there (an email address, sns:TOPIC-ARN or slack:WEBHOOK)"))
	}
	if c.Serve.BaseURL == "" {
		return c.Invalid("serve.base-url", errors.New("not set: the links in notices start with it (https://iamsweep.example.com)"))
	}
	if c.Notify.From == "" {
		return c.Invalid("notify.from", errors.New("not set: notices to owners' email addresses are sent from it (an address verified in Amazon SES)"))
	}
	return nil
}

// checkListen checks a HOST:PORT listen address.
func checkListen(v string) error {
	bad := fmt.Errorf("want HOST:PORT such as 127.0.0.1:8080 or :8080, got %s", iamsweep.Quote(v))
	i := strings.LastIndexByte(v, ':')
	if i < 0 {
		return bad
	}
	host, port := v[:i], v[i+1:]
	if n, err := strconv.Atoi(port); err != nil || strings.Trim(port, "0123456789") != "" || n < 0 || n > 65535 {
		return bad
	}
	if h, ok := strings.CutPrefix(host, "["); ok {
		h, ok = strings.CutSuffix(h, "]")
		if a, err := netip.ParseAddr(h); !ok || err != nil || !a.Is6() {
			return bad
		}
		return nil
	}
	if host == "" || hostPattern.MatchString(host) {
		return nil
	}
	return bad
}

// hostPattern matches a host name or an IPv4 address.
var hostPattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$`)

// checkBaseURL checks the public base URL of links.
func checkBaseURL(v string) error {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
		return fmt.Errorf("want an https URL such as https://iamsweep.example.com, got %s", iamsweep.Quote(v))
	}
	if u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(v, "?") || strings.HasSuffix(v, "#") {
		return fmt.Errorf("want a URL without a query or fragment, got %s", iamsweep.Quote(v))
	}
	if strings.HasSuffix(u.Path, "/") {
		return fmt.Errorf("want no trailing slash, got %s", iamsweep.Quote(v))
	}
	if u.Path != "" || u.RawPath != "" {
		// Its pages, forms and cookies live at /: under a path, behind a
		// proxy, every form would post outside it.
		return fmt.Errorf("want the URL of a host's root, without a path (iamsweep serve answers at /: give it a host name of its own), got %s", iamsweep.Quote(v))
	}
	if u.Scheme == "http" && !loopback(u.Hostname()) {
		return fmt.Errorf("want https: links carry tokens, which plain http exposes (http only for localhost or 127.0.0.1), got %s", iamsweep.Quote(v))
	}
	return nil
}

// loopback reports whether host is localhost or a loopback address.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.IsLoopback()
}

// formatDuration writes d as the file takes it: "30d", "36h", "5m",
// "1h30m0s", "never".
func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "never"
	case d%Day == 0:
		return fmt.Sprintf("%dd", d/Day)
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0 && d < time.Hour:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// stepValue is an escalation step: a duration (ParseDuration) or
// "never", which is stored as 0.
type stepValue struct{ p *time.Duration }

func stepVar(p *time.Duration) Value { return stepValue{p} }

func (v stepValue) Set(s string) error {
	d, err := parseStep(s)
	if err != nil {
		return err
	}
	*v.p = d
	return nil
}

func parseStep(s string) (time.Duration, error) {
	if strings.TrimSpace(s) == "never" {
		return 0, nil
	}
	d, err := ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%w, or never", err)
	}
	return d, nil
}

func (v stepValue) String() string { return formatDuration(*v.p) }
func (v stepValue) Type() string   { return "DURATION" }

// overrideValue is a step of one finding type: set, it points at its
// duration (0 for never); not set, nil.
type overrideValue struct{ p **time.Duration }

func overrideVar(p **time.Duration) Value { return overrideValue{p} }

func (v overrideValue) Set(s string) error {
	d, err := parseStep(s)
	if err != nil {
		return err
	}
	*v.p = &d
	return nil
}

func (v overrideValue) String() string {
	if *v.p == nil {
		return ""
	}
	return formatDuration(**v.p)
}
func (v overrideValue) Type() string { return "DURATION" }

// boundedAgeValue is a duration (ParseDuration) of at least min.
type boundedAgeValue struct {
	p   *time.Duration
	min time.Duration
}

func boundedAgeVar(p *time.Duration, min time.Duration) Value { return boundedAgeValue{p, min} }

func (v boundedAgeValue) Set(s string) error {
	d, err := ParseDuration(s)
	if err != nil {
		return err
	}
	if d < v.min {
		return fmt.Errorf("want %s or more, got %s", formatDuration(v.min), iamsweep.Quote(s))
	}
	*v.p = d
	return nil
}
func (v boundedAgeValue) String() string { return formatDuration(*v.p) }
func (v boundedAgeValue) Type() string   { return "DURATION" }

// recipientValue is a recipient (ParseRecipient).
type recipientValue struct{ p *iamsweep.Recipient }

func recipientVar(p *iamsweep.Recipient) Value { return recipientValue{p} }

func (v recipientValue) Set(s string) error {
	r, err := ParseRecipient(s)
	if err != nil {
		return err
	}
	*v.p = r
	return nil
}

func (v recipientValue) String() string {
	if *v.p == (iamsweep.Recipient{}) {
		return ""
	}
	return v.p.String()
}
func (v recipientValue) Type() string { return "recipient" }

// routesValue is owners.map: "OWNER=RECIPIENT" each; each Set appends one.
type routesValue struct{ p *[]OwnerRoute }

func routesVar(p *[]OwnerRoute) Value { return routesValue{p} }

func (v routesValue) Set(s string) error {
	owner, to, ok := strings.Cut(s, "=")
	owner = strings.TrimSpace(owner)
	if !ok || owner == "" {
		return fmt.Errorf("want OWNER=RECIPIENT such as alice@example.com=slack:team-a or team-a=sns:TOPIC-ARN, got %s", iamsweep.Quote(s))
	}
	r, err := ParseRecipient(to)
	if err != nil {
		return fmt.Errorf("owner %s: %w", iamsweep.Quote(owner), err)
	}
	*v.p = append(*v.p, OwnerRoute{Owner: owner, To: r})
	return nil
}

func (v routesValue) String() string {
	parts := make([]string, len(*v.p))
	for i, r := range *v.p {
		parts[i] = r.Owner + "=" + r.To.String()
	}
	return strings.Join(parts, ",")
}
func (v routesValue) Type() string { return "stringArray" }
func (v routesValue) reset()       { *v.p = nil }

// secretValue is a secret of at least min characters, read only from its
// environment variable.
type secretValue struct {
	p   *string
	min int
}

func secretVar(p *string, min int) Value { return secretValue{p, min} }

func (v secretValue) Set(s string) error {
	if len(s) < v.min {
		return fmt.Errorf("want a secret of %d characters or more, got %d", v.min, len(s))
	}
	*v.p = s
	return nil
}

// String never shows the secret.
func (v secretValue) String() string {
	if *v.p == "" {
		return ""
	}
	return "(set)"
}
func (v secretValue) Type() string { return "secret" }

// prefixesValue is a list of IP addresses and CIDR blocks, comma-separated
// or one a list item; an address is a block of itself alone.
type prefixesValue struct{ p *[]netip.Prefix }

func prefixesVar(p *[]netip.Prefix) Value { return prefixesValue{p} }

func (v prefixesValue) Set(s string) error {
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		p, err := ParsePrefix(f)
		if err != nil {
			return err
		}
		*v.p = append(*v.p, p)
	}
	return nil
}

// ParsePrefix reads an IP address ("10.0.0.7", "fd00::1") or a CIDR block
// ("10.0.0.0/8"), masked to its network.
func ParsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, fmt.Errorf("%s is not an IP address or a CIDR block (10.0.0.0/8)", iamsweep.Quote(s))
		}
		return p.Masked(), nil
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, fmt.Errorf("%s is not an IP address or a CIDR block (10.0.0.0/8)", iamsweep.Quote(s))
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

func (v prefixesValue) String() string {
	out := make([]string, len(*v.p))
	for i, p := range *v.p {
		out[i] = p.String()
	}
	return strings.Join(out, ",")
}

func (v prefixesValue) Type() string { return "stringArray" }
func (v prefixesValue) reset()       { *v.p = nil }
