package detect

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

var userNow = time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)

func daysAgo(d int) time.Time { return userNow.Add(-time.Duration(d) * 24 * time.Hour) }

func intp(n int) *int { return &n }

// verdicts summarises findings as "Type verdict rule: reason" lines.
func verdicts(fs []iamsweep.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = string(f.Type) + " " + string(f.Verdict) + " " + string(f.Rule) + ": " + f.Reason
	}
	return out
}

func TestUser(t *testing.T) {
	old := daysAgo(500)
	user := func(mod func(*iamsweep.User)) iamsweep.User {
		u := iamsweep.User{
			AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/dev/alice", ID: "AIDAEXAMPLE",
			Name: "alice", Path: "/dev/", Created: old, HasCredentials: true, HasDetails: true,
		}
		mod(&u)
		return u
	}
	key := func(slot int, active bool, created time.Time, used int, region string) iamsweep.AccessKey {
		k := iamsweep.AccessKey{Slot: slot, Active: active, Created: created}
		if used >= 0 {
			k.LastUsed = iamsweep.Usage{Time: daysAgo(used), Region: region}
		}
		return k
	}
	allow, err := NewAllowlist([]string{"/ops/*"})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		user  iamsweep.User
		allow Allowlist
		want  []string
	}{
		{"no credentials", user(func(u *iamsweep.User) {}), Allowlist{},
			[]string{"UnusedIAMUser unused no-credentials: no credentials"}},
		{"only an inactive key", user(func(u *iamsweep.User) {
			u.AccessKeys = []iamsweep.AccessKey{key(1, false, old, 10, "us-east-1")}
		}), Allowlist{}, []string{
			"UnusedIAMUser unused no-credentials: no active credentials (1 inactive access key)",
			"UnusedIAMUserAccessKey exempt inactive-key: inactive key",
		}},
		{"too new to judge", user(func(u *iamsweep.User) {
			u.Created = daysAgo(90)
			u.Password = &iamsweep.Password{LastChanged: daysAgo(90)}
			u.AccessKeys = []iamsweep.AccessKey{key(1, true, daysAgo(90), -1, "")}
		}), Allowlist{}, []string{
			"UnusedIAMUser used grace-period: created 90 days ago: too new to judge",
			"UnusedIAMUserPassword used grace-period: set 90 days ago: too new to judge",
			"UnusedIAMUserAccessKey used grace-period: created 90 days ago: too new to judge",
		}},
		{"credentials one day past the threshold", user(func(u *iamsweep.User) {
			u.Password = &iamsweep.Password{LastChanged: daysAgo(91)}
			u.AccessKeys = []iamsweep.AccessKey{key(1, true, daysAgo(91), -1, "")}
		}), Allowlist{}, []string{
			"UnusedIAMUser unused no-recorded-use: no recorded use of its console password and 1 access key",
			"UnusedIAMUserPassword unused no-recorded-use: no recorded sign-in since it was set 91 days ago",
			"UnusedIAMUserAccessKey unused no-recorded-use: no recorded use since it was created 91 days ago",
		}},
		{"last uses at and past the threshold", user(func(u *iamsweep.User) {
			u.Password = &iamsweep.Password{LastChanged: old, LastUsed: daysAgo(90)}
			u.AccessKeys = []iamsweep.AccessKey{
				key(1, true, old, 91, "eu-west-1"),
				{Slot: 2, Active: true, Created: old, LastUsed: iamsweep.Usage{Time: daysAgo(200), Region: "us-east-1"}, LastUsedService: "s3"},
			}
		}), Allowlist{}, []string{
			"UnusedIAMUser used last-used: console password last used 90 days ago",
			"UnusedIAMUserPassword used last-used: last sign-in 90 days ago",
			"UnusedIAMUserAccessKey unused last-used: last used 91 days ago in eu-west-1",
			"UnusedIAMUserAccessKey unused last-used: last used 200 days ago in us-east-1 (s3)",
		}},
		{"all credentials idle", user(func(u *iamsweep.User) {
			u.Password = &iamsweep.Password{LastChanged: old, LastUsed: daysAgo(300)}
			u.AccessKeys = []iamsweep.AccessKey{key(2, true, old, 120, "us-east-1")}
			u.ActiveCertificates = 1
		}), Allowlist{}, []string{
			"UnusedIAMUser unused last-used: no credential used within the threshold; access key 2 last used 120 days ago in us-east-1; note: 1 active signing certificate, whose use IAM does not record",
			"UnusedIAMUserPassword unused last-used: last sign-in 300 days ago",
			"UnusedIAMUserAccessKey unused last-used: last used 120 days ago in us-east-1",
		}},
		{"an inactive key's use does not count", user(func(u *iamsweep.User) {
			u.AccessKeys = []iamsweep.AccessKey{key(1, false, old, 1, "us-east-1"), key(2, true, old, 150, "us-east-1")}
		}), Allowlist{}, []string{
			"UnusedIAMUser unused last-used: no credential used within the threshold; access key 2 last used 150 days ago in us-east-1",
			"UnusedIAMUserAccessKey exempt inactive-key: inactive key",
			"UnusedIAMUserAccessKey unused last-used: last used 150 days ago in us-east-1",
		}},
		{"key from before key tracking began", user(func(u *iamsweep.User) {
			u.Created = time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC)
			u.AccessKeys = []iamsweep.AccessKey{key(1, true, time.Date(2014, 1, 1, 0, 0, 0, 0, time.UTC), -1, "")}
		}), Allowlist{}, []string{
			"UnusedIAMUser unused no-recorded-use: no recorded use of its 1 access key",
			"UnusedIAMUserAccessKey unused no-recorded-use: no recorded use since IAM began tracking key use in April 2015; created 4709 days ago",
		}},
		{"not in the credential report", user(func(u *iamsweep.User) { u.HasCredentials = false }), Allowlist{},
			[]string{"UnusedIAMUser exempt no-credential-data: not in the credential report (created after it was generated?): no credential use to judge by"}},
		{"allowlisted", user(func(u *iamsweep.User) {
			u.Path = "/ops/"
			u.Password = &iamsweep.Password{LastChanged: old}
			u.AccessKeys = []iamsweep.AccessKey{key(1, true, old, -1, ""), key(2, false, old, -1, "")}
		}), allow, []string{
			"UnusedIAMUser exempt allowlist: matches allowlist pattern /ops/*",
			"UnusedIAMUserPassword exempt allowlist: user matches allowlist pattern /ops/*",
			"UnusedIAMUserAccessKey exempt allowlist: user matches allowlist pattern /ops/*",
			"UnusedIAMUserAccessKey exempt inactive-key: inactive key",
		}},
		{"root keys", iamsweep.User{Root: true, Name: "<root_account>", ARN: "arn:aws:iam::111122223333:root", AccountID: "111122223333",
			HasCredentials: true, Created: old, Password: &iamsweep.Password{LastUsed: daysAgo(1)},
			AccessKeys: []iamsweep.AccessKey{key(1, true, old, 2, "us-east-1"), key(2, false, old, -1, "")}}, Allowlist{}, []string{
			"RootAccessKey used last-used: last used 2 days ago in us-east-1; root access keys should not exist",
			"RootAccessKey unused inactive-key: inactive root access key; root access keys should not exist",
		}},
		{"root without keys", iamsweep.User{Root: true, Name: "<root_account>", HasCredentials: true}, Allowlist{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := verdicts(User(tt.user, Options{Now: userNow, UnusedDays: 90, Allowlist: tt.allow}))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("User() mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestUser_fields(t *testing.T) {
	u := iamsweep.User{
		AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/bob", ID: "AIDABOB", Name: "bob", Path: "/",
		Created: daysAgo(400), HasCredentials: true,
		Password:   &iamsweep.Password{LastChanged: daysAgo(300), LastUsed: daysAgo(100)},
		AccessKeys: []iamsweep.AccessKey{{Slot: 2, ID: "AKIAEXAMPLEKEY2", Active: true, Created: daysAgo(350), LastUsed: iamsweep.Usage{Time: daysAgo(5), Region: "eu-west-1"}}},
	}
	got := User(u, Options{Now: userNow, UnusedDays: 90})
	want := []iamsweep.Finding{
		{Type: iamsweep.TypeUnusedIAMUser, AccountID: "111122223333", ARN: u.ARN, PrincipalID: "AIDABOB", Name: "bob", Path: "/",
			Verdict: iamsweep.VerdictUsed, Rule: iamsweep.RuleLastUsed, Reason: "access key 2 last used 5 days ago in eu-west-1",
			Created: daysAgo(400), LastUsed: iamsweep.Usage{Time: daysAgo(5), Region: "eu-west-1"}, DaysUnused: intp(5)},
		{Type: iamsweep.TypeUnusedIAMUserPassword, AccountID: "111122223333", ARN: u.ARN, PrincipalID: "AIDABOB", Name: "bob", Path: "/",
			Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed, Reason: "last sign-in 100 days ago",
			Created: daysAgo(300), LastUsed: iamsweep.Usage{Time: daysAgo(100)}, DaysUnused: intp(100)},
		{Type: iamsweep.TypeUnusedIAMUserAccessKey, AccountID: "111122223333", ARN: u.ARN, PrincipalID: "AIDABOB", Name: "bob", Path: "/",
			Verdict: iamsweep.VerdictUsed, Rule: iamsweep.RuleLastUsed, Reason: "last used 5 days ago in eu-west-1",
			Created: daysAgo(350), LastUsed: iamsweep.Usage{Time: daysAgo(5), Region: "eu-west-1"}, DaysUnused: intp(5),
			AccessKeyID: "AKIAEXAMPLEKEY2", KeySlot: 2},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("User() mismatch (-want +got):\n%s", diff)
	}
}

func TestUser_boundaries(t *testing.T) {
	// Whole days, counted down: 90 days and 23 hours is 90 days.
	tests := []struct {
		name    string
		lastUse time.Time
		want    iamsweep.Verdict
	}{
		{"exactly N days", userNow.Add(-90 * 24 * time.Hour), iamsweep.VerdictUsed},
		{"N days and 23 hours", userNow.Add(-(90*24 + 23) * time.Hour), iamsweep.VerdictUsed},
		{"N+1 days", userNow.Add(-91 * 24 * time.Hour), iamsweep.VerdictUnused},
		{"N+1 days less a second", userNow.Add(-91*24*time.Hour + time.Second), iamsweep.VerdictUsed},
		{"after the evaluation time", userNow.Add(time.Hour), iamsweep.VerdictUsed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := iamsweep.User{Name: "u", Created: daysAgo(1000), HasCredentials: true,
				AccessKeys: []iamsweep.AccessKey{{Slot: 1, Active: true, Created: daysAgo(1000), LastUsed: iamsweep.Usage{Time: tt.lastUse}}}}
			fs := User(u, Options{Now: userNow, UnusedDays: 90})
			for _, f := range fs {
				if f.Verdict != tt.want {
					t.Errorf("%s: verdict %s, want %s (%s)", f.Type, f.Verdict, tt.want, f.Reason)
				}
			}
		})
	}
}

// TestUser_newCredential covers issue 9's wrong verdict: a user created long
// ago whose newest credential is too new to judge is itself too new to
// judge, as its credential's own record is.
func TestUser_newCredential(t *testing.T) {
	const n = 90
	oldKey := iamsweep.AccessKey{Slot: 1, Active: true, Created: daysAgo(900)}
	usedKey := func(slot, days int) iamsweep.AccessKey {
		return iamsweep.AccessKey{Slot: slot, Active: true, Created: daysAgo(900), LastUsed: iamsweep.Usage{Time: daysAgo(days), Region: "us-east-1"}}
	}
	newKey := func(slot int, created time.Time) iamsweep.AccessKey {
		return iamsweep.AccessKey{Slot: slot, Active: true, Created: created}
	}
	future := userNow.Add(36 * time.Hour)
	tests := []struct {
		name     string
		password *iamsweep.Password
		keys     []iamsweep.AccessKey
		want     string // the UnusedIAMUser record
	}{
		{"old unused key and a key created 15 days ago",
			nil, []iamsweep.AccessKey{oldKey, newKey(2, daysAgo(15))},
			"used grace-period: access key 2 created 15 days ago: too new to judge"},
		{"key created exactly N days ago",
			nil, []iamsweep.AccessKey{oldKey, newKey(2, daysAgo(n))},
			"used grace-period: access key 2 created 90 days ago: too new to judge"},
		{"key created N days and 23 hours ago",
			nil, []iamsweep.AccessKey{oldKey, newKey(2, userNow.Add(-(n*24+23)*time.Hour))},
			"used grace-period: access key 2 created 90 days ago: too new to judge"},
		{"key created N+1 days ago",
			nil, []iamsweep.AccessKey{oldKey, newKey(2, daysAgo(n+1))},
			"unused no-recorded-use: no recorded use of its 2 access keys"},
		{"key created less than a day ago",
			nil, []iamsweep.AccessKey{newKey(1, userNow.Add(-time.Hour))},
			"used grace-period: access key 1 created less than a day ago: too new to judge"},
		{"key created after the evaluation time",
			nil, []iamsweep.AccessKey{oldKey, newKey(2, future)},
			"used grace-period: access key 2 created 2026-11-25T00:00:00Z, after the evaluation time 2026-11-23T12:00:00Z: too new to judge"},
		{"new key beside a key last used past the threshold",
			nil, []iamsweep.AccessKey{usedKey(1, 200), newKey(2, daysAgo(15))},
			"used grace-period: access key 2 created 15 days ago: too new to judge"},
		{"a use within the threshold decides before a new key",
			nil, []iamsweep.AccessKey{usedKey(1, 5), newKey(2, daysAgo(15))},
			"used last-used: access key 1 last used 5 days ago in us-east-1"},
		{"inactive new key does not count",
			nil, []iamsweep.AccessKey{oldKey, {Slot: 2, Active: false, Created: daysAgo(15)}},
			"unused no-recorded-use: no recorded use of its 1 access key"},
		{"only an inactive new key",
			nil, []iamsweep.AccessKey{{Slot: 2, Active: false, Created: daysAgo(15)}},
			"unused no-credentials: no active credentials (1 inactive access key)"},
		{"new key with unknown creation date does not count",
			nil, []iamsweep.AccessKey{oldKey, {Slot: 2, Active: true}},
			"unused no-recorded-use: no recorded use of its 2 access keys"},
		{"new key already used past the threshold does not count",
			nil, []iamsweep.AccessKey{{Slot: 2, Active: true, Created: daysAgo(15), LastUsed: iamsweep.Usage{Time: daysAgo(100)}}},
			"unused last-used: no credential used within the threshold; access key 2 last used 100 days ago"},
		{"password set 15 days ago, never used",
			&iamsweep.Password{LastChanged: daysAgo(15)}, []iamsweep.AccessKey{oldKey},
			"used grace-period: console password set 15 days ago: too new to judge"},
		{"password set exactly N days ago",
			&iamsweep.Password{LastChanged: daysAgo(n)}, nil,
			"used grace-period: console password set 90 days ago: too new to judge"},
		{"password set N+1 days ago",
			&iamsweep.Password{LastChanged: daysAgo(n + 1)}, nil,
			"unused no-recorded-use: no recorded use of its console password"},
		{"password set after the evaluation time",
			&iamsweep.Password{LastChanged: future}, nil,
			"used grace-period: console password set 2026-11-25T00:00:00Z, after the evaluation time 2026-11-23T12:00:00Z: too new to judge"},
		{"password set recently but last used past the threshold",
			&iamsweep.Password{LastChanged: daysAgo(15), LastUsed: daysAgo(200)}, nil,
			"unused last-used: no credential used within the threshold; console password last used 200 days ago"},
		{"password never changed takes the user's creation",
			&iamsweep.Password{}, nil,
			"unused no-recorded-use: no recorded use of its console password"},
		{"the newest of two new credentials is named",
			&iamsweep.Password{LastChanged: daysAgo(40)}, []iamsweep.AccessKey{newKey(1, daysAgo(30)), newKey(2, daysAgo(60))},
			"used grace-period: access key 1 created 30 days ago: too new to judge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			u := iamsweep.User{Name: "carol", ARN: "arn:aws:iam::111122223333:user/carol", Path: "/",
				Created: daysAgo(1000), HasCredentials: true, Password: tt.password, AccessKeys: tt.keys}
			fs := User(u, Options{Now: userNow, UnusedDays: n})
			f := fs[0]
			if f.Type != iamsweep.TypeUnusedIAMUser {
				t.Fatalf("first record is %s", f.Type)
			}
			got := string(f.Verdict) + " " + string(f.Rule) + ": " + f.Reason
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("UnusedIAMUser mismatch (-want +got):\n%s", diff)
			}
			// A credential too new to judge makes its user used, and the
			// user is too new to judge only through such a credential.
			credGrace := false
			for _, c := range fs[1:] {
				credGrace = credGrace || c.Rule == iamsweep.RuleGracePeriod
			}
			if credGrace && f.Verdict != iamsweep.VerdictUsed || f.Rule == iamsweep.RuleGracePeriod && !credGrace {
				t.Errorf("user and credential records disagree: %v", verdicts(fs))
			}
		})
	}
}
