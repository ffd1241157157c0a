//go:build integration

package integration

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/cli"
	"github.com/iamsweep/iamsweep/internal/planfile"
)

// TestRemediateRefine_moto is moto's opinion on a refine action (moto does
// not implement the service last accessed jobs, so the plan is written as
// iamsweep refine --plan writes it): apply puts the refined inline policy,
// deletes the unused one, creates the refined copy of a customer managed
// policy another role shares, attaches it and detaches the shared one,
// which stays as it was on the other role; restore gives the role its
// policies back and deletes the copy.
func TestRemediateRefine_moto(t *testing.T) {
	e := newRemediationEnv(t)
	ctx := t.Context()
	shared := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:ListBucket","s3:PutObject"],"Resource":"*"}]}`
	sharedRefined := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	queueAll := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`
	sharedARN, err := seedPolicy(ctx, e.IAM, "/ops/", "shared-ops", shared)
	if err != nil {
		t.Fatal(err)
	}
	role, err := seedRole(ctx, e.IAM, roleSpec{Name: "app", Trust: trustEC2, Tags: []tag{{"team", "web"}},
		Inline:   []policySpec{{"read-reports", policyRead}, {"queue-all", queueAll}, {"deny-iam", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"iam:*","Resource":"*"}]}`}},
		Attached: []string{sharedARN}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seedRole(ctx, e.IAM, roleSpec{Name: "other", Trust: trustEC2, Attached: []string{sharedARN}}); err != nil {
		t.Fatal(err)
	}
	before, err := readRole(ctx, e.IAM, "app")
	if err != nil {
		t.Fatal(err)
	}
	readOnly := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::reports","arn:aws:s3:::reports/100%/*"]}]}`
	plan := iamsweep.Plan{ID: "p-refine", Actions: []iamsweep.Action{{
		ID: "a001", Kind: iamsweep.ActionRefine, Principal: "role", AccountID: motoAccount, ARN: role.ARN, Name: "app", Path: "/",
		Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedPermission, AccountID: motoAccount, ARN: role.ARN, PrincipalID: role.ID, Name: "app", Path: "/"},
		Changes: []iamsweep.PolicyChange{
			{Policy: "read-reports", Inline: true, Document: policyRead, Refined: readOnly},
			{Policy: "queue-all", Inline: true, Document: queueAll},
			{Policy: sharedARN, Document: shared, Refined: sharedRefined, RefinedName: "shared-ops-app-refined"},
		},
	}}}
	file := filepath.Join(e.dir, "refine-plan.json")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := planfile.Write(f, plan); err != nil {
		t.Fatal(err)
	}
	f.Close()
	e.judgeLater()

	refinedARN := "arn:aws:iam::" + motoAccount + ":policy/iamsweep/refined/shared-ops-app-refined"
	d, calls := e.apply(t, cli.ExitOK, file)
	if diff := cmp.Diff([]string{"a001 applied"}, d.statuses()); diff != "" {
		t.Fatalf("outcomes (-want +got):\n%s\n%+v", diff, d.Outcomes)
	}
	checkAnswered(t, e, calls)
	wantCalls := []string{
		"PutRolePolicy RoleName=app PolicyName=read-reports",
		"CreatePolicy PolicyName=shared-ops-app-refined Tag=iamsweep:refined-by",
		"AttachRolePolicy RoleName=app PolicyArn=" + refinedARN,
		"DeleteRolePolicy RoleName=app PolicyName=queue-all",
		"DetachRolePolicy RoleName=app PolicyArn=" + sharedARN,
	}
	if diff := cmp.Diff(wantCalls, mutations(calls)); diff != "" {
		t.Errorf("changes apply made, in order (-want +got):\n%s", diff)
	}
	got, err := readRole(ctx, e.IAM, "app")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{refinedARN}, got.AttachedPolicies); diff != "" {
		t.Errorf("attached after apply (-want +got):\n%s", diff)
	}
	if _, ok := got.InlinePolicies["queue-all"]; ok || got.InlinePolicies["deny-iam"] == nil {
		t.Errorf("inline policies after apply: %v", got.InlinePolicies)
	}
	sp, err := e.IAM.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(sharedARN)})
	if err != nil || aws.ToString(sp.Policy.DefaultVersionId) != "v1" {
		t.Errorf("the shared policy: %v %+v; want it unedited", err, sp)
	}
	other, err := e.IAM.ListAttachedRolePolicies(ctx, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String("other")})
	if err != nil || len(other.AttachedPolicies) != 1 || aws.ToString(other.AttachedPolicies[0].PolicyArn) != sharedARN {
		t.Errorf("role other: %v %+v; want the shared policy still attached", err, other)
	}

	r, calls := e.restore(t, role.ARN)
	checkAnswered(t, e, calls)
	if !slices.Contains(mutations(calls), "DeletePolicy PolicyArn="+refinedARN) {
		t.Errorf("restore calls %q: the refined policy not deleted", r.Calls)
	}
	after, err := readRole(ctx, e.IAM, "app")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(before, after); diff != "" {
		t.Errorf("the role after restore (-before +after):\n%s", diff)
	}
	_, err = e.IAM.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(refinedARN)})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "NoSuchEntity" {
		t.Errorf("the refined policy after restore: %v, want NoSuchEntity", err)
	}
}
