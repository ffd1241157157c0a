package detect

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/iamsweep/iamsweep"
)

func FuzzCompilePattern(f *testing.F) {
	for _, s := range []string{
		"/service-role/*", "/breakglass-role", "/security-*", "*", "?", "/[abc]", "/[!a-z]x", "/[^a-z]", "/[]]",
		"/[!]]", `/a\b`, "/[*]", "/[[]", "[", "[]", "[z-a]", "/tëam/ü/*", "/a+b=c,d.e@f-g_h", "/[ü-é]", "\xff", "",
	} {
		f.Add(s, s)
		f.Add(s, "/service-role/x")
	}
	f.Fuzz(func(t *testing.T, pattern, in string) {
		p, err := CompilePattern(pattern)
		literal := !strings.ContainsAny(pattern, "*?[")
		if err != nil {
			if literal && pattern != "" && utf8.ValidString(pattern) {
				t.Fatalf("CompilePattern(%q) of a literal: %v", pattern, err)
			}
			return
		}
		if p.String() != pattern {
			t.Fatalf("String() = %q, want %q", p.String(), pattern)
		}
		got := p.Match(in)
		if literal {
			if !p.Match(pattern) {
				t.Fatalf("literal pattern %q does not match itself", pattern)
			}
			if want := in == pattern; got != want {
				t.Fatalf("literal pattern %q: Match(%q) = %v, want %v", pattern, in, got, want)
			}
		}
		// A pattern matches what it matches with "*" around it.
		if got {
			wide, err := CompilePattern("*" + pattern + "*")
			if err != nil {
				t.Fatalf("CompilePattern(*%s*): %v", pattern, err)
			}
			if !wide.Match(in) {
				t.Fatalf("%q matches %q but *%s* does not", pattern, in, pattern)
			}
		}
	})
}

func FuzzRole(f *testing.F) {
	base := time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC).Unix()
	f.Add(base, base-500*86400, true, base-91*86400, true, 90, "/", "deployer", "us-east-1", false)
	f.Add(base, base-90*86400, true, int64(0), false, 90, "/app/", "x", "", false)
	f.Add(base, base+1, true, base+1, true, 1, "/aws-service-role/x/", "AWSServiceRoleForX", "", false)
	f.Add(base, int64(0), false, base-86400, true, 1, "/aws-service-role/x/", "AWSServiceRoleForX", "eu-west-1", true)
	f.Add(base, base-1000*86400, true, int64(0), false, 400, "/tëam/ü/", "a+b=c,d.e@f-g_h", "", false)
	f.Add(base, base-1000*86400, true, int64(0), false, 90, "/fuzz/", "OrganizationAccountAccessRole", "", false)
	f.Add(int64(-1<<62), int64(1<<62), true, int64(-1<<62), true, -5, "", "", "", true)
	f.Fuzz(func(t *testing.T, nowSec, createdSec int64, createdKnown bool, lastSec int64, lastKnown bool,
		n int, path, name, region string, includeManaged bool) {
		allow, err := NewAllowlist([]string{"/fuzz/*|*-exempt"})
		if err != nil {
			t.Fatal(err)
		}
		now := time.Unix(nowSec, 0).UTC()
		r := iamsweep.Role{AccountID: "123456789012", ARN: "arn", ID: "AROA", Path: path, Name: name}
		if createdKnown {
			r.Created = time.Unix(createdSec, 0)
		}
		if lastKnown {
			r.LastUsed = iamsweep.Usage{Time: time.Unix(lastSec, 0), Region: region}
		}
		o := Options{Now: now, UnusedDays: n, Allowlist: allow, IncludeManaged: includeManaged}
		got := Role(r, o)

		if got.Type != iamsweep.TypeUnusedIAMRole || got.ARN != r.ARN || got.Name != name || got.Path != path ||
			got.PrincipalID != r.ID || got.AccountID != r.AccountID || !got.Created.Equal(r.Created) || got.LastUsed != r.LastUsed {
			t.Fatalf("finding does not carry the role's identity: %+v", got)
		}
		if got.Reason == "" || strings.Contains(strings.ToLower(got.Reason), "never") {
			t.Fatalf("bad reason %q", got.Reason)
		}
		if (got.DaysUnused == nil) != r.LastUsed.IsZero() {
			t.Fatalf("DaysUnused = %v with LastUsed %v", got.DaysUnused, r.LastUsed)
		}
		if got.DaysUnused != nil && *got.DaysUnused < 0 {
			t.Fatalf("DaysUnused = %d, want >= 0", *got.DaysUnused)
		}

		// Exactly one verdict, consistent with its rule.
		rules := map[iamsweep.Verdict][]iamsweep.Rule{
			iamsweep.VerdictExempt: {iamsweep.RuleAllowlist, iamsweep.RuleServiceLinked, iamsweep.RuleIdentityCenter, iamsweep.RuleOrganization},
			iamsweep.VerdictUsed:   {iamsweep.RuleGracePeriod, iamsweep.RuleLastUsed},
			iamsweep.VerdictUnused: {iamsweep.RuleNoRecordedUse, iamsweep.RuleLastUsed},
		}
		allowed, ok := rules[got.Verdict]
		if !ok {
			t.Fatalf("verdict %q is not one of used, unused, exempt", got.Verdict)
		}
		found := false
		for _, rule := range allowed {
			found = found || rule == got.Rule
		}
		if !found {
			t.Fatalf("verdict %q with rule %q", got.Verdict, got.Rule)
		}

		// The contract, rule by rule.
		want := func(v iamsweep.Verdict, rule iamsweep.Rule) {
			t.Helper()
			if got.Verdict != v || got.Rule != rule {
				t.Fatalf("Role(%+v, n=%d, now=%v) = %s/%s (%q), want %s/%s", r, n, now, got.Verdict, got.Rule, got.Reason, v, rule)
			}
		}
		if _, ok := allow.Match(r.PathName()); ok {
			want(iamsweep.VerdictExempt, iamsweep.RuleAllowlist)
			return
		}
		if m, ok := matchManaged(path, name); ok && !includeManaged {
			want(iamsweep.VerdictExempt, m.Rule)
			return
		}
		if got.Verdict == iamsweep.VerdictExempt {
			t.Fatalf("exempt with rule %q, but no allowlist pattern or managed family applies", got.Rule)
		}
		switch {
		case !r.Created.IsZero() && (r.Created.After(now) || WholeDays(r.Created, now) <= n):
			want(iamsweep.VerdictUsed, iamsweep.RuleGracePeriod)
		case r.LastUsed.IsZero():
			want(iamsweep.VerdictUnused, iamsweep.RuleNoRecordedUse)
		case r.LastUsed.Time.After(now):
			// Clock skew: a use after the evaluation time is recent.
			want(iamsweep.VerdictUsed, iamsweep.RuleLastUsed)
		case WholeDays(r.LastUsed.Time, now) > n:
			want(iamsweep.VerdictUnused, iamsweep.RuleLastUsed)
		default:
			want(iamsweep.VerdictUsed, iamsweep.RuleLastUsed)
		}
	})
}
