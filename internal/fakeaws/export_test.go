package fakeaws_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	exportJSON = `{
  "UserDetailList": [{
    "Path": "/dev/", "UserName": "alice", "UserId": "AIDAALICEALICEALICE01",
    "Arn": "arn:aws:iam::111122223333:user/dev/alice", "CreateDate": "2024-12-22T21:00:00+00:00",
    "UserPolicyList": [{"PolicyName": "own", "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D"}],
    "GroupList": ["developers"],
    "AttachedManagedPolicies": [{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"}],
    "PermissionsBoundary": {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/b"},
    "Tags": [{"Key": "team", "Value": "web"}]
  }],
  "GroupDetailList": [],
  "RoleDetailList": [{
    "Path": "/app/", "RoleName": "web", "RoleId": "AROAWEBWEBWEBWEBWEB01",
    "Arn": "arn:aws:iam::111122223333:role/app/web", "CreateDate": "2021-02-03T04:05:06Z",
    "AssumeRolePolicyDocument": {
      "Version": "2012-10-17",
      "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    },
    "InstanceProfileList": [{"Path": "/", "InstanceProfileName": "web", "InstanceProfileId": "AIPAWEBWEBWEBWEBWEB01",
      "Arn": "arn:aws:iam::111122223333:instance-profile/web", "CreateDate": "2021-02-03T05:00:00+00:00",
      "Roles": [{"RoleName": "web"}], "Tags": [{"Key": "env", "Value": "prod"}]}],
    "RolePolicyList": [{"PolicyName": "logs", "PolicyDocument": {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "logs:*", "Resource": "*"}}}],
    "AttachedManagedPolicies": [],
    "Tags": [],
    "RoleLastUsed": {"LastUsedDate": "2026-01-02T03:04:05+00:00", "Region": "eu-west-1"}
  }, {
    "Path": "/", "RoleName": "idle", "RoleId": "AROAIDLEIDLEIDLEIDLE1",
    "Arn": "arn:aws:iam::111122223333:role/idle", "CreateDate": "2020-02-29T00:00:00Z",
    "RoleLastUsed": {"Region": "us-east-1"}
  }],
  "Policies": [],
  "IsTruncated": false
}`
	reportCSV = `user,arn,user_creation_time,password_enabled,password_last_used,password_last_changed,password_next_rotation,mfa_active,access_key_1_active,access_key_1_last_rotated,access_key_1_last_used_date,access_key_1_last_used_region,access_key_1_last_used_service,access_key_2_active,access_key_2_last_rotated,access_key_2_last_used_date,access_key_2_last_used_region,access_key_2_last_used_service,cert_1_active,cert_1_last_rotated,cert_2_active,cert_2_last_rotated,additional_credentials_info
<root_account>,arn:aws:iam::111122223333:root,2019-10-14T21:00:00+00:00,not_supported,2026-10-23T19:00:00+00:00,not_supported,not_supported,true,true,2023-01-22T22:00:00+00:00,2026-01-26T23:00:00+00:00,us-east-1,iam,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A,N/A
alice,arn:aws:iam::111122223333:user/dev/alice,2024-12-22T21:00:00+00:00,true,2026-11-20T20:00:00+00:00,2026-07-25T22:00:00+00:00,N/A,true,true,2026-01-26T23:00:00+00:00,2026-11-22T18:00:00+00:00,N/A,s3,false,2025-01-02T03:04:05+00:00,N/A,N/A,N/A,true,2025-03-04T05:06:07+00:00,false,N/A,N/A
report-only,arn:aws:iam::111122223333:user/ops/report-only,2023-05-06T07:08:09+00:00,false,N/A,N/A,N/A,false,false,N/A,N/A,N/A,N/A,false,N/A,N/A,N/A,N/A,false,N/A,false,N/A,N/A
`
)

func TestAccountFromFiles(t *testing.T) {
	day := func(s string) time.Time {
		t.Helper()
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	got, err := fakeaws.AccountFromFiles(t.Context(), strings.NewReader(exportJSON), "export.json", strings.NewReader(reportCSV), "report.csv")
	if err != nil {
		t.Fatal(err)
	}
	want := &fakeaws.Account{
		ID:                   "111122223333",
		Created:              day("2019-10-14T21:00:00Z"),
		RootPasswordLastUsed: day("2026-10-23T19:00:00Z"),
		RootKeys: []*fakeaws.AccessKey{{Created: day("2023-01-22T22:00:00Z"), LastUsed: day("2026-01-26T23:00:00Z"),
			LastUsedRegion: "us-east-1", LastUsedService: "iam"}},
		Roles: []*fakeaws.Role{
			{
				Name: "web", Path: "/app/", ID: "AROAWEBWEBWEBWEBWEB01", Created: day("2021-02-03T04:05:06Z"),
				LastUsed: day("2026-01-02T03:04:05Z"), LastUsedRegion: "eu-west-1",
				TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
				Inline:      []fakeaws.InlinePolicy{{Name: "logs", Document: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"logs:*","Resource":"*"}}`}},
				Tags:        []fakeaws.Tag{},
				InstanceProfiles: []fakeaws.InstanceProfile{{Name: "web", Path: "/", ID: "AIPAWEBWEBWEBWEBWEB01", Created: day("2021-02-03T05:00:00Z"),
					Tags: []fakeaws.Tag{{Key: "env", Value: "prod"}}}},
			},
			// A RoleLastUsed without a date is no recorded use.
			{Name: "idle", Path: "/", ID: "AROAIDLEIDLEIDLEIDLE1", Created: day("2020-02-29T00:00:00Z")},
		},
		Users: []*fakeaws.User{
			{
				Name: "alice", Path: "/dev/", ID: "AIDAALICEALICEALICE01", Created: day("2024-12-22T21:00:00Z"),
				Tags: []fakeaws.Tag{{Key: "team", Value: "web"}}, Groups: []string{"developers"},
				Inline:   []fakeaws.InlinePolicy{{Name: "own", Document: `{"Version":"2012-10-17","Statement":[]}`}},
				Attached: []fakeaws.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
				Boundary: "arn:aws:iam::111122223333:policy/b",
				Password: &fakeaws.LoginProfile{Created: day("2026-07-25T22:00:00Z"), LastUsed: day("2026-11-20T20:00:00Z")},
				AccessKeys: []*fakeaws.AccessKey{
					{Created: day("2026-01-26T23:00:00Z"), LastUsed: day("2026-11-22T18:00:00Z"), LastUsedService: "s3"},
					{Inactive: true, Created: day("2025-01-02T03:04:05Z")},
				},
				MFA:                 true,
				SigningCertificates: []*fakeaws.SigningCertificate{{Uploaded: day("2025-03-04T05:06:07Z")}},
			},
			{Name: "report-only", Path: "/ops/", Created: day("2023-05-06T07:08:09Z")},
		},
	}
	opts := cmp.Options{cmpopts.IgnoreUnexported(fakeaws.Account{}, fakeaws.User{}), cmpopts.EquateEmpty()}
	if diff := cmp.Diff(want, got, opts); diff != "" {
		t.Errorf("account (-want +got):\n%s", diff)
	}
}

func TestAccountFromFiles_errors(t *testing.T) {
	tests := []struct {
		name, export, report, want string
	}{
		{name: "not JSON", export: `{"RoleDetailList": [`, want: "export.json: read export"},
		{name: "two accounts", export: `{"RoleDetailList": [{"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a"},
			{"RoleName": "b", "Arn": "arn:aws:iam::444455556666:role/b"}]}`, want: "principals of two accounts"},
		{name: "bad ARN", export: `{"RoleDetailList": [{"RoleName": "a", "Arn": "role/a"}]}`, want: `"role/a" is not an ARN`},
		{name: "empty", export: `{}`, want: "no principals"},
		{name: "report of another account", export: `{"RoleDetailList": [{"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a"}]}`,
			report: "user,arn\nbob,arn:aws:iam::444455556666:user/bob\n", want: "report.csv:2: principals of two accounts"},
		{name: "bad report time", export: `{"RoleDetailList": [{"RoleName": "a", "Arn": "arn:aws:iam::111122223333:role/a"}]}`,
			report: "user,arn,user_creation_time\nbob,arn:aws:iam::111122223333:user/bob,yesterday\n", want: "report.csv:2: user_creation_time"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var report *strings.Reader
			if tt.report != "" {
				report = strings.NewReader(tt.report)
			}
			var err error
			if report != nil {
				_, err = fakeaws.AccountFromFiles(t.Context(), strings.NewReader(tt.export), "export.json", report, "report.csv")
			} else {
				_, err = fakeaws.AccountFromExport(t.Context(), strings.NewReader(tt.export), "export.json")
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want one containing %q", err, tt.want)
			}
		})
	}
}
