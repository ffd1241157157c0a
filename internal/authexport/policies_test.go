package authexport

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func readPolicies(t *testing.T, export string) ([]iamsweep.ManagedPolicy, Summary, error) {
	t.Helper()
	var got []iamsweep.ManagedPolicy
	sum, err := Read(context.Background(), strings.NewReader(export), "export.json", Handlers{
		Policy: func(p iamsweep.ManagedPolicy) error { got = append(got, p); return nil },
	})
	return got, sum, err
}

func TestRead_policies(t *testing.T) {
	export := `{"Policies": [
	  {"PolicyName": "AmazonS3ReadOnlyAccess", "PolicyId": "ANPAIZTJ4DXE7G6AGAE6M", "Arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
	   "Path": "/", "DefaultVersionId": "v3", "AttachmentCount": 2, "IsAttachable": true,
	   "CreateDate": "2015-02-06T18:40:59+00:00", "UpdateDate": "2023-08-10T21:31:39+00:00",
	   "PolicyVersionList": [
	     {"Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}]}, "VersionId": "v2", "IsDefaultVersion": false},
	     {"Document": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]}, "VersionId": "v3", "IsDefaultVersion": true}]},
	  {"PolicyName": "app", "Arn": "arn:aws:iam::111122223333:policy/team/app", "Path": "/team/", "DefaultVersionId": "v1",
	   "PolicyVersionList": [{"Document": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22sqs%3ASendMessage%22%2C%22Resource%22%3A%22%2A%22%7D%7D", "VersionId": "v1"}]}
	], "RoleDetailList": [], "IsTruncated": false}`
	got, sum, err := readPolicies(t, export)
	if err != nil {
		t.Fatal(err)
	}
	want := []iamsweep.ManagedPolicy{
		{ARN: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", Name: "AmazonS3ReadOnlyAccess", Path: "/", DefaultVersionID: "v3",
			UpdatedAt: time.Date(2023, 8, 10, 21, 31, 39, 0, time.UTC), AttachmentCount: 2,
			Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{Effect: "Allow", Actions: []string{"s3:Get*", "s3:List*"}, Resources: []string{"*"}}}}},
		{ARN: "arn:aws:iam::111122223333:policy/team/app", Name: "app", Path: "/team/", DefaultVersionID: "v1", AttachmentCount: -1,
			Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{Effect: "Allow", Actions: []string{"sqs:SendMessage"}, Resources: []string{"*"}}}}},
	}
	if diff := cmp.Diff(want, got, cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })); diff != "" {
		t.Errorf("policies (-want +got):\n%s", diff)
	}
	if sum.Policies != 2 {
		t.Errorf("Summary.Policies = %d", sum.Policies)
	}
	if !got[0].AWSManaged() || got[1].AWSManaged() {
		t.Error("AWSManaged wrong")
	}
}

func TestRead_policyErrors(t *testing.T) {
	tests := []struct{ name, export, want string }{
		{"no default version", `{"Policies": [{"PolicyName": "p", "Arn": "arn:aws:iam::111122223333:policy/p", "DefaultVersionId": "v2",
			"PolicyVersionList": [{"Document": {"Statement": []}, "VersionId": "v1"}]}]}`, `Policies[0]: policy "arn:aws:iam::111122223333:policy/p": PolicyVersionList holds no document of the default version "v2"`},
		{"not a policy ARN", `{"Policies": [{"PolicyName": "p", "Arn": "arn:aws:iam::111122223333:role/p"}]}`, "is not the ARN of a managed policy"},
		{"twice", `{"Policies": [
			{"PolicyName": "p", "Arn": "arn:aws:iam::111122223333:policy/p", "PolicyVersionList": [{"Document": {}, "IsDefaultVersion": true}]},
			{"PolicyName": "P", "Arn": "arn:aws:iam::111122223333:policy/x/P", "PolicyVersionList": [{"Document": {}, "IsDefaultVersion": true}]}]}`, "an export lists each policy once"},
		{"bad document", `{"Policies": [{"PolicyName": "p", "Arn": "arn:aws:iam::111122223333:policy/p", "PolicyVersionList": [{"Document": {"Statement": 3}, "IsDefaultVersion": true}]}]}`, "Statement"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := readPolicies(t, tt.export)
			var ie *iamsweep.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want an InputError with %q", err, tt.want)
			}
		})
	}
}
