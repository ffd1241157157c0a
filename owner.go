package iamsweep

import (
	"context"
	"errors"
	"time"
)

// The owner workflow (iamsweep serve) tells each principal's owner what
// iamsweep found, records what they decide, and escalates from a notice to
// a quarantine to a deletion when nobody answers. The types below are what
// its parts share: the escalation engine builds Notices, a NoticeSender
// renders and delivers them, and decisions become Exceptions.

// RecipientKind is the channel a notice goes through.
type RecipientKind string

// The channels.
const (
	// RecipientEmail is an email address, sent through Amazon SES.
	RecipientEmail RecipientKind = "email"
	// RecipientSNS is an Amazon SNS topic ARN.
	RecipientSNS RecipientKind = "sns"
	// RecipientSlack is a Slack-compatible incoming webhook; Address names
	// the webhook (a key of the configuration's webhooks, never the URL
	// itself, which is a secret).
	RecipientSlack RecipientKind = "slack"
)

// Recipient is where a notice goes.
type Recipient struct {
	Kind    RecipientKind
	Address string
}

// String returns "email:alice@example.com".
func (r Recipient) String() string { return string(r.Kind) + ":" + r.Address }

// Stage is the step of the escalation a notice is about. The same notice
// for the same finding and stage is sent once.
type Stage string

// The stages, in the order an unanswered finding goes through them.
const (
	// StageNotice: first notice of an unused principal; it says what will
	// happen and when.
	StageNotice Stage = "notice"
	// StageQuarantineWarning: the principal will be quarantined on NextAt.
	StageQuarantineWarning Stage = "quarantine-warning"
	// StageQuarantined: the principal was quarantined.
	StageQuarantined Stage = "quarantined"
	// StageDeleteWarning: the principal will be deleted on NextAt.
	StageDeleteWarning Stage = "delete-warning"
	// StageDeleted: the principal was deleted; its backup is kept.
	StageDeleted Stage = "deleted"
	// StageTripwire: a quarantined principal was used; its deletion is
	// stopped.
	StageTripwire Stage = "tripwire"
	// StageExceptionExpired: a Keep expired; the principal is judged again.
	StageExceptionExpired Stage = "exception-expired"
)

// DecisionKind is what an owner (or an operator) decided about a finding.
type DecisionKind string

// The decisions.
const (
	// DecisionKeep records an exception until a date, with a reason.
	DecisionKeep DecisionKind = "keep"
	// DecisionRemove asks for the quarantine now, then the deletion on the
	// schedule.
	DecisionRemove DecisionKind = "remove"
	// DecisionSnooze delays the escalation by some days.
	DecisionSnooze DecisionKind = "snooze"
	// DecisionRevoke revokes an exception before it expires.
	DecisionRevoke DecisionKind = "revoke"
)

// FindingKey identifies a finding across scans: account, type, ARN and,
// for a key, the key ID ("111122223333 UnusedIAMRole arn:aws:iam::...").
type FindingKey string

// KeyOf returns the finding's key.
func KeyOf(f Finding) FindingKey {
	k := f.AccountID + " " + string(f.Type) + " " + f.ARN
	if f.AccessKeyID != "" {
		k += " " + f.AccessKeyID
	}
	return FindingKey(k)
}

// DecisionLinks are the links a notice offers for one finding. Each link
// opens a confirmation page; nothing changes until the person confirms.
type DecisionLinks struct {
	Keep, Remove, Snooze string
}

// NoticeItem is one finding in a notice.
type NoticeItem struct {
	Finding Finding
	Stage   Stage
	// Next is what happens next without a decision ("quarantine",
	// "delete"), and NextAt when; empty and zero when nothing is
	// scheduled.
	Next   ActionKind
	NextAt time.Time
	// Note adds what the reader must know (a tripwire's new use, why the
	// escalation stopped).
	Note  string
	Links DecisionLinks
}

// Notice is everything one run tells one recipient: one notice per owner
// per run, listing all of their principals across accounts.
type Notice struct {
	// ID identifies the notice in the store (and in the links' tokens).
	ID string
	To Recipient
	// Owner is the owner the items belong to, as their tags name them.
	Owner string
	// Fallback, when not empty, says why the notice goes to the security
	// team instead of an owner ("no owner tag", "owner tag "x" is not an
	// email address").
	Fallback string
	Items    []NoticeItem
	// Created is when the run made the notice.
	Created time.Time
}

// NoticeSender renders a notice for its channel and delivers it. It
// returns an error wrapping ErrThrottled when the channel throttles, or
// ErrNotDelivered when nothing certainly went out, so that the caller
// sends it again later; any other error may have delivered it.
type NoticeSender interface {
	SendNotice(ctx context.Context, n Notice) error
}

// Exception keeps a principal (or a credential) out of remediation until
// it expires: later scans judge it exempt, "kept by OWNER until DATE:
// REASON".
type Exception struct {
	ID  string
	Key FindingKey
	ARN string
	// By is who decided: the owner a link was sent to, or an operator.
	By      string
	Reason  string
	Created time.Time
	Until   time.Time
	// Revoked is when the exception was revoked early; zero when not.
	Revoked time.Time
}

// Active reports whether the exception holds at t.
func (e Exception) Active(t time.Time) bool {
	return (e.Revoked.IsZero() || t.Before(e.Revoked)) && !t.Before(e.Created) && t.Before(e.Until)
}

// Decision is one recorded decision: who, when, from where, what, why.
type Decision struct {
	ID   string
	Key  FindingKey
	ARN  string
	Kind DecisionKind
	// By is the owner the link was sent to, or the signed-in operator.
	By string
	// From is where the request came from (the client address, or "cli").
	From   string
	At     time.Time
	Reason string
	// Until is the end of a Keep or a Snooze.
	Until time.Time
}

// Errors of decision links, returned (wrapped) by the store when a link's
// token is used.
var (
	// ErrTokenUsed: the link's token was used already; nothing changed.
	ErrTokenUsed = errors.New("link already used")
	// ErrTokenExpired: the link's token has expired; nothing changed.
	ErrTokenExpired = errors.New("link expired")
)
