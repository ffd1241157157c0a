package notify

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/iamsweep/iamsweep"
)

// view is a notice in the words every rendering shares: each field is
// text to show as it is (cleaned and bounded), escaped by the renderer
// for its format.
type view struct {
	Subject string
	// Intro says who the notice is for and why.
	Intro string
	// Alert, when not empty, says that a quarantined principal was used.
	Alert string
	// Fallback says why the notice went to the security team ("" for an
	// owner's notice); Owner is the owner the tags name, if any.
	Fallback string
	Owner    string
	Items    []item
	// Omitted counts the items left out to keep within a channel's
	// size limit.
	Omitted int
	// HasLinks is whether any item has a link.
	HasLinks bool
	NoticeID string
	Created  string
}

// item is one finding of a notice.
type item struct {
	N int
	// Title names the principal or credential ("IAM role deploy",
	// "access key AKIA…WXYZ of IAM user bob").
	Title   string
	ARN     string
	Account string
	Status  string
	Reason  string
	Idle    string
	Next    string
	Note    string
	// Keep, Remove and Snooze are the links, "" when not given (or not an
	// http(s) URL).
	Keep, Remove, Snooze string
	// Urgent marks a tripwire.
	Urgent bool
}

// The longest each untrusted value is shown, in characters: IAM allows
// longer paths and tags than a reader needs to recognise a principal.
const (
	maxName    = 128
	maxARN     = 700
	maxText    = 1000
	maxOwner   = 256
	maxAccount = 100
	maxLink    = 2048
)

// newView builds the view of n.
func newView(n iamsweep.Notice) view {
	v := view{
		Subject:  subject(n),
		Fallback: clean(n.Fallback, maxText),
		Owner:    clean(n.Owner, maxOwner),
		NoticeID: clean(n.ID, maxName),
	}
	if !n.Created.IsZero() {
		v.Created = n.Created.UTC().Format("2006-01-02 15:04 UTC")
	}
	tripwires := 0
	for i, it := range n.Items {
		f := it.Finding
		x := item{
			N:       i + 1,
			Title:   title(f, maxName),
			ARN:     clean(f.ARN, maxARN),
			Account: clean(f.AccountID, 12),
			Status:  status(it.Stage),
			Reason:  clean(f.Reason, maxText),
			Idle:    idle(f, n.Created),
			Next:    next(it.Next, it.NextAt),
			Note:    clean(it.Note, maxText),
			Keep:    link(it.Links.Keep),
			Remove:  link(it.Links.Remove),
			Snooze:  link(it.Links.Snooze),
			Urgent:  it.Stage == iamsweep.StageTripwire,
		}
		if name := clean(f.AccountName, maxAccount); name != "" {
			x.Account += " (" + name + ")"
		}
		if x.Urgent {
			tripwires++
		}
		v.HasLinks = v.HasLinks || x.Keep != "" || x.Remove != "" || x.Snooze != ""
		v.Items = append(v.Items, x)
	}
	one := len(v.Items) == 1
	switch {
	case v.Fallback != "" && one:
		v.Intro = "This IAM principal has no owner iamsweep can notify, so this notice goes to the security team. " +
			"Decide for it, or tag it with its owner."
	case v.Fallback != "":
		v.Intro = "These IAM principals have no owner iamsweep can notify, so this notice goes to the security team. " +
			"Decide for them, or tag each one with its owner."
	case one:
		v.Intro = "You own this IAM principal (its owner tag names you), and iamsweep found it unused. " +
			"It says what happens next and when, unless you decide before."
	default:
		v.Intro = "You own these IAM principals (their owner tag names you), and iamsweep found them unused. " +
			"Each one says what happens next and when, unless you decide before."
	}
	switch {
	case tripwires == 1:
		v.Alert = "a quarantined principal was used after its quarantine, so its deletion is stopped. " +
			"Check whether the use is legitimate (a disaster-recovery path?): keep it, or leave it quarantined."
	case tripwires > 1:
		v.Alert = strconv.Itoa(tripwires) + " quarantined principals were used after their quarantine, so their deletion is stopped. " +
			"Check whether each use is legitimate (a disaster-recovery path?): keep them, or leave them quarantined."
	}
	return v
}

// title names the principal or credential of f, with its name cut to
// max characters.
func title(f iamsweep.Finding, max int) string {
	name := clean(f.Name, max)
	switch f.Type {
	case iamsweep.TypeUnusedIAMRole:
		return "IAM role " + name
	case iamsweep.TypeUnusedIAMUser:
		return "IAM user " + name
	case iamsweep.TypeUnusedIAMUserPassword:
		return "console password of IAM user " + name
	case iamsweep.TypeUnusedIAMUserAccessKey:
		return "access key " + maskKey(f) + " of IAM user " + name
	case iamsweep.TypeRootAccessKey:
		return "access key " + maskKey(f) + " of the root user"
	}
	return strings.TrimSpace("IAM principal " + name)
}

// credential reports whether f is about a credential (a key, a
// password) rather than a principal.
func credential(f iamsweep.Finding) bool {
	switch f.Type {
	case iamsweep.TypeUnusedIAMUserPassword, iamsweep.TypeUnusedIAMUserAccessKey, iamsweep.TypeRootAccessKey:
		return true
	}
	return false
}

// maskKey names an access key by its first and last four characters
// ("AKIA…WXYZ"), as iamsweep's logs do, or by its credential report slot
// when its ID is not known.
func maskKey(f iamsweep.Finding) string {
	id := clean(f.AccessKeyID, 128)
	if len(id) >= 8 {
		return id[:4] + "…" + id[len(id)-4:]
	}
	if f.KeySlot > 0 {
		return strconv.Itoa(f.KeySlot)
	}
	return ""
}

// status says where a finding stands at its stage.
func status(s iamsweep.Stage) string {
	switch s {
	case iamsweep.StageNotice:
		return "unused"
	case iamsweep.StageQuarantineWarning:
		return "unused; its quarantine is scheduled"
	case iamsweep.StageQuarantined:
		return "quarantined: access is denied (reversible), nothing is deleted"
	case iamsweep.StageDeleteWarning:
		return "quarantined; its deletion is scheduled"
	case iamsweep.StageDeleted:
		return "deleted; its backup is kept and it can be restored"
	case iamsweep.StageTripwire:
		return "USED WHILE QUARANTINED: its deletion is stopped"
	case iamsweep.StageExceptionExpired:
		return "its exception expired: it is judged again"
	}
	return clean(string(s), 40)
}

// next says what happens next and when.
func next(k iamsweep.ActionKind, at time.Time) string {
	if k == "" {
		return "nothing is scheduled"
	}
	var s string
	switch k {
	case iamsweep.ActionQuarantine:
		s = "quarantine (access denied by a policy; reversible, nothing is deleted)"
	case iamsweep.ActionDelete:
		s = "deletion, after a full backup"
	case iamsweep.ActionDeactivateKey:
		s = "deactivation of the key (reversible)"
	case iamsweep.ActionDeleteKey:
		s = "deletion of the key (its secret cannot be brought back)"
	case iamsweep.ActionDeletePassword:
		s = "deletion of the console password"
	default:
		s = clean(string(k), 40)
	}
	if at.IsZero() {
		return s
	}
	// "quarantine on 2026-12-21 (...)": the date goes after the action's
	// first word group.
	head, tail, ok := strings.Cut(s, " (")
	if ok {
		return head + " on " + date(at) + " (" + tail
	}
	if head, tail, ok := strings.Cut(s, ","); ok {
		return head + " on " + date(at) + "," + tail
	}
	return s + " on " + date(at)
}

// idle says how long f has been idle, at asOf (the notice's time).
func idle(f iamsweep.Finding, asOf time.Time) string {
	switch {
	case f.DaysUnused != nil && !f.LastUsed.IsZero():
		return fmt.Sprintf("%s (last used %s)", days(*f.DaysUnused), date(f.LastUsed.Time))
	case f.DaysUnused != nil:
		return days(*f.DaysUnused)
	case !f.LastUsed.IsZero() && !asOf.IsZero():
		return fmt.Sprintf("%s (last used %s)", days(int(asOf.Sub(f.LastUsed.Time)/(24*time.Hour))), date(f.LastUsed.Time))
	case !f.Created.IsZero() && !asOf.IsZero() && !asOf.Before(f.Created):
		return fmt.Sprintf("never used; created %s ago (%s)", days(int(asOf.Sub(f.Created)/(24*time.Hour))), date(f.Created))
	case !f.Created.IsZero():
		return "never used; created " + date(f.Created)
	}
	return "no recorded use"
}

func days(n int) string {
	if n == 1 {
		return "1 day"
	}
	return strconv.Itoa(n) + " days"
}

func date(t time.Time) string { return t.UTC().Format("2006-01-02") }

// link returns s when it is an absolute http or https URL without
// credentials, spaces or control characters, else "": a link is never a
// javascript: or data: URL, whoever made it.
func link(s string) string {
	if s == "" || len(s) > maxLink || strings.IndexFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || !unicode.IsPrint(r) }) >= 0 {
		return ""
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
		return ""
	}
	return s
}

// clean makes untrusted text safe to show on one line: control
// characters become spaces, invisible formatting characters (bidirectional
// overrides, zero-width characters) are dropped, so that a name cannot
// disguise itself or forge a line, and runs of spaces are collapsed. Text
// longer than max characters is cut with an ellipsis.
func clean(s string, max int) string {
	var b strings.Builder
	space := false
	n := 0
	for _, r := range s {
		switch {
		case r == utf8.RuneError:
			r = '\uFFFD'
		case unicode.IsControl(r) || unicode.IsSpace(r):
			r = ' '
		case unicode.Is(unicode.Cf, r):
			continue
		}
		if r == ' ' {
			if space || b.Len() == 0 {
				continue
			}
			space = true
		} else {
			space = false
		}
		if n == max {
			return strings.TrimRight(b.String(), " ") + "…"
		}
		b.WriteRune(r)
		n++
	}
	return strings.TrimRight(b.String(), " ")
}
