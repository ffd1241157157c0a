package detect

import (
	"fmt"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// keyTrackingStart is when IAM began recording access key use: a key with
// no recorded use may have been used before then.
var keyTrackingStart = time.Date(2015, 4, 22, 0, 0, 0, 0, time.UTC)

// User evaluates a user and its long-lived credentials. It returns one
// UnusedIAMUser record, one UnusedIAMUserPassword record when the user has
// a console password, and one UnusedIAMUserAccessKey record per access key
// (inactive ones exempt). For the root user it returns one RootAccessKey
// record per root access key and nothing else.
//
// The user record is decided in this order: allowlist (exempt); created N
// or fewer days ago (used, too new to judge); not in the credential report
// (exempt: nothing to judge by); no active password or access key (unused,
// "no credentials"); an active credential used within N days (used); an
// active credential never used and created (a password: set) N or fewer
// days ago, or after Now (used, too new to judge, as its own record is);
// otherwise unused. Inactive keys, and credentials whose creation is
// unknown, do not make a user too new to judge. Then an exception active
// at ExceptionsAt (default Now) makes a used or unused record exempt (see
// Exceptions).
func User(u iamsweep.User, o Options) []iamsweep.Finding {
	out := user(u, o)
	if len(o.Exceptions) > 0 {
		for i, f := range out {
			out[i] = o.Exceptions.apply(f, o.exceptionsAt())
		}
	}
	return out
}

// user is User before exceptions.
func user(u iamsweep.User, o Options) []iamsweep.Finding {
	if u.Root {
		out := make([]iamsweep.Finding, 0, len(u.AccessKeys))
		for _, k := range u.AccessKeys {
			out = append(out, rootKey(u, k, o))
		}
		return out
	}
	pattern, allowed := o.Allowlist.Match(iamsweep.JoinPathName(u.Path, u.Name))
	exempt := func(f iamsweep.Finding) iamsweep.Finding {
		return decide(f, iamsweep.VerdictExempt, iamsweep.RuleAllowlist, "user matches allowlist pattern "+pattern.String())
	}

	out := make([]iamsweep.Finding, 0, 2+len(u.AccessKeys))
	userRec := userFinding(u, o)
	if allowed {
		userRec = exempt(userRec)
		userRec.Reason = "matches allowlist pattern " + pattern.String()
	}
	out = append(out, userRec)
	if u.Password != nil {
		f := passwordFinding(u, o)
		if allowed {
			f = exempt(f)
		}
		out = append(out, f)
	}
	for _, k := range u.AccessKeys {
		f := keyFinding(u, k, o)
		if allowed && f.Rule != iamsweep.RuleInactiveKey {
			f = exempt(f)
		}
		out = append(out, f)
	}
	return out
}

func base(u iamsweep.User, t iamsweep.FindingType) iamsweep.Finding {
	return iamsweep.Finding{
		Type:        t,
		AccountID:   u.AccountID,
		ARN:         u.ARN,
		PrincipalID: u.ID,
		Name:        u.Name,
		Path:        u.Path,
		Tags:        u.Tags,
	}
}

func withUse(f iamsweep.Finding, use iamsweep.Usage, now time.Time) iamsweep.Finding {
	f.LastUsed = use
	if !use.IsZero() {
		d := max(WholeDays(use.Time, now), 0)
		f.DaysUnused = &d
	}
	return f
}

// credentialUse is one of a user's active credentials and its use.
type credentialUse struct {
	what string // "console password", "access key 2"
	use  iamsweep.Usage
	// set is when the credential was created (a password: set); zero when
	// unknown.
	set time.Time
}

// passwordSet is when u's password was set: its last change, else (never
// changed) the user's creation; zero when neither is known.
func passwordSet(u iamsweep.User) time.Time {
	if set := u.Password.LastChanged; !set.IsZero() {
		return set
	}
	return u.Created
}

// tooNew returns the newest of the credentials that are too new to judge:
// never used, and created N or fewer whole days ago or after Now.
func tooNew(creds []credentialUse, o Options) (credentialUse, bool) {
	var newest credentialUse
	found := false
	for _, c := range creds {
		if !c.use.IsZero() || c.set.IsZero() {
			continue
		}
		if !c.set.After(o.Now) && WholeDays(c.set, o.Now) > o.UnusedDays {
			continue
		}
		if !found || c.set.After(newest.set) {
			newest, found = c, true
		}
	}
	return newest, found
}

func userFinding(u iamsweep.User, o Options) iamsweep.Finding {
	f := base(u, iamsweep.TypeUnusedIAMUser)
	f.Created = u.Created

	var active []credentialUse
	if u.Password != nil {
		active = append(active, credentialUse{"console password", iamsweep.Usage{Time: u.Password.LastUsed}, passwordSet(u)})
	}
	inactive := 0
	for _, k := range u.AccessKeys {
		if !k.Active {
			inactive++
			continue
		}
		active = append(active, credentialUse{fmt.Sprintf("access key %d", k.Slot), k.LastUsed, k.Created})
	}
	var latest credentialUse
	for _, c := range active {
		if c.use.Time.After(latest.use.Time) {
			latest = c
		}
	}
	f = withUse(f, latest.use, o.Now)

	if !u.Created.IsZero() {
		if u.Created.After(o.Now) {
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
				fmt.Sprintf("created %s, after the evaluation time %s: too new to judge", stamp(u.Created), stamp(o.Now)))
		}
		if age := WholeDays(u.Created, o.Now); age <= o.UnusedDays {
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, fmt.Sprintf("created %s: too new to judge", ago(age)))
		}
	}
	if !u.HasCredentials {
		return decide(f, iamsweep.VerdictExempt, iamsweep.RuleNoCredentialData,
			"not in the credential report (created after it was generated?): no credential use to judge by")
	}
	if len(active) == 0 {
		reason := "no credentials"
		if inactive > 0 {
			reason = fmt.Sprintf("no active credentials (%s)", plural(inactive, "inactive access key"))
		}
		return decide(f, iamsweep.VerdictUnused, iamsweep.RuleNoCredentials, reason+certNote(u))
	}
	var lastUse string
	if !latest.use.IsZero() {
		if latest.use.Time.After(o.Now) {
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleLastUsed,
				fmt.Sprintf("%s last used %s, after the evaluation time %s", latest.what, stamp(latest.use.Time), stamp(o.Now)))
		}
		days := *f.DaysUnused
		lastUse = fmt.Sprintf("%s last used %s%s", latest.what, ago(days), in(latest.use.Region))
		if days <= o.UnusedDays {
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleLastUsed, lastUse)
		}
	}
	// A credential too new to judge makes its user too new to judge: the
	// person was just issued it.
	if c, ok := tooNew(active, o); ok {
		verb := "created"
		if c.what == "console password" {
			verb = "set"
		}
		if c.set.After(o.Now) {
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
				fmt.Sprintf("%s %s %s, after the evaluation time %s: too new to judge", c.what, verb, stamp(c.set), stamp(o.Now)))
		}
		return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
			fmt.Sprintf("%s %s %s: too new to judge", c.what, verb, ago(WholeDays(c.set, o.Now))))
	}
	if latest.use.IsZero() {
		return decide(f, iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
			"no recorded use of its "+credentialList(u)+certNote(u))
	}
	return decide(f, iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "no credential used within the threshold; "+lastUse+certNote(u))
}

// credentialList names a user's active credentials: "console password and
// 2 access keys".
func credentialList(u iamsweep.User) string {
	var parts []string
	if u.Password != nil {
		parts = append(parts, "console password")
	}
	keys := 0
	for _, k := range u.AccessKeys {
		if k.Active {
			keys++
		}
	}
	if keys > 0 {
		parts = append(parts, plural(keys, "access key"))
	}
	return strings.Join(parts, " and ")
}

func certNote(u iamsweep.User) string {
	if u.ActiveCertificates == 0 {
		return ""
	}
	return fmt.Sprintf("; note: %s, whose use IAM does not record", plural(u.ActiveCertificates, "active signing certificate"))
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func passwordFinding(u iamsweep.User, o Options) iamsweep.Finding {
	p := u.Password
	f := base(u, iamsweep.TypeUnusedIAMUserPassword)
	set := passwordSet(u)
	f.Created = set
	f = withUse(f, iamsweep.Usage{Time: p.LastUsed}, o.Now)
	if p.LastUsed.IsZero() {
		switch {
		case set.IsZero():
			return decide(f, iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse, "no recorded sign-in; when it was set is unknown")
		case set.After(o.Now):
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
				fmt.Sprintf("set %s, after the evaluation time %s: too new to judge", stamp(set), stamp(o.Now)))
		}
		age := WholeDays(set, o.Now)
		if age <= o.UnusedDays {
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, fmt.Sprintf("set %s: too new to judge", ago(age)))
		}
		return decide(f, iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse, fmt.Sprintf("no recorded sign-in since it was set %s", ago(age)))
	}
	if p.LastUsed.After(o.Now) {
		return decide(f, iamsweep.VerdictUsed, iamsweep.RuleLastUsed,
			fmt.Sprintf("last sign-in %s, after the evaluation time %s", stamp(p.LastUsed), stamp(o.Now)))
	}
	days := *f.DaysUnused
	reason := "last sign-in " + ago(days)
	if days > o.UnusedDays {
		return decide(f, iamsweep.VerdictUnused, iamsweep.RuleLastUsed, reason)
	}
	return decide(f, iamsweep.VerdictUsed, iamsweep.RuleLastUsed, reason)
}

func keyFinding(u iamsweep.User, k iamsweep.AccessKey, o Options) iamsweep.Finding {
	f := base(u, iamsweep.TypeUnusedIAMUserAccessKey)
	f.AccessKeyID, f.KeySlot, f.Created = k.ID, k.Slot, k.Created
	f = withUse(f, k.LastUsed, o.Now)
	if !k.Active {
		return decide(f, iamsweep.VerdictExempt, iamsweep.RuleInactiveKey, "inactive key")
	}
	return keyUse(f, k, o)
}

// keyUse decides an active key by its age and last use.
func keyUse(f iamsweep.Finding, k iamsweep.AccessKey, o Options) iamsweep.Finding {
	if k.LastUsed.IsZero() {
		switch {
		case k.Created.IsZero():
			return decide(f, iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse, "no recorded use; creation date unknown")
		case k.Created.After(o.Now):
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
				fmt.Sprintf("created %s, after the evaluation time %s: too new to judge", stamp(k.Created), stamp(o.Now)))
		}
		age := WholeDays(k.Created, o.Now)
		if age <= o.UnusedDays {
			return decide(f, iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, fmt.Sprintf("created %s: too new to judge", ago(age)))
		}
		if k.Created.Before(keyTrackingStart) {
			return decide(f, iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				fmt.Sprintf("no recorded use since IAM began tracking key use in April 2015; created %s", ago(age)))
		}
		return decide(f, iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse, fmt.Sprintf("no recorded use since it was created %s", ago(age)))
	}
	if k.LastUsed.Time.After(o.Now) {
		return decide(f, iamsweep.VerdictUsed, iamsweep.RuleLastUsed,
			fmt.Sprintf("last used %s%s, after the evaluation time %s", stamp(k.LastUsed.Time), in(k.LastUsed.Region), stamp(o.Now)))
	}
	days := *f.DaysUnused
	reason := "last used " + ago(days) + in(k.LastUsed.Region)
	if k.LastUsedService != "" {
		reason += " (" + k.LastUsedService + ")"
	}
	if days > o.UnusedDays {
		return decide(f, iamsweep.VerdictUnused, iamsweep.RuleLastUsed, reason)
	}
	return decide(f, iamsweep.VerdictUsed, iamsweep.RuleLastUsed, reason)
}

// rootKey evaluates an access key of the root user. Root keys should not
// exist at all; the verdict still says whether it is in use, so that
// deleting it can be planned.
func rootKey(u iamsweep.User, k iamsweep.AccessKey, o Options) iamsweep.Finding {
	f := base(u, iamsweep.TypeRootAccessKey)
	f.AccessKeyID, f.KeySlot, f.Created = k.ID, k.Slot, k.Created
	f = withUse(f, k.LastUsed, o.Now)
	const note = "; root access keys should not exist"
	if !k.Active {
		f = decide(f, iamsweep.VerdictUnused, iamsweep.RuleInactiveKey, "inactive root access key")
	} else {
		f = keyUse(f, k, o)
	}
	f.Reason += note
	return f
}
