package detect

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestRole_exceptions(t *testing.T) {
	unusedRole := roleFixture() // created 500 days ago, no recorded use: unused
	key := iamsweep.KeyOf(iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: unusedRole.AccountID, ARN: unusedRole.ARN})
	keep := func(id string, from, until time.Time) iamsweep.Exception {
		return iamsweep.Exception{ID: id, Key: key, ARN: unusedRole.ARN, By: "alice@example.com", Reason: "disaster recovery",
			Created: from, Until: until}
	}
	midnight := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name  string
		role  func(iamsweep.Role) iamsweep.Role
		es    []iamsweep.Exception
		allow []string
		want  roleVerdict
	}{
		{name: "no exception", es: nil,
			want: roleVerdict{Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse, Reason: "no recorded use in IAM's 400-day tracking period; created 500 days ago"}},
		{name: "active keep", es: []iamsweep.Exception{keep("x1", roleAgo(roleDays(1)), midnight)},
			want: roleVerdict{Verdict: iamsweep.VerdictExempt, Rule: iamsweep.RuleException, Reason: "kept by alice@example.com until 2026-06-01: disaster recovery"}},
		{name: "the longest of two", es: []iamsweep.Exception{
			keep("x1", roleAgo(roleDays(1)), midnight), keep("x2", roleAgo(roleDays(2)), midnight.Add(36*time.Hour))},
			want: roleVerdict{Verdict: iamsweep.VerdictExempt, Rule: iamsweep.RuleException, Reason: "kept by alice@example.com until 2026-06-02 12:00 UTC: disaster recovery"}},
		{name: "expired at Now", es: []iamsweep.Exception{keep("x1", roleAgo(roleDays(30)), roleNow)},
			want: roleVerdict{Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse, Reason: "no recorded use in IAM's 400-day tracking period; created 500 days ago"}},
		{name: "in force until a nanosecond after Now", es: []iamsweep.Exception{keep("x1", roleAgo(roleDays(30)), roleNow.Add(time.Nanosecond))},
			want: roleVerdict{Verdict: iamsweep.VerdictExempt, Rule: iamsweep.RuleException, Reason: "kept by alice@example.com until 2026-03-15 12:00 UTC: disaster recovery"}},
		{name: "not yet created", es: []iamsweep.Exception{keep("x1", roleNow.Add(time.Second), midnight)},
			want: roleVerdict{Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse, Reason: "no recorded use in IAM's 400-day tracking period; created 500 days ago"}},
		{name: "revoked", es: []iamsweep.Exception{func() iamsweep.Exception {
			e := keep("x1", roleAgo(roleDays(10)), midnight)
			e.Revoked = roleAgo(roleDays(1))
			return e
		}()},
			want: roleVerdict{Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse, Reason: "no recorded use in IAM's 400-day tracking period; created 500 days ago"}},
		{name: "another role's keep", es: []iamsweep.Exception{func() iamsweep.Exception {
			e := keep("x1", roleAgo(roleDays(1)), midnight)
			e.Key = "123456789012 UnusedIAMRole arn:aws:iam::123456789012:role/app/other"
			return e
		}()},
			want: roleVerdict{Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse, Reason: "no recorded use in IAM's 400-day tracking period; created 500 days ago"}},
		{name: "a used role is kept too", role: func(r iamsweep.Role) iamsweep.Role {
			r.LastUsed = iamsweep.Usage{Time: roleAgo(roleDays(3)), Region: "us-east-1"}
			return r
		}, es: []iamsweep.Exception{keep("x1", roleAgo(roleDays(1)), midnight)},
			want: roleVerdict{Verdict: iamsweep.VerdictExempt, Rule: iamsweep.RuleException, Reason: "kept by alice@example.com until 2026-06-01: disaster recovery", DaysUnused: roleIntp(3)}},
		{name: "the allowlist wins", allow: []string{"/app/*"}, es: []iamsweep.Exception{keep("x1", roleAgo(roleDays(1)), midnight)},
			want: roleVerdict{Verdict: iamsweep.VerdictExempt, Rule: iamsweep.RuleAllowlist, Reason: "matches allowlist pattern /app/*"}},
		{name: "no reason, no owner", es: []iamsweep.Exception{{ID: "x1", Key: key, Created: roleAgo(roleDays(1)), Until: midnight}},
			want: roleVerdict{Verdict: iamsweep.VerdictExempt, Rule: iamsweep.RuleException, Reason: "kept by an unnamed owner until 2026-06-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := unusedRole
			if tt.role != nil {
				r = tt.role(r)
			}
			o := Options{Now: roleNow, UnusedDays: 90, Exceptions: NewExceptions(tt.es)}
			if tt.allow != nil {
				o.Allowlist = roleAllowlist(t, tt.allow...)
			}
			if diff := cmp.Diff(tt.want, roleVerdictOf(Role(r, o))); diff != "" {
				t.Errorf("Role (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUser_exceptions(t *testing.T) {
	u := iamsweep.User{
		AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/dev/alice", Name: "alice", Path: "/dev/",
		Created: daysAgo(500), HasCredentials: true, HasDetails: true,
		Password: &iamsweep.Password{LastChanged: daysAgo(400)},
		AccessKeys: []iamsweep.AccessKey{
			{Slot: 1, ID: "AKIAEXAMPLE1", Active: true, Created: daysAgo(400)},
			{Slot: 2, ID: "AKIAEXAMPLE2", Active: false, Created: daysAgo(400)},
		},
	}
	base := iamsweep.Finding{AccountID: u.AccountID, ARN: u.ARN}
	keyOf := func(t iamsweep.FindingType, keyID string) iamsweep.FindingKey {
		f := base
		f.Type, f.AccessKeyID = t, keyID
		return iamsweep.KeyOf(f)
	}
	keep := func(k iamsweep.FindingKey) []iamsweep.Exception {
		return []iamsweep.Exception{{ID: "x", Key: k, By: "bob", Reason: "batch job", Created: daysAgo(1), Until: daysAgo(-30)}}
	}
	const kept = "exempt exception: kept by bob until 2026-12-23 12:00 UTC: batch job"
	tests := []struct {
		name string
		es   []iamsweep.Exception
		want []string
	}{
		{"none", nil, []string{"UnusedIAMUser unused", "UnusedIAMUserPassword unused", "UnusedIAMUserAccessKey unused", "UnusedIAMUserAccessKey exempt inactive-key: inactive key"}},
		{"the user's keep keeps its credentials", keep(keyOf(iamsweep.TypeUnusedIAMUser, "")), []string{
			"UnusedIAMUser " + kept, "UnusedIAMUserPassword " + kept, "UnusedIAMUserAccessKey " + kept,
			"UnusedIAMUserAccessKey exempt inactive-key: inactive key"}},
		{"a key's keep keeps that key only", keep(keyOf(iamsweep.TypeUnusedIAMUserAccessKey, "AKIAEXAMPLE1")), []string{
			"UnusedIAMUser unused", "UnusedIAMUserPassword unused", "UnusedIAMUserAccessKey " + kept,
			"UnusedIAMUserAccessKey exempt inactive-key: inactive key"}},
		{"the password's keep keeps the password only", keep(keyOf(iamsweep.TypeUnusedIAMUserPassword, "")), []string{
			"UnusedIAMUser unused", "UnusedIAMUserPassword " + kept, "UnusedIAMUserAccessKey unused",
			"UnusedIAMUserAccessKey exempt inactive-key: inactive key"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := verdicts(User(u, Options{Now: userNow, UnusedDays: 90, Exceptions: NewExceptions(tt.es)}))
			for i := range got { // the reasons of unused records are another test's
				if i < len(tt.want) && !strings.Contains(tt.want[i], ":") && strings.HasPrefix(got[i], tt.want[i]+" ") {
					got[i] = tt.want[i]
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("User (-want +got):\n%s", diff)
			}
		})
	}
}

// ExceptionsAt, not Now, decides which exceptions hold: a scan as of an
// old export applies the Keeps made since.
func TestRole_exceptionsAt(t *testing.T) {
	r := roleFixture()
	key := iamsweep.KeyOf(iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: r.AccountID, ARN: r.ARN})
	x := NewExceptions([]iamsweep.Exception{{ID: "x", Key: key, By: "a", Created: roleNow.Add(roleDays(10)), Until: roleNow.Add(roleDays(100))}})
	if got := Role(r, Options{Now: roleNow, UnusedDays: 90, Exceptions: x}); got.Verdict != iamsweep.VerdictUnused {
		t.Errorf("judged at Now, before the Keep: %s, want unused", got.Verdict)
	}
	if got := Role(r, Options{Now: roleNow, UnusedDays: 90, Exceptions: x, ExceptionsAt: roleNow.Add(roleDays(11))}); got.Rule != iamsweep.RuleException {
		t.Errorf("judged at ExceptionsAt: %s %s, want exempt by exception", got.Verdict, got.Rule)
	}
}
