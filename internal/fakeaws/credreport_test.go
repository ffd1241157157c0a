package fakeaws

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/credreport"
)

func iamClient(srv *Server) *iam.Client {
	return iam.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIAFAKE", "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer:      func() aws.Retryer { return retry.NewStandard(func(o *retry.StandardOptions) { o.MaxAttempts = 1 }) },
	})
}

func code(err error) string {
	var apiErr smithy.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode()
	}
	return ""
}

func TestServer_CredentialReportStates(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	acct := &Account{ID: "111122223333", Users: []*User{{Name: "alice", AccessKeys: []*AccessKey{{}}}}}
	srv := New(t, WithAccounts(acct), WithReportDelay(2), WithClock(clock))
	c := iamClient(srv)
	ctx := context.Background()

	if _, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{}); code(err) != "ReportNotPresent" {
		t.Fatalf("before generating: err %v, want ReportNotPresent", err)
	}
	var states []iamtypes.ReportStateType
	for i := 0; i < 4; i++ {
		out, err := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
		if err != nil {
			t.Fatal(err)
		}
		states = append(states, out.State)
		if i == 0 {
			if _, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{}); code(err) != "ReportInProgress" {
				t.Fatalf("while generating: err %v, want ReportInProgress", err)
			}
		}
	}
	want := []iamtypes.ReportStateType{iamtypes.ReportStateTypeStarted, iamtypes.ReportStateTypeInprogress, iamtypes.ReportStateTypeComplete, iamtypes.ReportStateTypeComplete}
	if diff := cmp.Diff(want, states); diff != "" {
		t.Errorf("states (-want +got):\n%s", diff)
	}
	out, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if err != nil {
		t.Fatal(err)
	}
	if out.ReportFormat != iamtypes.ReportFormatTypeTextCsv || !aws.ToTime(out.GeneratedTime).Equal(now) {
		t.Errorf("format %q, generated %v", out.ReportFormat, out.GeneratedTime)
	}
	users, err := credreport.Parse(bytes.NewReader(out.Content), "report")
	if err != nil {
		t.Fatalf("the fake's report does not parse: %v\n%s", err, out.Content)
	}
	if len(users) != 2 || !users[0].Root || users[1].Name != "alice" || len(users[1].AccessKeys) != 1 {
		t.Errorf("report users = %+v", users)
	}

	// A report is a snapshot: a later change is not in it.
	acct.Users[0].MFA = true
	out, _ = c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
	if users, _ := credreport.Parse(bytes.NewReader(out.Content), "report"); users[1].MFAActive {
		t.Error("the report changed after it was generated")
	}

	// After four hours it expires, and generating starts a new one.
	now = now.Add(4*time.Hour + time.Second)
	if _, err := c.GetCredentialReport(ctx, &iam.GetCredentialReportInput{}); code(err) != "ReportExpired" {
		t.Errorf("after four hours: err %v, want ReportExpired", err)
	}
	if out, _ := c.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{}); out.State != iamtypes.ReportStateTypeStarted {
		t.Errorf("state after expiry %q, want STARTED", out.State)
	}
}

func TestServer_CredentialReportWire(t *testing.T) {
	// On the wire Content is a base64 blob inside XML, as the model says.
	srv := New(t, WithAccounts(&Account{ID: "111122223333"}), WithReportDelay(0))
	c := iamClient(srv)
	if _, err := c.GenerateCredentialReport(context.Background(), &iam.GenerateCredentialReportInput{}); err != nil {
		t.Fatal(err)
	}
	acct := srv.Account("111122223333")
	x := &xmlw{}
	if e := srv.getCredentialReport(acct, nil, x); e != nil {
		t.Fatal(e)
	}
	want := "<Content>" + base64.StdEncoding.EncodeToString(acct.report.content) + "</Content>"
	if !bytes.Contains(x.b.Bytes(), []byte(want)) {
		t.Errorf("Content is not the base64 of the report: %s", x.b.String())
	}
}

func TestServer_ListAccessKeys(t *testing.T) {
	created := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	acct := &Account{ID: "111122223333", Users: []*User{{Name: "Alice", AccessKeys: []*AccessKey{
		{ID: "AKIA0000000000000001", Created: created},
		{ID: "AKIA0000000000000002", Created: created.Add(time.Hour), Inactive: true},
	}}}}
	srv := New(t, WithAccounts(acct))
	c := iamClient(srv)
	var got []string
	p := iam.NewListAccessKeysPaginator(c, &iam.ListAccessKeysInput{UserName: aws.String("alice"), MaxItems: aws.Int32(1)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range page.AccessKeyMetadata {
			got = append(got, aws.ToString(k.UserName)+" "+aws.ToString(k.AccessKeyId)+" "+string(k.Status)+" "+aws.ToTime(k.CreateDate).Format(time.RFC3339))
		}
	}
	want := []string{
		"Alice AKIA0000000000000001 Active 2025-01-01T00:00:00Z",
		"Alice AKIA0000000000000002 Inactive 2025-01-01T01:00:00Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	if n := srv.CallCount("ListAccessKeys"); n != 2 {
		t.Errorf("%d calls for 2 pages of 1", n)
	}
	if _, err := c.ListAccessKeys(context.Background(), &iam.ListAccessKeysInput{UserName: aws.String("nobody")}); code(err) != "NoSuchEntity" {
		t.Errorf("unknown user: err %v, want NoSuchEntity", err)
	}
}

func TestServer_UserDetails(t *testing.T) {
	acct := &Account{ID: "111122223333",
		Roles: []*Role{{Name: "r1"}, {Name: "r2"}},
		Users: []*User{{Name: "u1", Groups: []string{"g"}, Boundary: "arn:aws:iam::111122223333:policy/b"}, {Name: "u2"}, {Name: "u3"}}}
	srv := New(t, WithAccounts(acct))
	c := iamClient(srv)
	var users, roles []string
	p := iam.NewGetAccountAuthorizationDetailsPaginator(c, &iam.GetAccountAuthorizationDetailsInput{
		Filter: []iamtypes.EntityType{iamtypes.EntityTypeUser, iamtypes.EntityTypeRole}, MaxItems: aws.Int32(2)})
	for p.HasMorePages() {
		page, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range page.UserDetailList {
			users = append(users, aws.ToString(u.UserName))
			if aws.ToString(u.UserName) == "u1" {
				if len(u.GroupList) != 1 || u.GroupList[0] != "g" || u.PermissionsBoundary == nil ||
					u.PermissionsBoundary.PermissionsBoundaryType != iamtypes.PermissionsBoundaryAttachmentTypePolicy {
					t.Errorf("u1 detail = %+v", u)
				}
			}
		}
		for _, r := range page.RoleDetailList {
			roles = append(roles, aws.ToString(r.RoleName))
		}
	}
	if diff := cmp.Diff([]string{"u1", "u2", "u3"}, users); diff != "" {
		t.Errorf("users (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"r1", "r2"}, roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if n := srv.CallCount("GetAccountAuthorizationDetails"); n != 3 {
		t.Errorf("%d pages for 5 entities at 2 a page, want 3", n)
	}
}
