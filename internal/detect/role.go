package detect

import (
	"fmt"
	"strconv"
	"time"

	"github.com/iamsweep/iamsweep"
)

// DefaultUnusedDays is the default threshold, IAM Access Analyzer's default
// unused-access age.
const DefaultUnusedDays = 90

// TrackingPeriodDays is how far back IAM records role use (RoleLastUsed):
// "Activity is only reported for the trailing 400 days".
const TrackingPeriodDays = 400

// Options are the inputs of every verdict besides the principal itself.
type Options struct {
	// Now is the evaluation time ("as of").
	Now time.Time
	// UnusedDays is the threshold N: a principal unused for more than N whole
	// days is unused, and one created N or fewer days ago is too new to judge.
	UnusedDays int
	// Allowlist exempts principals whose path and name match a pattern.
	Allowlist Allowlist
	// IncludeManaged evaluates managed roles (service-linked, Identity
	// Center, organization roles) like any other instead of exempting them.
	IncludeManaged bool
	// Exceptions are owners' Keeps: a finding one keeps at ExceptionsAt
	// is exempt (see Exceptions). Nil keeps nothing.
	Exceptions Exceptions
	// ExceptionsAt is the time exceptions are judged at; zero means Now.
	// A Keep is a decision in real time, while Now may be the as-of time
	// of an old export: scan passes the clock.
	ExceptionsAt time.Time
}

// exceptionsAt is the time exceptions are judged at.
func (o Options) exceptionsAt() time.Time {
	if o.ExceptionsAt.IsZero() {
		return o.Now
	}
	return o.ExceptionsAt
}

// Role evaluates one role. The rules apply in this order, the first that
// decides wins:
//
//  1. the role's path and name match an allowlist pattern: exempt;
//  2. the role is a managed role (see ManagedRoles), unless
//     IncludeManaged: exempt;
//  3. the role was created N or fewer whole days ago, or after Now: used,
//     too new to judge;
//  4. IAM records no use in its tracking period: unused;
//  5. the last use was more than N whole days ago: unused; otherwise used.
//
// Then an exception active at ExceptionsAt (default Now) makes a used or
// unused role exempt.
func Role(r iamsweep.Role, o Options) iamsweep.Finding {
	return o.Exceptions.apply(role(r, o), o.exceptionsAt())
}

// role is Role before exceptions.
func role(r iamsweep.Role, o Options) iamsweep.Finding {
	f := iamsweep.Finding{
		Type:        iamsweep.TypeUnusedIAMRole,
		AccountID:   r.AccountID,
		ARN:         r.ARN,
		PrincipalID: r.ID,
		Name:        r.Name,
		Path:        r.Path,
		Created:     r.Created,
		LastUsed:    r.LastUsed,
		Tags:        r.Tags,
	}
	if !r.LastUsed.IsZero() {
		d := max(WholeDays(r.LastUsed.Time, o.Now), 0)
		f.DaysUnused = &d
	}

	if p, ok := o.Allowlist.Match(r.PathName()); ok {
		return decide(f, iamsweep.VerdictExempt, iamsweep.RuleAllowlist, "matches allowlist pattern "+p.String())
	}
	if !o.IncludeManaged {
		if m, ok := matchManaged(r.Path, r.Name); ok {
			return decide(f, iamsweep.VerdictExempt, m.Rule, m.Reason)
		}
	}

	age, ageKnown := 0, !r.Created.IsZero()
	if ageKnown {
		if r.Created.After(o.Now) {
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
				fmt.Sprintf("created %s, after the evaluation time %s: too new to judge", stamp(r.Created), stamp(o.Now)))
		}
		age = WholeDays(r.Created, o.Now)
		if age <= o.UnusedDays {
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
				"created "+ago(age)+": too new to judge")
		}
	}

	if r.LastUsed.IsZero() {
		var reason string
		switch {
		case !ageKnown:
			reason = fmt.Sprintf("no recorded use in IAM's %d-day tracking period; creation date unknown", TrackingPeriodDays)
		case age >= TrackingPeriodDays:
			reason = trackingPeriod + "; created " + ago(age)
		default:
			reason = "no recorded use since it was created " + ago(age)
		}
		return decide(f, iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse, reason)
	}

	if r.LastUsed.Time.After(o.Now) {
		return decide(f, iamsweep.VerdictUsed, iamsweep.RuleLastUsed,
			fmt.Sprintf("last used %s%s, after the evaluation time %s", stamp(r.LastUsed.Time), in(r.LastUsed.Region), stamp(o.Now)))
	}
	days := *f.DaysUnused
	reason := "last used " + ago(days) + in(r.LastUsed.Region)
	if days > o.UnusedDays {
		return decide(f, iamsweep.VerdictUnused, iamsweep.RuleLastUsed, reason)
	}
	return decide(f, iamsweep.VerdictUsed, iamsweep.RuleLastUsed, reason)
}

func decide(f iamsweep.Finding, v iamsweep.Verdict, rule iamsweep.Rule, reason string) iamsweep.Finding {
	f.Verdict, f.Rule, f.Reason = v, rule, reason
	return f
}

// WholeDays returns the number of whole 24-hour days from from to to,
// rounded down (towards minus infinity when to is before from).
func WholeDays(from, to time.Time) int {
	d := to.Sub(from)
	days := int(d / (24 * time.Hour))
	if d < 0 && d%(24*time.Hour) != 0 {
		days--
	}
	return days
}

func ago(days int) string {
	switch days {
	case 0:
		return "less than a day ago"
	case 1:
		return "1 day ago"
	default:
		return strconv.Itoa(days) + " days ago"
	}
}

func in(region string) string {
	if region == "" {
		return ""
	}
	return " in " + region
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// trackingPeriod is the start of the reason for a role with no recorded
// use older than IAM's tracking period.
var trackingPeriod = fmt.Sprintf("no recorded use in IAM's %d-day tracking period", TrackingPeriodDays)
