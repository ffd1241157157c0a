package configrule

import (
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

var at = time.Date(2026, 11, 23, 6, 0, 0, 373e6, time.UTC)

func TestFromFindings(t *testing.T) {
	findings := []iamsweep.Finding{
		{Type: iamsweep.TypeUnusedIAMRole, PrincipalID: "AROAUNUSED", Name: "idle", Verdict: iamsweep.VerdictUnused, Reason: "last used 200 days ago in us-east-1"},
		{Type: iamsweep.TypeUnusedIAMRole, PrincipalID: "AROAUSED", Name: "busy", Verdict: iamsweep.VerdictUsed, Reason: "last used 1 day ago"},
		{Type: iamsweep.TypeUnusedIAMRole, PrincipalID: "AROAEXEMPT", Name: "breakglass", Verdict: iamsweep.VerdictExempt, Reason: "matches allowlist pattern /breakglass*"},
		{Type: iamsweep.TypeUnusedIAMUser, PrincipalID: "AIDAUSER", Verdict: iamsweep.VerdictUnused},
		{Type: iamsweep.TypeUnusedIAMRole, PrincipalID: "", Name: "no-id", Verdict: iamsweep.VerdictUnused},
	}
	want := []Evaluation{
		{ResourceType: RoleType, ResourceID: "AROAUNUSED", Compliance: NonCompliant, Annotation: "last used 200 days ago in us-east-1", OrderingTime: at},
		{ResourceType: RoleType, ResourceID: "AROAUSED", Compliance: Compliant, Annotation: "last used 1 day ago", OrderingTime: at},
		{ResourceType: RoleType, ResourceID: "AROAEXEMPT", Compliance: NotApplicable, Annotation: "matches allowlist pattern /breakglass*", OrderingTime: at},
	}
	if diff := cmp.Diff(want, FromFindings(findings, at)); diff != "" {
		t.Errorf("FromFindings (-want +got):\n%s", diff)
	}
}

func TestStale(t *testing.T) {
	current := []Evaluation{{ResourceType: RoleType, ResourceID: "AROAKEPT", Compliance: Compliant}}
	previous := []Evaluation{
		{ResourceType: RoleType, ResourceID: "AROAKEPT", Compliance: NonCompliant},
		{ResourceType: RoleType, ResourceID: "AROAGONE", Compliance: NonCompliant},
		{ResourceType: RoleType, ResourceID: "AROAGONE", Compliance: NonCompliant}, // twice: once
		{ResourceType: RoleType, ResourceID: "AROAGONE2", Compliance: Compliant},
		{ResourceType: RoleType, ResourceID: "AROADONE", Compliance: NotApplicable}, // already
		{ResourceType: RoleType, ResourceID: "legacy-role-name", Compliance: NonCompliant},
		{ResourceType: "AWS::IAM::User", ResourceID: "AIDAX", Compliance: NonCompliant},
	}
	var got []string
	for _, e := range Stale(previous, current, at) {
		if e.Compliance != NotApplicable || e.ResourceType != RoleType || !e.OrderingTime.Equal(at) || e.Annotation == "" {
			t.Errorf("stale evaluation %+v", e)
		}
		got = append(got, e.ResourceID)
	}
	if diff := cmp.Diff([]string{"AROAGONE", "AROAGONE2", "legacy-role-name"}, got); diff != "" {
		t.Errorf("Stale (-want +got):\n%s", diff)
	}
	if s := Stale(nil, current, at); s != nil {
		t.Errorf("Stale of nothing = %v", s)
	}
}

func TestAnnotation(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"short", "last used 3 days ago", "last used 3 days ago"},
		{"exactly 256", strings.Repeat("a", 256), strings.Repeat("a", 256)},
		{"257 ASCII", strings.Repeat("a", 257), strings.Repeat("a", 255) + "…"},
		{"multi-byte kept whole", strings.Repeat("é", 300), strings.Repeat("é", 255) + "…"},
		{"256 multi-byte", strings.Repeat("日", 256), strings.Repeat("日", 256)},
		{"invalid UTF-8", "bad \xff byte", "bad \uFFFD byte"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Annotation(tt.in)
			if got != tt.want {
				t.Errorf("Annotation = %q, want %q", got, tt.want)
			}
			if !utf8.ValidString(got) || utf8.RuneCountInString(got) > MaxAnnotation {
				t.Errorf("Annotation gave %d characters, valid %v", utf8.RuneCountInString(got), utf8.ValidString(got))
			}
		})
	}
}

func TestBatches(t *testing.T) {
	mk := func(n int) []Evaluation { return make([]Evaluation, n) }
	tests := []struct {
		n    int
		want []int
	}{
		{0, nil}, {1, []int{1}}, {100, []int{100}}, {101, []int{100, 1}}, {250, []int{100, 100, 50}},
	}
	for _, tt := range tests {
		var got []int
		for _, b := range Batches(mk(tt.n)) {
			got = append(got, len(b))
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Batches(%d) (-want +got):\n%s", tt.n, diff)
		}
	}
}

func TestCounts(t *testing.T) {
	got := Counts([]Evaluation{{Compliance: Compliant}, {Compliance: NonCompliant}, {Compliance: NonCompliant}})
	if diff := cmp.Diff(map[Compliance]int{Compliant: 1, NonCompliant: 2}, got); diff != "" {
		t.Error(diff)
	}
}
