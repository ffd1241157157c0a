package report

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func role(name string, v iamsweep.Verdict, rule iamsweep.Rule, reason string) iamsweep.Finding {
	return iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/" + name,
		Name: name, Path: "/", Verdict: v, Rule: rule, Reason: reason, Created: asffAsOf.AddDate(-1, 0, 0)}
}

func user(name string, t iamsweep.FindingType, v iamsweep.Verdict, rule iamsweep.Rule) iamsweep.Finding {
	return iamsweep.Finding{Type: t, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/" + name,
		Name: name, Path: "/", Verdict: v, Rule: rule, Reason: string(rule), Created: asffAsOf.AddDate(-1, 0, 0)}
}

// held is the finding Security Hub holds ACTIVE for f, imported at t.
func held(f iamsweep.Finding, t time.Time) ASFFFinding {
	o := asffOpts()
	o.AsOf = t
	f.Verdict = iamsweep.VerdictUnused
	return NewASFFFinding(f, o)
}

func ids(fs []ASFFFinding) []string {
	out := []string{}
	for _, f := range fs {
		out = append(out, strings.TrimPrefix(f.ID, "iamsweep/"))
	}
	return out
}

func TestPlanASFF(t *testing.T) {
	before := asffAsOf.AddDate(0, 0, -7)
	unused := role("unused", iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 200 days ago")
	usedAgain := role("used-again", iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 2 days ago")
	exempted := role("exempted", iamsweep.VerdictExempt, iamsweep.RuleAllowlist, "role matches allowlist pattern /exempted")
	deleted := role("deleted", iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "")
	noData := user("new", iamsweep.TypeUnusedIAMUser, iamsweep.VerdictExempt, iamsweep.RuleNoCredentialData)
	keyGone := user("bob", iamsweep.TypeUnusedIAMUserAccessKey, iamsweep.VerdictUnused, iamsweep.RuleLastUsed)
	keyGone.AccessKeyID, keyGone.KeySlot = "AKIAOLD", 1

	current := []iamsweep.Finding{unused, usedAgain, exempted, noData}
	active := []ASFFFinding{held(unused, before), held(usedAgain, before), held(exempted, before), held(deleted, before), held(noData, before), held(keyGone, before)}

	tests := []struct {
		name        string
		scope       ExportScope
		active      []ASFFFinding
		wantImport  []string
		wantArchive []string
		wantKept    int
		// wantUnchanged counts the unused findings held from the same
		// evaluation.
		wantUnchanged int
		wantStale     []string
	}{
		{
			name:        "a complete scan archives what no longer holds",
			scope:       ExportScope{Complete: true},
			active:      active,
			wantImport:  []string{"UnusedIAMRole/arn:aws:iam::111122223333:role/unused"},
			wantArchive: []string{"UnusedIAMRole/arn:aws:iam::111122223333:role/deleted", "UnusedIAMRole/arn:aws:iam::111122223333:role/exempted", "UnusedIAMRole/arn:aws:iam::111122223333:role/used-again", "UnusedIAMUserAccessKey/arn:aws:iam::111122223333:user/bob/AKIAOLD"},
			wantKept:    1, // the user missing from the credential report
		},
		{
			name:       "a failed scan archives nothing",
			scope:      ExportScope{},
			active:     active,
			wantImport: []string{"UnusedIAMRole/arn:aws:iam::111122223333:role/unused"},
			wantKept:   5,
		},
		{
			name:        "a scan of roles only archives roles only",
			scope:       ExportScope{Complete: true, Types: []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole}},
			active:      active,
			wantImport:  []string{"UnusedIAMRole/arn:aws:iam::111122223333:role/unused"},
			wantArchive: []string{"UnusedIAMRole/arn:aws:iam::111122223333:role/deleted", "UnusedIAMRole/arn:aws:iam::111122223333:role/exempted", "UnusedIAMRole/arn:aws:iam::111122223333:role/used-again"},
			wantKept:    2,
		},
		{
			name:       "nothing held: only imports",
			scope:      ExportScope{Complete: true},
			wantImport: []string{"UnusedIAMRole/arn:aws:iam::111122223333:role/unused"},
		},
		{
			name:       "held later than the evaluation time: not sent",
			scope:      ExportScope{Complete: true},
			active:     []ASFFFinding{held(unused, asffAsOf.Add(time.Minute)), held(deleted, asffAsOf.Add(time.Hour))},
			wantStale:  []string{"iamsweep/UnusedIAMRole/arn:aws:iam::111122223333:role/deleted", "iamsweep/UnusedIAMRole/arn:aws:iam::111122223333:role/unused"},
			wantImport: []string{},
		},
		{
			// A rerun of the same evaluation: the unused finding is there
			// already; the archive it would now make cannot be sent.
			name:          "held from the same evaluation time: unchanged, or stale for an archive",
			scope:         ExportScope{Complete: true},
			active:        []ASFFFinding{held(unused, asffAsOf), held(deleted, asffAsOf)},
			wantUnchanged: 1,
			wantStale:     []string{"iamsweep/UnusedIAMRole/arn:aws:iam::111122223333:role/deleted"},
			wantImport:    []string{},
		},
		{
			name:  "other products' findings and archived ones are not touched",
			scope: ExportScope{Complete: true},
			active: func() []ASFFFinding {
				other := held(deleted, before)
				other.GeneratorID = "security-control/IAM.3"
				archived := held(role("old", iamsweep.VerdictUnused, "", ""), before)
				archived.RecordState = ASFFArchived
				return []ASFFFinding{other, archived}
			}(),
			wantImport: []string{"UnusedIAMRole/arn:aws:iam::111122223333:role/unused"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := asffOpts()
			plan := PlanASFF(current, tt.active, tt.scope, o)
			if tt.wantImport == nil {
				tt.wantImport = []string{}
			}
			if diff := cmp.Diff(tt.wantImport, ids(plan.Import)); diff != "" {
				t.Errorf("imported (-want +got):\n%s", diff)
			}
			if tt.wantArchive == nil {
				tt.wantArchive = []string{}
			}
			if diff := cmp.Diff(tt.wantArchive, ids(plan.Archive)); diff != "" {
				t.Errorf("archived (-want +got):\n%s", diff)
			}
			if plan.Kept != tt.wantKept {
				t.Errorf("kept %d, want %d", plan.Kept, tt.wantKept)
			}
			if plan.Unchanged != tt.wantUnchanged {
				t.Errorf("unchanged %d, want %d", plan.Unchanged, tt.wantUnchanged)
			}
			var stale []string
			for _, s := range plan.Stale {
				stale = append(stale, s.ID)
				if s.Code != CodeNotNewer {
					t.Errorf("stale %s: code %s", s.ID, s.Code)
				}
			}
			if diff := cmp.Diff(tt.wantStale, stale); diff != "" {
				t.Errorf("stale (-want +got):\n%s", diff)
			}
			for _, a := range plan.Archive {
				if a.RecordState != ASFFArchived || a.Compliance.Status != ASFFPassed || a.Severity.Label != SeverityInformational ||
					a.FindingProviderFields.Severity.Label != SeverityInformational || !a.UpdatedAt.Equal(asffAsOf) {
					t.Errorf("archived %s: %s, %s, %s, updated %v", a.ID, a.RecordState, a.Compliance.Status, a.Severity.Label, a.UpdatedAt)
				}
				if a.CreatedAt.IsZero() {
					t.Errorf("archived %s lost its CreatedAt", a.ID)
				}
				if !strings.HasPrefix(a.Description, "Closed on 2026-11-23: ") || a.ProductFields[FieldClosed] == "" {
					t.Errorf("archived %s does not say why: %q", a.ID, a.Description)
				}
			}
			for _, f := range plan.Import {
				if f.RecordState != ASFFActive || f.Compliance.Status != ASFFFailed {
					t.Errorf("imported %s: %s, %s", f.ID, f.RecordState, f.Compliance.Status)
				}
			}
		})
	}
}

func TestPlanASFF_reasons(t *testing.T) {
	before := asffAsOf.AddDate(0, 0, -7)
	usedAgain := role("used-again", iamsweep.VerdictUsed, iamsweep.RuleLastUsed, "last used 2 days ago")
	deleted := role("deleted", iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "")
	unused := role("unused", iamsweep.VerdictUnused, iamsweep.RuleLastUsed, "last used 300 days ago")
	h := held(unused, before)
	h.CreatedAt = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	plan := PlanASFF([]iamsweep.Finding{usedAgain, unused}, []ASFFFinding{held(usedAgain, before), held(deleted, before), h}, ExportScope{Complete: true}, asffOpts())
	got := map[string][2]string{}
	for _, a := range plan.Archive {
		got[a.Resources[0].ID] = [2]string{a.ProductFields[FieldVerdict], a.ProductFields[FieldClosed]}
	}
	want := map[string][2]string{
		"arn:aws:iam::111122223333:role/used-again": {"used", "now used: last used 2 days ago"},
		"arn:aws:iam::111122223333:role/deleted":    {"gone", "no longer in the account (deleted, or the credential removed)"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if len(plan.Import) != 1 || !plan.Import[0].CreatedAt.Equal(h.CreatedAt) {
		t.Errorf("the update of a held finding does not keep its CreatedAt: %+v", plan.Import)
	}
}

// BenchmarkPlanASFF plans the export of an account of 10,000 unused roles
// of which Security Hub holds every one: the ASFF findings are built and
// compared with what is held. It reports the bytes and allocations per
// finding.
func BenchmarkPlanASFF(b *testing.B) {
	const n = 10_000
	findings := make([]iamsweep.Finding, n)
	active := make([]ASFFFinding, n)
	for i := range findings {
		d := 200 + i%300
		findings[i] = iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333",
			ARN: fmt.Sprintf("arn:aws:iam::111122223333:role/app/role-%05d", i), Name: fmt.Sprintf("role-%05d", i), Path: "/app/",
			Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed, Reason: fmt.Sprintf("last used %d days ago", d),
			Created: asffAsOf.AddDate(-2, 0, 0), LastUsed: iamsweep.Usage{Time: asffAsOf.AddDate(0, 0, -d)}, DaysUnused: &d,
			Tags: []iamsweep.Tag{{Key: "owner", Value: "team"}}}
		active[i] = held(findings[i], asffAsOf.AddDate(0, 0, -1))
	}
	o := asffOpts()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		plan := PlanASFF(findings, active, ExportScope{Complete: true}, o)
		if len(plan.Import) != n {
			b.Fatalf("%d imports", len(plan.Import))
		}
	}
	b.ReportMetric(float64(testing.AllocsPerRun(1, func() { PlanASFF(findings, active, ExportScope{Complete: true}, o) }))/n, "allocs/finding")
}
