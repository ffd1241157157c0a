package detect

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

const roleDay = 24 * time.Hour

// roleNow is the injected evaluation time of every test.
var roleNow = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

func roleAgo(d time.Duration) time.Time { return roleNow.Add(-d) }

func roleDays(n int) time.Duration { return time.Duration(n) * roleDay }

func roleIntp(n int) *int { return &n }

func roleAllowlist(t *testing.T, values ...string) Allowlist {
	t.Helper()
	a, err := NewAllowlist(values)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// testRole is an ordinary customer role created long ago.
func roleFixture() iamsweep.Role {
	return iamsweep.Role{
		AccountID: "123456789012",
		ARN:       "arn:aws:iam::123456789012:role/app/deployer",
		ID:        "AROAEXAMPLEID0000001",
		Name:      "deployer",
		Path:      "/app/",
		Created:   roleAgo(roleDays(500)),
		Tags:      []iamsweep.Tag{{Key: "team", Value: "ops"}},
	}
}

// roleVerdict is the part of a Finding the rules decide.
type roleVerdict struct {
	Verdict    iamsweep.Verdict
	Rule       iamsweep.Rule
	Reason     string
	DaysUnused *int
}

func roleVerdictOf(f iamsweep.Finding) roleVerdict {
	return roleVerdict{Verdict: f.Verdict, Rule: f.Rule, Reason: f.Reason, DaysUnused: f.DaysUnused}
}

func TestRole(t *testing.T) {
	const n = 90
	used := func(d time.Duration, region string) iamsweep.Usage {
		return iamsweep.Usage{Time: roleAgo(d), Region: region}
	}
	tests := []struct {
		name string
		// edit changes roleFixture() into the role under test.
		edit func(r *iamsweep.Role)
		// opts changes the default options (Now: roleNow, UnusedDays: n).
		opts func(o *Options)
		want roleVerdict
	}{
		// Rule 3: grace period.
		{
			name: "created exactly N days ago, no recorded use",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(n)) },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created 90 days ago: too new to judge", nil},
		},
		{
			name: "created exactly N days ago, used",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(n)); r.LastUsed = used(roleDays(n), "us-east-1") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created 90 days ago: too new to judge", roleIntp(90)},
		},
		{
			name: "created N days and 1 second ago is still N whole days",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(n) + time.Second) },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created 90 days ago: too new to judge", nil},
		},
		{
			name: "created N+1 days ago less 1 second is still N whole days",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(n+1) - time.Second) },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created 90 days ago: too new to judge", nil},
		},
		{
			name: "created N-1 days ago",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(n - 1)) },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created 89 days ago: too new to judge", nil},
		},
		{
			name: "created N+1 days ago, no recorded use",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(n + 1)) },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse, "no recorded use since it was created 91 days ago", nil},
		},
		{
			name: "created N+1 days ago, used N+1 days ago",
			edit: func(r *iamsweep.Role) {
				r.Created = roleAgo(roleDays(n + 1))
				r.LastUsed = used(roleDays(n+1), "us-east-1")
			},
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 91 days ago in us-east-1", roleIntp(91)},
		},
		{
			name: "created N+1 days ago, used N days ago",
			edit: func(r *iamsweep.Role) {
				r.Created = roleAgo(roleDays(n + 1))
				r.LastUsed = used(roleDays(n), "us-east-1")
			},
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 90 days ago in us-east-1", roleIntp(90)},
		},
		{
			name: "created 1 day ago",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDay) },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created 1 day ago: too new to judge", nil},
		},
		{
			name: "created less than a day ago",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDay - time.Nanosecond) },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created less than a day ago: too new to judge", nil},
		},
		{
			name: "created exactly now",
			edit: func(r *iamsweep.Role) { r.Created = roleNow },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created less than a day ago: too new to judge", nil},
		},
		{
			name: "created after now (clock skew)",
			edit: func(r *iamsweep.Role) { r.Created = roleNow.Add(time.Second) },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
				"created 2026-03-15T12:00:01Z, after the evaluation time 2026-03-15T12:00:00Z: too new to judge", nil},
		},
		{
			name: "created years after now, used",
			edit: func(r *iamsweep.Role) {
				r.Created = roleNow.AddDate(3, 0, 0)
				r.LastUsed = used(roleDays(200), "us-east-1")
			},
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
				"created 2029-03-15T12:00:00Z, after the evaluation time 2026-03-15T12:00:00Z: too new to judge", roleIntp(200)},
		},
		{
			name: "times in other zones are printed in UTC",
			edit: func(r *iamsweep.Role) { r.Created = roleNow.Add(time.Hour).In(time.FixedZone("CET", 3600)) },
			opts: func(o *Options) { o.Now = roleNow.In(time.FixedZone("PST", -8*3600)) },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod,
				"created 2026-03-15T13:00:00Z, after the evaluation time 2026-03-15T12:00:00Z: too new to judge", nil},
		},

		// Rule 4: no recorded use. The reason never claims "never used".
		{
			name: "creation date unknown, no recorded use",
			edit: func(r *iamsweep.Role) { r.Created = time.Time{} },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; creation date unknown", nil},
		},
		{
			name: "created within the tracking period, no recorded use",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(399)) },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse, "no recorded use since it was created 399 days ago", nil},
		},
		{
			name: "created exactly the tracking period ago, no recorded use",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(400)) },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; created 400 days ago", nil},
		},
		{
			name: "created before the tracking period, no recorded use",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(2000)) },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; created 2000 days ago", nil},
		},
		{
			name: "region without a time is no recorded use",
			edit: func(r *iamsweep.Role) { r.LastUsed = iamsweep.Usage{Region: "us-east-1"} },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; created 500 days ago", nil},
		},

		// Rule 5: last use.
		{
			name: "last used exactly N days ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(n), "us-east-1") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 90 days ago in us-east-1", roleIntp(90)},
		},
		{
			name: "last used N days and 1 second ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(n)+time.Second, "us-east-1") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 90 days ago in us-east-1", roleIntp(90)},
		},
		{
			name: "last used N days less 1 second ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(n)-time.Second, "us-east-1") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 89 days ago in us-east-1", roleIntp(89)},
		},
		{
			name: "last used N-1 days ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(n-1), "us-east-1") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 89 days ago in us-east-1", roleIntp(89)},
		},
		{
			name: "last used N+1 days less 1 second ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(n+1)-time.Second, "us-east-1") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 90 days ago in us-east-1", roleIntp(90)},
		},
		{
			name: "last used N+1 days ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(n+1), "eu-west-1") },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 91 days ago in eu-west-1", roleIntp(91)},
		},
		{
			name: "last used before the tracking period",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(450), "ap-southeast-2") },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 450 days ago in ap-southeast-2", roleIntp(450)},
		},
		{
			name: "last used region empty",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(n+1), "") },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 91 days ago", roleIntp(91)},
		},
		{
			name: "used less than a day ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(time.Minute, "us-west-2") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used less than a day ago in us-west-2", roleIntp(0)},
		},
		{
			name: "used 1 day ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDay, "us-west-2") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 1 day ago in us-west-2", roleIntp(1)},
		},
		{
			name: "used exactly now",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(0, "us-west-2") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used less than a day ago in us-west-2", roleIntp(0)},
		},
		{
			name: "last used after now (clock skew)",
			edit: func(r *iamsweep.Role) {
				r.LastUsed = iamsweep.Usage{Time: roleNow.Add(time.Second), Region: "us-east-1"}
			},
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed,
				"last used 2026-03-15T12:00:01Z in us-east-1, after the evaluation time 2026-03-15T12:00:00Z", roleIntp(0)},
		},
		{
			name: "last used days after now, region empty",
			edit: func(r *iamsweep.Role) { r.LastUsed = iamsweep.Usage{Time: roleNow.Add(roleDays(3))} },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed,
				"last used 2026-03-18T12:00:00Z, after the evaluation time 2026-03-15T12:00:00Z", roleIntp(0)},
		},
		{
			name: "creation date unknown, last used N+1 days ago",
			edit: func(r *iamsweep.Role) { r.Created = time.Time{}; r.LastUsed = used(roleDays(n+1), "us-east-1") },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 91 days ago in us-east-1", roleIntp(91)},
		},
		{
			name: "creation date unknown, used less than a day ago",
			edit: func(r *iamsweep.Role) { r.Created = time.Time{}; r.LastUsed = used(time.Hour, "us-east-1") },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used less than a day ago in us-east-1", roleIntp(0)},
		},

		// N = 1.
		{
			name: "N=1, created 1 day ago",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDay) },
			opts: func(o *Options) { o.UnusedDays = 1 },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created 1 day ago: too new to judge", nil},
		},
		{
			name: "N=1, created 2 days ago, no recorded use",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(roleDays(2)) },
			opts: func(o *Options) { o.UnusedDays = 1 },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse, "no recorded use since it was created 2 days ago", nil},
		},
		{
			name: "N=1, last used exactly 1 day ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDay, "us-east-1") },
			opts: func(o *Options) { o.UnusedDays = 1 },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 1 day ago in us-east-1", roleIntp(1)},
		},
		{
			name: "N=1, last used 2 days less 1 second ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(2)-time.Second, "us-east-1") },
			opts: func(o *Options) { o.UnusedDays = 1 },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 1 day ago in us-east-1", roleIntp(1)},
		},
		{
			name: "N=1, last used 2 days ago",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(2), "us-east-1") },
			opts: func(o *Options) { o.UnusedDays = 1 },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 2 days ago in us-east-1", roleIntp(2)},
		},
		{
			name: "default threshold",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(DefaultUnusedDays+1), "us-east-1") },
			opts: func(o *Options) { o.UnusedDays = DefaultUnusedDays },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 91 days ago in us-east-1", roleIntp(91)},
		},

		// Rule 1: allowlist.
		{
			name: "allowlist exempts an unused role",
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t, "/security-*|/app/*") },
			want: roleVerdict{iamsweep.VerdictExempt, iamsweep.RuleAllowlist, "matches allowlist pattern /app/*", nil},
		},
		{
			name: "allowlist exempts a role too new to judge",
			edit: func(r *iamsweep.Role) { r.Created = roleAgo(time.Hour) },
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t, "*deployer") },
			want: roleVerdict{iamsweep.VerdictExempt, iamsweep.RuleAllowlist, "matches allowlist pattern *deployer", nil},
		},
		{
			name: "allowlisted role still carries DaysUnused",
			edit: func(r *iamsweep.Role) { r.LastUsed = used(roleDays(200), "us-east-1") },
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t, "/app/deployer") },
			want: roleVerdict{iamsweep.VerdictExempt, iamsweep.RuleAllowlist, "matches allowlist pattern /app/deployer", roleIntp(200)},
		},
		{
			name: "allowlist matches path and name, not the name alone",
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t, "deployer", "/deployer") },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; created 500 days ago", nil},
		},
		{
			name: "allowlist is case-sensitive",
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t, "/APP/*") },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; created 500 days ago", nil},
		},
		{
			name: "empty allowlist",
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t) },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; created 500 days ago", nil},
		},
		{
			name: "allowlist takes precedence over managed",
			edit: func(r *iamsweep.Role) {
				r.Path, r.Name = "/aws-service-role/elasticloadbalancing.amazonaws.com/", "AWSServiceRoleForElasticLoadBalancing"
			},
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t, "/aws-service-role/*") },
			want: roleVerdict{iamsweep.VerdictExempt, iamsweep.RuleAllowlist, "matches allowlist pattern /aws-service-role/*", nil},
		},
		{
			name: "allowlist takes precedence over an organization role",
			edit: func(r *iamsweep.Role) { r.Path, r.Name = "/", "OrganizationAccountAccessRole" },
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t, "/Organization*") },
			want: roleVerdict{iamsweep.VerdictExempt, iamsweep.RuleAllowlist, "matches allowlist pattern /Organization*", nil},
		},
		{
			name: "unicode path and IAM name characters, allowlisted",
			edit: func(r *iamsweep.Role) { r.Path, r.Name = "/tëam/ü/", "a+b=c,d.e@f-g_h" },
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t, "/tëam/?/a+b=c,d.e@f-g_h") },
			want: roleVerdict{iamsweep.VerdictExempt, iamsweep.RuleAllowlist, "matches allowlist pattern /tëam/?/a+b=c,d.e@f-g_h", nil},
		},
		{
			name: "unicode path and IAM name characters, not allowlisted",
			edit: func(r *iamsweep.Role) {
				r.Path, r.Name = "/tëam/ü/", "a+b=c,d.e@f-g_h"
				r.LastUsed = used(roleDays(100), "eu-central-2")
			},
			opts: func(o *Options) { o.Allowlist = roleAllowlist(t, "/team/*", "/tëam/ü/a+b") },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 100 days ago in eu-central-2", roleIntp(100)},
		},

		// Rule 2: managed roles.
		{
			name: "service-linked role exempt",
			edit: func(r *iamsweep.Role) {
				r.Path, r.Name = "/aws-service-role/elasticloadbalancing.amazonaws.com/", "AWSServiceRoleForElasticLoadBalancing"
			},
			want: roleVerdict{iamsweep.VerdictExempt, iamsweep.RuleServiceLinked,
				"service-linked role: owned by its AWS service, which alone can delete it", nil},
		},
		{
			name: "service-linked role with IncludeManaged is evaluated",
			edit: func(r *iamsweep.Role) {
				r.Path, r.Name = "/aws-service-role/elasticloadbalancing.amazonaws.com/", "AWSServiceRoleForElasticLoadBalancing"
				r.LastUsed = used(roleDays(120), "us-east-1")
			},
			opts: func(o *Options) { o.IncludeManaged = true },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 120 days ago in us-east-1", roleIntp(120)},
		},
		{
			name: "service-linked role with IncludeManaged, no recorded use",
			edit: func(r *iamsweep.Role) {
				r.Path, r.Name = "/aws-service-role/support.amazonaws.com/", "AWSServiceRoleForSupport"
			},
			opts: func(o *Options) { o.IncludeManaged = true },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; created 500 days ago", nil},
		},
		{
			name: "managed role with IncludeManaged still gets the grace period",
			edit: func(r *iamsweep.Role) { r.Name, r.Created = "OrganizationAccountAccessRole", roleAgo(roleDays(3)) },
			opts: func(o *Options) { o.IncludeManaged = true },
			want: roleVerdict{iamsweep.VerdictUsed, iamsweep.RuleGracePeriod, "created 3 days ago: too new to judge", nil},
		},
		{
			name: "managed role exempt even when too new",
			edit: func(r *iamsweep.Role) {
				r.Path, r.Name, r.Created = "/", "AWSControlTowerExecution", roleAgo(time.Hour)
			},
			want: roleVerdict{iamsweep.VerdictExempt, iamsweep.RuleOrganization,
				"AWS Control Tower role: protected by Control Tower's mandatory controls", nil},
		},
		{
			name: "managed role exempt keeps DaysUnused",
			edit: func(r *iamsweep.Role) {
				r.Path, r.Name = "/aws-reserved/sso.amazonaws.com/eu-west-1/", "AWSReservedSSO_Admin_0123456789abcdef"
				r.LastUsed = used(roleDays(300), "eu-west-1")
			},
			want: roleVerdict{iamsweep.VerdictExempt, iamsweep.RuleIdentityCenter,
				"IAM Identity Center role: managed through permission sets, not IAM", roleIntp(300)},
		},
		{
			name: "service-role path is an ordinary role",
			edit: func(r *iamsweep.Role) { r.Path, r.Name = "/service-role/", "aws-codestar-service-role" },
			want: roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; created 500 days ago", nil},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := roleFixture()
			if tt.edit != nil {
				tt.edit(&r)
			}
			o := Options{Now: roleNow, UnusedDays: n}
			if tt.opts != nil {
				tt.opts(&o)
			}
			got := Role(r, o)
			if diff := cmp.Diff(tt.want, roleVerdictOf(got)); diff != "" {
				t.Errorf("Role verdict mismatch (-want +got):\n%s", diff)
			}
			if strings.Contains(strings.ToLower(got.Reason), "never") {
				t.Errorf("Reason %q claims the role was never used", got.Reason)
			}
		})
	}
}

// TestRole_finding checks every field of the finding, not only the verdict.
func TestRole_finding(t *testing.T) {
	r := roleFixture()
	r.Path, r.Name = "/tëam/ü/", "a+b=c,d.e@f-g_h"
	r.ARN = "arn:aws:iam::123456789012:role/tëam/ü/a+b=c,d.e@f-g_h"
	r.LastUsed = iamsweep.Usage{Time: roleAgo(roleDays(91) + time.Hour), Region: "us-east-1"}
	got := Role(r, Options{Now: roleNow, UnusedDays: 90})
	want := iamsweep.Finding{
		Type:        iamsweep.TypeUnusedIAMRole,
		AccountID:   "123456789012",
		ARN:         "arn:aws:iam::123456789012:role/tëam/ü/a+b=c,d.e@f-g_h",
		PrincipalID: "AROAEXAMPLEID0000001",
		Name:        "a+b=c,d.e@f-g_h",
		Path:        "/tëam/ü/",
		Verdict:     iamsweep.VerdictUnused,
		Rule:        iamsweep.RuleLastUsed,
		Reason:      "last used 91 days ago in us-east-1",
		Created:     roleAgo(roleDays(500)),
		LastUsed:    iamsweep.Usage{Time: roleAgo(roleDays(91) + time.Hour), Region: "us-east-1"},
		DaysUnused:  roleIntp(91),
		Tags:        []iamsweep.Tag{{Key: "team", Value: "ops"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Role mismatch (-want +got):\n%s", diff)
	}
	if !got.Unused() {
		t.Errorf("Unused() = false, want true")
	}
}

// TestRole_managed runs every built-in family through Role, with and
// without IncludeManaged. Without it the role is exempt by its family's rule
// and reason; with it the old, idle role is unused like any other.
func TestRole_managed(t *testing.T) {
	tests := []struct {
		name       string
		path, role string
		wantRule   iamsweep.Rule
		wantReason string
	}{
		{"service-linked", "/aws-service-role/elasticloadbalancing.amazonaws.com/", "AWSServiceRoleForElasticLoadBalancing",
			iamsweep.RuleServiceLinked, "service-linked role: owned by its AWS service, which alone can delete it"},
		{"service-linked directly under the prefix", "/aws-service-role/", "AWSServiceRoleForX",
			iamsweep.RuleServiceLinked, "service-linked role: owned by its AWS service, which alone can delete it"},
		{"Identity Center", "/aws-reserved/sso.amazonaws.com/", "AWSReservedSSO_ReadOnly_0123456789abcdef",
			iamsweep.RuleIdentityCenter, "IAM Identity Center role: managed through permission sets, not IAM"},
		{"Identity Center with a Region", "/aws-reserved/sso.amazonaws.com/eu-west-1/", "AWSReservedSSO_Admin_0123456789abcdef",
			iamsweep.RuleIdentityCenter, "IAM Identity Center role: managed through permission sets, not IAM"},
		{"organization account access", "/", "OrganizationAccountAccessRole",
			iamsweep.RuleOrganization, "AWS Organizations account access role: the organization's way into this account"},
		{"organization account access under a path", "/org/", "OrganizationAccountAccessRole",
			iamsweep.RuleOrganization, "AWS Organizations account access role: the organization's way into this account"},
		{"Control Tower execution", "/", "AWSControlTowerExecution",
			iamsweep.RuleOrganization, "AWS Control Tower role: protected by Control Tower's mandatory controls"},
		{"Control Tower in the middle of a name", "/", "MyAWSControlTowerHelper",
			iamsweep.RuleOrganization, "AWS Control Tower role: protected by Control Tower's mandatory controls"},
		{"aws-controltower prefix", "/", "aws-controltower-AdministratorExecutionRole",
			iamsweep.RuleOrganization, "AWS Control Tower role: protected by Control Tower's mandatory controls"},
		{"StackSets service-managed execution", "/", "stacksets-exec-0123456789abcdef0123456789abcdef",
			iamsweep.RuleOrganization, "CloudFormation StackSets execution role (service-managed StackSets)"},
		{"StackSets self-managed execution", "/", "AWSCloudFormationStackSetExecutionRole",
			iamsweep.RuleOrganization, "CloudFormation StackSets execution role (self-managed StackSets)"},
		{"StackSets self-managed administration", "/", "AWSCloudFormationStackSetAdministrationRole",
			iamsweep.RuleOrganization, "CloudFormation StackSets administration role (self-managed StackSets)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := roleFixture()
			r.Path, r.Name = tt.path, tt.role
			got := Role(r, Options{Now: roleNow, UnusedDays: 90})
			want := roleVerdict{iamsweep.VerdictExempt, tt.wantRule, tt.wantReason, nil}
			if diff := cmp.Diff(want, roleVerdictOf(got)); diff != "" {
				t.Errorf("Role mismatch (-want +got):\n%s", diff)
			}
			got = Role(r, Options{Now: roleNow, UnusedDays: 90, IncludeManaged: true})
			want = roleVerdict{iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse,
				"no recorded use in IAM's 400-day tracking period; created 500 days ago", nil}
			if diff := cmp.Diff(want, roleVerdictOf(got)); diff != "" {
				t.Errorf("Role with IncludeManaged mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestWholeDays(t *testing.T) {
	tests := []struct {
		name string
		d    time.Duration
		want int
	}{
		{name: "zero", d: 0, want: 0},
		{name: "one nanosecond", d: time.Nanosecond, want: 0},
		{name: "a day less a nanosecond", d: roleDay - time.Nanosecond, want: 0},
		{name: "exactly a day", d: roleDay, want: 1},
		{name: "two days less a second", d: 2*roleDay - time.Second, want: 1},
		{name: "exactly 90 days", d: roleDays(90), want: 90},
		{name: "90 days and a second", d: roleDays(90) + time.Second, want: 90},
		{name: "minus one nanosecond", d: -time.Nanosecond, want: -1},
		{name: "minus a day less a nanosecond", d: -roleDay + time.Nanosecond, want: -1},
		{name: "minus exactly a day", d: -roleDay, want: -1},
		{name: "minus a day and a nanosecond", d: -roleDay - time.Nanosecond, want: -2},
		{name: "minus exactly two days", d: -2 * roleDay, want: -2},
		{name: "minus 90 days and a second", d: -roleDays(90) - time.Second, want: -91},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := WholeDays(roleNow, roleNow.Add(tt.d)); got != tt.want {
				t.Errorf("WholeDays(now, now%+v) = %d, want %d", tt.d, got, tt.want)
			}
		})
	}
}

func TestWholeDays_zones(t *testing.T) {
	// 24-hour days between instants: zones and calendar days do not count.
	from := time.Date(2026, 3, 7, 12, 0, 0, 0, time.FixedZone("EST", -5*3600))
	to := from.Add(23 * time.Hour).In(time.FixedZone("EDT", -4*3600)) // 2026-03-08 12:00 local
	if got := WholeDays(from, to); got != 0 {
		t.Errorf("WholeDays over 23 hours = %d, want 0", got)
	}
	if got := WholeDays(from.UTC(), from.Add(roleDay).In(time.FixedZone("X", 14*3600))); got != 1 {
		t.Errorf("WholeDays over 24 hours in other zones = %d, want 1", got)
	}
}
