package awsapi

import (
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

func TestClient_ManagedPolicies(t *testing.T) {
	created := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID,
		Policies: []*fakeaws.ManagedPolicy{{Name: "etl-glue", Path: "/data/", Created: created,
			Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["glue:StartJobRun","glue:GetJob*"],"Resource":"*"}]}`}},
		Roles: []*fakeaws.Role{{Name: "etl", Attached: []fakeaws.AttachedPolicy{
			{Name: "etl-glue", ARN: "arn:aws:iam::" + testAccountID + ":policy/data/etl-glue"},
			{Name: "AdministratorAccess", ARN: "arn:aws:iam::aws:policy/AdministratorAccess"},
		}}},
	}))
	got, err := testClient(t, srv).ManagedPolicies(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	want := []iamsweep.ManagedPolicy{
		{ARN: "arn:aws:iam::" + testAccountID + ":policy/data/etl-glue", Name: "etl-glue", Path: "/data/", DefaultVersionID: "v1",
			UpdatedAt: created, AttachmentCount: 1, Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{
				{Effect: "Allow", Actions: []string{"glue:StartJobRun", "glue:GetJob*"}, Resources: []string{"*"}}}}},
		{ARN: "arn:aws:iam::aws:policy/AdministratorAccess", Name: "AdministratorAccess", Path: "/", DefaultVersionID: "v1",
			UpdatedAt: time.Date(2015, 2, 6, 18, 39, 46, 0, time.UTC), AttachmentCount: 1, Document: iamsweep.PolicyDocument{
				Version: "2012-10-17", Statements: []iamsweep.Statement{{Effect: "Allow", Actions: []string{"*"}, Resources: []string{"*"}}}}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	// One listing for the run, not one call per policy.
	if n := srv.CallCount("GetAccountAuthorizationDetails"); n != 1 {
		t.Errorf("%d GetAccountAuthorizationDetails calls, want 1", n)
	}
}

func TestClient_ManagedPolicies_accessDenied(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}))
	srv.InjectFault(testAccountID, "GetAccountAuthorizationDetails", 1, 403, "AccessDenied", "User is not authorized to perform: iam:GetAccountAuthorizationDetails")
	_, err := testClient(t, srv).ManagedPolicies(t.Context())
	if !errors.Is(err, iamsweep.ErrAccessDenied) {
		t.Fatalf("err = %v, want ErrAccessDenied", err)
	}
}
