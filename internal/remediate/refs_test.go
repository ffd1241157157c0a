package remediate

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestMakePlan_References(t *testing.T) {
	const acct = "111122223333"
	etl := finding(iamsweep.TypeUnusedIAMRole, acct, "/", "nightly-etl", iamsweep.VerdictUnused)
	lambdaRef := iamsweep.Reference{Kind: iamsweep.RefLambdaFunction, AccountID: acct, Region: "eu-west-1",
		ARN: "arn:aws:lambda:eu-west-1:111122223333:function:nightly-etl", Why: "Lambda function nightly-etl uses this role", BlocksDelete: true}
	profileRef := iamsweep.Reference{Kind: iamsweep.RefInstanceProfile, AccountID: acct, ARN: "arn:aws:iam::111122223333:instance-profile/p", Why: "instance profile p holds this role"}
	many := []iamsweep.Reference{lambdaRef, lambdaRef, lambdaRef, lambdaRef, lambdaRef}
	const lambdaText = "Lambda function nightly-etl uses this role (arn:aws:lambda:eu-west-1:111122223333:function:nightly-etl in eu-west-1)"
	notChecked := []iamsweep.NotChecked{{Region: "us-east-1", Service: "lambda functions", Reason: "access denied: lambda:ListFunctions"}, {Service: "s3", Reason: "x"}}
	const notCheckedText = "lambda functions (us-east-1): access denied: lambda:ListFunctions; s3 (global): x"
	notReadRefusal := "references not read for this principal: run iamsweep refs " + etl.ARN + " and plan with its output, or set remediation.delete-unchecked: true"
	tests := []struct {
		name       string
		kind       iamsweep.ActionKind
		refs       map[string]iamsweep.PrincipalReferences
		deleteRefd bool
		// deleteUnchecked sets the policy's DeleteUnchecked.
		deleteUnchecked bool
		wantRefused     string
		wantNotes       []string // beyond the kind's own
	}{
		{name: "references not read: no change", kind: iamsweep.ActionDelete},
		{name: "delete of an unreferenced role", kind: iamsweep.ActionDelete,
			refs: map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN}}},
		{name: "delete of a role only an instance profile holds", kind: iamsweep.ActionDelete,
			refs: map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN, References: []iamsweep.Reference{profileRef}}}},
		{name: "delete of a role a function uses: refused", kind: iamsweep.ActionDelete,
			refs:        map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN, References: []iamsweep.Reference{lambdaRef, profileRef}}},
			wantRefused: "still referenced: " + lambdaText + "; quarantine it instead (reversible), remove the references, or set remediation.delete-referenced: true"},
		{name: "delete-referenced lets it run, with a note", kind: iamsweep.ActionDelete, deleteRefd: true,
			refs:      map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN, References: []iamsweep.Reference{lambdaRef}}},
			wantNotes: []string{"deleted although still referenced (remediation.delete-referenced): these break: " + lambdaText}},
		{name: "quarantine runs and says what breaks", kind: iamsweep.ActionQuarantine,
			refs:      map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN, References: []iamsweep.Reference{lambdaRef}}},
			wantNotes: []string{"while quarantined, these stop working: " + lambdaText}},
		{name: "many references are counted", kind: iamsweep.ActionQuarantine,
			refs: map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN, References: many}},
			wantNotes: []string{"while quarantined, these stop working: " + lambdaText + "; " + lambdaText + "; " + lambdaText +
				"; and 2 more (iamsweep refs " + etl.ARN + ")"}},
		{name: "a delete with sources not checked: refused", kind: iamsweep.ActionDelete,
			refs:        map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN, NotChecked: notChecked}},
			wantRefused: "references not all checked: " + notCheckedText + "; grant the reads, quarantine it instead (reversible), or set remediation.delete-unchecked: true"},
		{name: "delete-unchecked lets it run, with a note", kind: iamsweep.ActionDelete, deleteUnchecked: true,
			refs:      map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN, NotChecked: notChecked}},
			wantNotes: []string{"references not checked: " + notCheckedText}},
		{name: "a quarantine with sources not checked: noted", kind: iamsweep.ActionQuarantine,
			refs:      map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN, NotChecked: notChecked}},
			wantNotes: []string{"references not checked: " + notCheckedText}},
		{name: "still referenced and not all checked: the reference is the reason", kind: iamsweep.ActionDelete,
			refs:        map[string]iamsweep.PrincipalReferences{etl.ARN: {ARN: etl.ARN, References: []iamsweep.Reference{lambdaRef}, NotChecked: notChecked}},
			wantRefused: "still referenced: " + lambdaText + "; quarantine it instead (reversible), remove the references, or set remediation.delete-referenced: true"},
		{name: "references read for the ARN typed with another path and case: refused", kind: iamsweep.ActionDelete,
			refs: map[string]iamsweep.PrincipalReferences{"arn:aws:iam::111122223333:role/jobs/Nightly-ETL": {ARN: "arn:aws:iam::111122223333:role/jobs/Nightly-ETL",
				References: []iamsweep.Reference{lambdaRef}}},
			wantRefused: "still referenced: " + lambdaText + "; quarantine it instead (reversible), remove the references, or set remediation.delete-referenced: true"},
		{name: "a user of the same name is not covered: the delete is refused", kind: iamsweep.ActionDelete,
			refs:        map[string]iamsweep.PrincipalReferences{"arn:aws:iam::111122223333:user/nightly-etl": {References: []iamsweep.Reference{lambdaRef}}},
			wantRefused: notReadRefusal},
		{name: "a principal the references do not cover: the delete is refused", kind: iamsweep.ActionDelete,
			refs:        map[string]iamsweep.PrincipalReferences{"arn:aws:iam::111122223333:role/other": {}},
			wantRefused: notReadRefusal},
		{name: "delete-unchecked lets an uncovered delete run, with a note", kind: iamsweep.ActionDelete, deleteUnchecked: true,
			refs:      map[string]iamsweep.PrincipalReferences{"arn:aws:iam::111122223333:role/other": {}},
			wantNotes: []string{"references not read for this principal: run iamsweep refs " + etl.ARN + " before applying"}},
		{name: "an uncovered quarantine is noted", kind: iamsweep.ActionQuarantine,
			refs:      map[string]iamsweep.PrincipalReferences{"arn:aws:iam::111122223333:role/other": {}},
			wantNotes: []string{"references not read for this principal: run iamsweep refs " + etl.ARN + " before applying"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := iamsweep.DefaultRemediationPolicy()
			p.Roles, p.DeleteReferenced, p.DeleteUnchecked = tt.kind, tt.deleteRefd, tt.deleteUnchecked
			plan := MakePlan(PlanInput{ID: "p", Scan: iamsweep.ScanResult{Findings: []iamsweep.Finding{etl}}, References: tt.refs}, p)
			if len(plan.Actions) != 1 {
				t.Fatalf("%d actions", len(plan.Actions))
			}
			a := plan.Actions[0]
			if a.Refused != tt.wantRefused {
				t.Errorf("refused = %q\nwant      %q", a.Refused, tt.wantRefused)
			}
			want := append(KindNotes("role", tt.kind), tt.wantNotes...)
			if diff := cmp.Diff(want, a.Notes); diff != "" {
				t.Errorf("notes (-want +got):\n%s", diff)
			}
		})
	}
}

func TestMakePlan_ReferencesLeaveKeysAlone(t *testing.T) {
	key := finding(iamsweep.TypeUnusedIAMUserAccessKey, "111122223333", "/", "bob", iamsweep.VerdictUnused)
	key.AccessKeyID = "AKIAEXAMPLE"
	p := iamsweep.DefaultRemediationPolicy()
	plan := MakePlan(PlanInput{Scan: iamsweep.ScanResult{Findings: []iamsweep.Finding{key}},
		References: map[string]iamsweep.PrincipalReferences{}}, p)
	if len(plan.Actions) != 1 || len(plan.Actions[0].Notes) != len(KindNotes("user", iamsweep.ActionDeactivateKey)) {
		t.Errorf("a key action got reference notes: %+v", plan.Actions)
	}
}
