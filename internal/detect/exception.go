package detect

import (
	"time"

	"github.com/iamsweep/iamsweep"
)

// Exceptions are owners' Keeps, by the key of the finding they keep
// (iamsweep.KeyOf). Options.Exceptions applies them: a finding under an
// exception active at Options.ExceptionsAt (default Now) is exempt, rule "exception", reason
// "kept by OWNER until DATE: REASON". A Keep of a user (UnusedIAMUser)
// also keeps the user's password and access keys, which its quarantine
// would stop; a Keep of one credential keeps that credential only. A
// finding exempt by another rule (allowlist, managed role, inactive key)
// keeps that rule.
type Exceptions map[iamsweep.FindingKey][]iamsweep.Exception

// NewExceptions indexes exceptions by their finding's key.
func NewExceptions(es []iamsweep.Exception) Exceptions {
	x := make(Exceptions, len(es))
	for _, e := range es {
		x[e.Key] = append(x[e.Key], e)
	}
	return x
}

// Active returns the exception that keeps f at now: of those active, the
// one that lasts longest; ok is false when none does.
func (x Exceptions) Active(f iamsweep.Finding, now time.Time) (iamsweep.Exception, bool) {
	if len(x) == 0 {
		return iamsweep.Exception{}, false
	}
	keys := []iamsweep.FindingKey{iamsweep.KeyOf(f)}
	if f.Type == iamsweep.TypeUnusedIAMUserPassword || f.Type == iamsweep.TypeUnusedIAMUserAccessKey {
		keys = append(keys, iamsweep.KeyOf(iamsweep.Finding{AccountID: f.AccountID, Type: iamsweep.TypeUnusedIAMUser, ARN: f.ARN}))
	}
	var (
		best  iamsweep.Exception
		found bool
	)
	for _, k := range keys {
		for _, e := range x[k] {
			if e.Active(now) && (!found || e.Until.After(best.Until)) {
				best, found = e, true
			}
		}
	}
	return best, found
}

// apply makes f exempt when an exception keeps it at now.
func (x Exceptions) apply(f iamsweep.Finding, now time.Time) iamsweep.Finding {
	if f.Verdict == iamsweep.VerdictExempt {
		return f
	}
	e, ok := x.Active(f, now)
	if !ok {
		return f
	}
	return decide(f, iamsweep.VerdictExempt, iamsweep.RuleException, KeptReason(e))
}

// KeptReason is the reason of a finding an exception keeps: "kept by
// OWNER until DATE: REASON" (the date in UTC, with the time of day when
// it is not midnight; no ": REASON" without a reason).
func KeptReason(e iamsweep.Exception) string {
	u := e.Until.UTC()
	date := u.Format("2006-01-02")
	if u.Hour() != 0 || u.Minute() != 0 || u.Second() != 0 || u.Nanosecond() != 0 {
		date = u.Format("2006-01-02 15:04 UTC")
	}
	by := e.By
	if by == "" {
		by = "an unnamed owner"
	}
	r := "kept by " + by + " until " + date
	if e.Reason != "" {
		r += ": " + e.Reason
	}
	return r
}
