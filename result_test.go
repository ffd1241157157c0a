package iamsweep

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestScanResult_Counts(t *testing.T) {
	r := ScanResult{Findings: []Finding{
		{Type: TypeUnusedIAMRole, Verdict: VerdictUnused},
		{Type: TypeUnusedIAMRole, Verdict: VerdictUnused},
		{Type: TypeUnusedIAMRole, Verdict: VerdictUsed},
		{Type: TypeUnusedIAMRole, Verdict: VerdictExempt},
		{Type: TypeUnusedIAMUser, Verdict: VerdictUsed},
		{Type: TypeUnusedIAMUser, Verdict: VerdictExempt},
		{Type: TypeUnusedIAMUserAccessKey, Verdict: VerdictUnused},
		{Type: TypeRootAccessKey, Verdict: ""},
	}}
	tests := []struct {
		name   string
		result ScanResult
		types  []FindingType
		want   Counts
	}{
		{name: "all types", result: r, want: Counts{Evaluated: 8, Unused: 3, Used: 2, Exempt: 2}},
		{name: "roles", result: r, types: []FindingType{TypeUnusedIAMRole}, want: Counts{Evaluated: 4, Unused: 2, Used: 1, Exempt: 1}},
		{name: "users and keys", result: r, types: []FindingType{TypeUnusedIAMUser, TypeUnusedIAMUserAccessKey}, want: Counts{Evaluated: 3, Unused: 1, Used: 1, Exempt: 1}},
		{name: "repeated type counts once", result: r, types: []FindingType{TypeUnusedIAMUser, TypeUnusedIAMUser}, want: Counts{Evaluated: 2, Used: 1, Exempt: 1}},
		{name: "finding without a verdict is only evaluated", result: r, types: []FindingType{TypeRootAccessKey}, want: Counts{Evaluated: 1}},
		{name: "type without findings", result: r, types: []FindingType{TypeUnusedIAMUserPassword}, want: Counts{}},
		{name: "empty result", result: ScanResult{}, want: Counts{}},
		{name: "empty result with a filter", result: ScanResult{}, types: []FindingType{TypeUnusedIAMRole}, want: Counts{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, tt.result.Counts(tt.types...)); diff != "" {
				t.Errorf("Counts(%v) mismatch (-want +got):\n%s", tt.types, diff)
			}
		})
	}
}

func TestFinding_Unused(t *testing.T) {
	for v, want := range map[Verdict]bool{VerdictUnused: true, VerdictUsed: false, VerdictExempt: false, "": false} {
		if got := (Finding{Verdict: v}).Unused(); got != want {
			t.Errorf("Finding{Verdict: %q}.Unused() = %v, want %v", v, got, want)
		}
	}
}

func TestSortFindings(t *testing.T) {
	// Name is not a sort key; it tells equal findings apart to check that
	// the sort is stable.
	in := []Finding{
		{AccountID: "222222222222", Type: TypeUnusedIAMRole, ARN: "arn:aws:iam::222222222222:role/a", Name: "1"},
		{AccountID: "111111111111", Type: TypeUnusedIAMUserAccessKey, ARN: "arn:aws:iam::111111111111:user/a", Name: "2"},
		{AccountID: "111111111111", Type: TypeUnusedIAMRole, ARN: "arn:aws:iam::111111111111:role/b", Name: "3"},
		{AccountID: "111111111111", Type: TypeUnusedIAMRole, ARN: "arn:aws:iam::111111111111:role/a", Name: "4"},
		{AccountID: "111111111111", Type: TypeUnusedIAMUserAccessKey, ARN: "arn:aws:iam::111111111111:user/a", Name: "5"},
		{AccountID: "111111111111", Type: TypeUnusedIAMRole, ARN: "arn:aws:iam::111111111111:role/a", Name: "6"},
		{AccountID: "111111111111", Type: TypeUnusedIAMUser, ARN: "arn:aws:iam::111111111111:user/a", Name: "7"},
		{AccountID: "", Type: TypeUnusedIAMRole, ARN: "arn:aws:iam::999999999999:role/z", Name: "8"},
		{AccountID: "111111111111", Type: TypeUnusedIAMRole, ARN: "arn:aws:iam::111111111111:role/B", Name: "9"},
	}
	SortFindings(in)
	var got []string
	for _, f := range in {
		got = append(got, f.Name)
	}
	// Account first ("" sorts first), then type (byte order: "UnusedIAMRole"
	// < "UnusedIAMUser" < "UnusedIAMUserAccessKey"), then ARN (byte order,
	// upper case first), and input order among equals.
	want := []string{"8", "9", "4", "6", "3", "7", "2", "5", "1"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("SortFindings order mismatch (-want +got):\n%s", diff)
	}
}

func TestSortFindings_empty(t *testing.T) {
	SortFindings(nil)
	fs := []Finding{}
	SortFindings(fs)
	if len(fs) != 0 {
		t.Errorf("SortFindings of an empty slice gave %d findings", len(fs))
	}
}
