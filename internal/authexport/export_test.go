package authexport

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// readAll reads every role of the export in, failing the test on error.
func readAll(t *testing.T, in string) ([]iamsweep.Role, Summary) {
	t.Helper()
	roles, sum, err := read(t.Context(), in)
	if err != nil {
		t.Fatalf("ReadRoles: %v", err)
	}
	return roles, sum
}

func read(ctx context.Context, in string) ([]iamsweep.Role, Summary, error) {
	var roles []iamsweep.Role
	sum, err := ReadRoles(ctx, strings.NewReader(in), "export.json", func(r iamsweep.Role) error {
		roles = append(roles, r)
		return nil
	})
	return roles, sum, err
}

// minimalRole is a role with only the members ReadRoles requires, plus
// extra (which starts with a comma when not empty).
func minimalRole(extra string) string { return namedRole("r", extra) }

// namedRole is minimalRole with another name.
func namedRole(name, extra string) string {
	return `{"RoleName":"` + name + `","Arn":"arn:aws:iam::123456789012:role/` + name + `"` + extra + `}`
}

func roleList(roles ...string) string {
	return `{"RoleDetailList":[` + strings.Join(roles, ",") + `]}`
}

func mustParse(t *testing.T, doc string) *iamsweep.PolicyDocument {
	t.Helper()
	d, err := policy.Parse([]byte(doc))
	if err != nil {
		t.Fatalf("policy.Parse(%s): %v", doc, err)
	}
	return &d
}

func TestReadRoles_Dates(t *testing.T) {
	want := time.Date(2019, 5, 22, 16, 37, 13, 0, time.UTC)
	tests := []struct {
		name string
		json string // the CreateDate and LastUsedDate value
		want time.Time
	}{
		{name: "cli v2 with offset", json: `"2019-05-22T16:37:13+00:00"`, want: want},
		{name: "cli v1 wire form", json: `"2019-05-22T16:37:13Z"`, want: want},
		{name: "fractional seconds", json: `"2019-05-22T16:37:13.250Z"`, want: want.Add(250 * time.Millisecond)},
		{name: "microseconds with offset", json: `"2019-05-22T16:37:13.000001+00:00"`, want: want.Add(time.Microsecond)},
		{name: "other offset converted to UTC", json: `"2019-05-22T18:37:13+02:00"`, want: want},
		{name: "negative offset", json: `"2019-05-22T11:37:13-05:00"`, want: want},
		{name: "python str(datetime)", json: `"2019-05-22 16:37:13+00:00"`, want: want},
		{name: "python str(datetime) with microseconds", json: `"2019-05-22 16:37:13.500000+00:00"`, want: want.Add(500 * time.Millisecond)},
		{name: "offset without colon", json: `"2019-05-22T16:37:13+0000"`, want: want},
		{name: "space and offset without colon", json: `"2019-05-22 16:37:13+0000"`, want: want},
		{name: "zone-less taken as UTC", json: `"2019-05-22T16:37:13"`, want: want},
		{name: "zone-less with space taken as UTC", json: `"2019-05-22 16:37:13"`, want: want},
		{name: "epoch seconds", json: `1558543033`, want: want},
		{name: "epoch seconds with fraction", json: `1558543033.5`, want: want.Add(500 * time.Millisecond)},
		{name: "epoch zero", json: `0`, want: time.Unix(0, 0).UTC()},
		{name: "epoch seconds as a string", json: `"1558543033"`, want: want},
		{name: "null", json: `null`, want: time.Time{}},
		{name: "empty string", json: `""`, want: time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := roleList(minimalRole(fmt.Sprintf(`,"CreateDate":%s,"RoleLastUsed":{"LastUsedDate":%[1]s,"Region":"eu-west-1"}`, tt.json)))
			roles, _ := readAll(t, in)
			if len(roles) != 1 {
				t.Fatalf("got %d roles, want 1", len(roles))
			}
			r := roles[0]
			if !r.Created.Equal(tt.want) {
				t.Errorf("Created = %v, want %v", r.Created, tt.want)
			}
			if !r.LastUsed.Time.Equal(tt.want) {
				t.Errorf("LastUsed.Time = %v, want %v", r.LastUsed.Time, tt.want)
			}
			if !tt.want.IsZero() {
				if loc := r.Created.Location(); loc != time.UTC {
					t.Errorf("Created is in %v, want UTC", loc)
				}
				if loc := r.LastUsed.Time.Location(); loc != time.UTC {
					t.Errorf("LastUsed.Time is in %v, want UTC", loc)
				}
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in      string
		want    time.Time
		wantErr string
	}{
		{in: "2019-05-22T16:37:13+00:00", want: time.Date(2019, 5, 22, 16, 37, 13, 0, time.UTC)},
		{in: "2019-05-22T16:37:13.123456789Z", want: time.Date(2019, 5, 22, 16, 37, 13, 123456789, time.UTC)},
		{in: "1970-01-01T00:00:00Z", want: time.Unix(0, 0).UTC()},
		{in: "", want: time.Time{}},
		{in: "99999999999", want: time.Unix(99999999999, 0).UTC()},
		{in: "100000000000", wantErr: `invalid timestamp "100000000000"`},
		{in: "-1", wantErr: `invalid timestamp "-1"`},
		{in: "2019-05-22", wantErr: `invalid timestamp "2019-05-22": want ISO 8601`},
		{in: "22/05/2019 16:37", wantErr: "invalid timestamp"},
		{in: "2019-05-22T25:00:00Z", wantErr: "invalid timestamp"},
		{in: "yesterday", wantErr: "invalid timestamp"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTime(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseTime(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseTime(%q): %v", tt.in, err)
			}
			if !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Errorf("ParseTime(%q) = %v, want %v in UTC", tt.in, got, tt.want)
			}
		})
	}
}

func TestReadRoles_RoleLastUsed(t *testing.T) {
	used := time.Date(2026, 6, 25, 22, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		json string // members added to the role
		want iamsweep.Usage
	}{
		{name: "missing", json: ``, want: iamsweep.Usage{}},
		{name: "null", json: `,"RoleLastUsed":null`, want: iamsweep.Usage{}},
		{name: "empty object", json: `,"RoleLastUsed":{}`, want: iamsweep.Usage{}},
		{name: "date and region", json: `,"RoleLastUsed":{"LastUsedDate":"2026-06-25T22:00:00+00:00","Region":"us-east-1"}`,
			want: iamsweep.Usage{Time: used, Region: "us-east-1"}},
		{name: "region before date", json: `,"RoleLastUsed":{"Region":"eu-west-1","LastUsedDate":"2026-06-25T22:00:00Z"}`,
			want: iamsweep.Usage{Time: used, Region: "eu-west-1"}},
		{name: "date without region", json: `,"RoleLastUsed":{"LastUsedDate":"2026-06-25T22:00:00Z"}`,
			want: iamsweep.Usage{Time: used}},
		{name: "region without date is no use", json: `,"RoleLastUsed":{"Region":"us-east-1"}`, want: iamsweep.Usage{}},
		{name: "null date with region is no use", json: `,"RoleLastUsed":{"LastUsedDate":null,"Region":"us-east-1"}`, want: iamsweep.Usage{}},
		{name: "unknown member ignored", json: `,"RoleLastUsed":{"LastUsedDate":"2026-06-25T22:00:00Z","Region":"us-east-1","Service":"s3"}`,
			want: iamsweep.Usage{Time: used, Region: "us-east-1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roles, _ := readAll(t, roleList(minimalRole(tt.json)))
			if len(roles) != 1 {
				t.Fatalf("got %d roles, want 1", len(roles))
			}
			if diff := cmp.Diff(tt.want, roles[0].LastUsed); diff != "" {
				t.Errorf("LastUsed mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadRoles_PolicyDocuments(t *testing.T) {
	const doc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/a%25b+c"}]}`
	// The document with a literal "%25" and "+" in a Resource: decoding once
	// keeps them; decoding twice would turn "%25" into "%".
	encoded := url.PathEscape(doc)
	if !strings.Contains(encoded, "%2525") || !strings.Contains(encoded, "+") {
		t.Fatalf("test document not encoded as expected: %s", encoded)
	}
	tests := []struct {
		name string
		json string // the value of both AssumeRolePolicyDocument and PolicyDocument
		want *iamsweep.PolicyDocument
	}{
		{name: "object", json: doc, want: mustParse(t, doc)},
		{name: "url-encoded string decoded once", json: `"` + encoded + `"`, want: mustParse(t, doc)},
		{name: "plain JSON in a string", json: `"` + strings.ReplaceAll(doc, `"`, `\"`) + `"`, want: mustParse(t, doc)},
		{name: "statement as one object", json: `{"Statement":{"Effect":"Deny","NotAction":"iam:*","Resource":"*"}}`,
			want: &iamsweep.PolicyDocument{Statements: []iamsweep.Statement{{Effect: "Deny", NotActions: []string{"iam:*"}, Resources: []string{"*"}}}}},
		{name: "null", json: `null`, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := roleList(minimalRole(`,"AssumeRolePolicyDocument":` + tt.json + `,"RolePolicyList":[{"PolicyName":"p","PolicyDocument":` + tt.json + `}]`))
			roles, _ := readAll(t, in)
			if len(roles) != 1 {
				t.Fatalf("got %d roles, want 1", len(roles))
			}
			if diff := cmp.Diff(tt.want, roles[0].TrustPolicy); diff != "" {
				t.Errorf("TrustPolicy mismatch (-want +got):\n%s", diff)
			}
			wantInline := []iamsweep.InlinePolicy{{Name: "p"}}
			if tt.want != nil {
				wantInline[0].Document = *tt.want
			}
			if diff := cmp.Diff(wantInline, roles[0].InlinePolicies); diff != "" {
				t.Errorf("InlinePolicies mismatch (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("resource keeps percent and plus", func(t *testing.T) {
		roles, _ := readAll(t, roleList(minimalRole(`,"AssumeRolePolicyDocument":"`+encoded+`"`)))
		if got := roles[0].TrustPolicy.Statements[0].Resources; !cmp.Equal(got, []string{"arn:aws:s3:::b/a%25b+c"}) {
			t.Errorf("Resources = %q, want the text decoded exactly once", got)
		}
	})
}

const trustDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`

func TestReadRoles_WholeRole(t *testing.T) {
	created := time.Date(2024, 9, 13, 21, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		json string
		want iamsweep.Role
	}{
		{
			name: "every member, cli v2 order",
			json: `{
				"Path": "/app/",
				"RoleName": "web",
				"RoleId": "AROAEXAMPLEID0000001",
				"Arn": "arn:aws:iam::123456789012:role/app/web",
				"CreateDate": "2024-09-13T21:00:00+00:00",
				"AssumeRolePolicyDocument": ` + trustDoc + `,
				"InstanceProfileList": [{
					"Path": "/",
					"InstanceProfileName": "web-profile",
					"InstanceProfileId": "AIPAEXAMPLEID0000001",
					"Arn": "arn:aws:iam::123456789012:instance-profile/web-profile",
					"CreateDate": "2024-09-13T21:00:05+00:00",
					"Roles": [{"Path": "/app/", "RoleName": "web", "RoleId": "AROAEXAMPLEID0000001",
						"Arn": "arn:aws:iam::123456789012:role/app/web", "CreateDate": "2024-09-13T21:00:00+00:00"}],
					"Tags": [{"Key": "tier", "Value": "frontend"}]
				}],
				"RolePolicyList": [
					{"PolicyName": "read-bucket", "PolicyDocument": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}]}},
					{"PolicyName": "logs", "PolicyDocument": {"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}}
				],
				"AttachedManagedPolicies": [
					{"PolicyName": "ReadOnlyAccess", "PolicyArn": "arn:aws:iam::aws:policy/ReadOnlyAccess"},
					{"PolicyName": "team", "PolicyArn": "arn:aws:iam::123456789012:policy/team"}
				],
				"PermissionsBoundary": {"PermissionsBoundaryType": "Policy", "PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/boundary"},
				"Tags": [{"Key": "owner", "Value": "web@example.com"}, {"Key": "env", "Value": "prod"}],
				"RoleLastUsed": {"LastUsedDate": "2026-06-25T22:00:00+00:00", "Region": "eu-west-1"}
			}`,
			want: iamsweep.Role{
				AccountID: "123456789012",
				ARN:       "arn:aws:iam::123456789012:role/app/web",
				ID:        "AROAEXAMPLEID0000001",
				Name:      "web",
				Path:      "/app/",
				Created:   created,
				LastUsed:  iamsweep.Usage{Time: time.Date(2026, 6, 25, 22, 0, 0, 0, time.UTC), Region: "eu-west-1"},
				TrustPolicy: &iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{
					Effect:    "Allow",
					Principal: &iamsweep.Principals{ByType: map[string][]string{"Service": {"ec2.amazonaws.com"}}},
					Actions:   []string{"sts:AssumeRole"},
				}}},
				InlinePolicies: []iamsweep.InlinePolicy{
					{Name: "read-bucket", Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{
						{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"arn:aws:s3:::b/*"}}}}},
					{Name: "logs", Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{
						{Effect: "Allow", Actions: []string{"logs:*"}, Resources: []string{"*"}}}}},
				},
				AttachedPolicies: []iamsweep.AttachedPolicy{
					{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"},
					{Name: "team", ARN: "arn:aws:iam::123456789012:policy/team"},
				},
				PermissionsBoundary: "arn:aws:iam::123456789012:policy/boundary",
				Tags:                []iamsweep.Tag{{Key: "owner", Value: "web@example.com"}, {Key: "env", Value: "prod"}},
				InstanceProfiles: []iamsweep.InstanceProfile{{
					Name:    "web-profile",
					ID:      "AIPAEXAMPLEID0000001",
					ARN:     "arn:aws:iam::123456789012:instance-profile/web-profile",
					Path:    "/",
					Created: created.Add(5 * time.Second),
					Roles:   []string{"web"},
					Tags:    []iamsweep.Tag{{Key: "tier", Value: "frontend"}},
				}},
			},
		},
		{
			name: "members in another order, unknown members ignored",
			json: `{
				"RoleLastUsed": {"Region": "us-east-1", "LastUsedDate": "2026-06-25T22:00:00Z"},
				"Tags": [{"Value": "b", "Key": "a"}],
				"Description": "not in RoleDetail, but harmless",
				"MaxSessionDuration": 3600,
				"PermissionsBoundary": {"PermissionsBoundaryArn": "arn:aws:iam::123456789012:policy/b", "PermissionsBoundaryType": "Policy"},
				"AttachedManagedPolicies": [{"PolicyArn": "arn:aws:iam::aws:policy/AdministratorAccess", "PolicyName": "AdministratorAccess"}],
				"CreateDate": "2024-09-13T21:00:00Z",
				"RoleId": "AROAEXAMPLEID0000002",
				"RoleName": "admin",
				"Path": "/",
				"Arn": "arn:aws:iam::123456789012:role/admin"
			}`,
			want: iamsweep.Role{
				AccountID:           "123456789012",
				ARN:                 "arn:aws:iam::123456789012:role/admin",
				ID:                  "AROAEXAMPLEID0000002",
				Name:                "admin",
				Path:                "/",
				Created:             created,
				LastUsed:            iamsweep.Usage{Time: time.Date(2026, 6, 25, 22, 0, 0, 0, time.UTC), Region: "us-east-1"},
				AttachedPolicies:    []iamsweep.AttachedPolicy{{Name: "AdministratorAccess", ARN: "arn:aws:iam::aws:policy/AdministratorAccess"}},
				PermissionsBoundary: "arn:aws:iam::123456789012:policy/b",
				Tags:                []iamsweep.Tag{{Key: "a", Value: "b"}},
			},
		},
		{
			name: "empty lists give nil slices",
			json: `{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/r","Path":"/","InstanceProfileList":[],"RolePolicyList":[],
				"AttachedManagedPolicies":[],"Tags":[],"PermissionsBoundary":null,"RoleLastUsed":{}}`,
			want: iamsweep.Role{AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:role/r", Name: "r", Path: "/"},
		},
		{
			name: "null lists",
			json: `{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/r","InstanceProfileList":null,"RolePolicyList":null,
				"AttachedManagedPolicies":null,"Tags":null,"CreateDate":null,"AssumeRolePolicyDocument":null}`,
			want: iamsweep.Role{AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:role/r", Name: "r", Path: "/"},
		},
		{
			name: "other partition",
			json: `{"RoleName":"r","Arn":"arn:aws-cn:iam::123456789012:role/r","Path":"/"}`,
			want: iamsweep.Role{AccountID: "123456789012", ARN: "arn:aws-cn:iam::123456789012:role/r", Name: "r", Path: "/"},
		},
		{
			name: "instance profile without roles or tags",
			json: `{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/r","Path":"/","InstanceProfileList":[{"InstanceProfileName":"p","Roles":[],"Tags":[]}]}`,
			want: iamsweep.Role{AccountID: "123456789012", ARN: "arn:aws:iam::123456789012:role/r", Name: "r", Path: "/",
				InstanceProfiles: []iamsweep.InstanceProfile{{Name: "p"}}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roles, _ := readAll(t, roleList(tt.json))
			if diff := cmp.Diff([]iamsweep.Role{tt.want}, roles); diff != "" {
				t.Errorf("roles mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadRoles_Path(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{name: "missing, root path", json: `{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/r"}`, want: "/"},
		{name: "missing, one level", json: `{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/service-role/r"}`, want: "/service-role/"},
		{name: "missing, two levels", json: `{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/a/b/r"}`, want: "/a/b/"},
		{name: "empty string", json: `{"RoleName":"r","Path":"","Arn":"arn:aws:iam::123456789012:role/a/r"}`, want: "/a/"},
		{name: "null", json: `{"RoleName":"r","Path":null,"Arn":"arn:aws:iam::123456789012:role/a/r"}`, want: "/a/"},
		{name: "given", json: `{"RoleName":"r","Path":"/aws-reserved/sso.amazonaws.com/","Arn":"arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/r"}`,
			want: "/aws-reserved/sso.amazonaws.com/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roles, _ := readAll(t, roleList(tt.json))
			if len(roles) != 1 {
				t.Fatalf("got %d roles, want 1", len(roles))
			}
			if roles[0].Path != tt.want {
				t.Errorf("Path = %q, want %q", roles[0].Path, tt.want)
			}
		})
	}
}

func TestReadRoles_TopLevel(t *testing.T) {
	a := `{"RoleName":"a","Arn":"arn:aws:iam::123456789012:role/a"}`
	b := `{"RoleName":"b","Arn":"arn:aws:iam::123456789012:role/b"}`
	user := `{"UserName":"u","Arn":"arn:aws:iam::123456789012:user/u","CreateDate":"not checked"}`
	tests := []struct {
		name      string
		json      string
		wantNames []string
		wantSum   Summary
	}{
		{name: "all four lists", json: `{"UserDetailList":[` + user + `],"GroupDetailList":[],"RoleDetailList":[` + a + `,` + b + `],"Policies":[]}`,
			wantNames: []string{"a", "b"}, wantSum: Summary{Roles: 2}},
		{name: "roles last", json: `{"Policies":[{"PolicyName":"p"}],"GroupDetailList":[],"UserDetailList":[],"RoleDetailList":[` + b + `,` + a + `]}`,
			wantNames: []string{"b", "a"}, wantSum: Summary{Roles: 2}},
		{name: "filter Role", json: `{"RoleDetailList":[` + a + `]}`, wantNames: []string{"a"}, wantSum: Summary{Roles: 1}},
		{name: "filter User", json: `{"UserDetailList":[` + user + `]}`, wantSum: Summary{}},
		{name: "filter LocalManagedPolicy", json: `{"Policies":[]}`, wantSum: Summary{}},
		{name: "filter Group", json: `{"GroupDetailList":[]}`, wantSum: Summary{}},
		{name: "null lists", json: `{"UserDetailList":null,"GroupDetailList":null,"RoleDetailList":null,"Policies":null}`, wantSum: Summary{}},
		{name: "empty role list", json: `{"RoleDetailList":[]}`, wantSum: Summary{}},
		{name: "unknown top-level keys ignored", json: `{"ResponseMetadata":{"RequestId":"x","Nested":[1,{"a":[]}]},"RoleDetailList":[` + a + `],"Extra":[1,2],"Flag":true,"N":null}`,
			wantNames: []string{"a"}, wantSum: Summary{Roles: 1}},
		{name: "IsTruncated true with Marker", json: `{"RoleDetailList":[` + a + `],"IsTruncated":true,"Marker":"AAAA"}`,
			wantNames: []string{"a"}, wantSum: Summary{Roles: 1, Truncated: true}},
		{name: "IsTruncated before the lists", json: `{"IsTruncated":true,"RoleDetailList":[` + a + `]}`,
			wantNames: []string{"a"}, wantSum: Summary{Roles: 1, Truncated: true}},
		{name: "IsTruncated false", json: `{"RoleDetailList":[` + a + `],"IsTruncated":false}`,
			wantNames: []string{"a"}, wantSum: Summary{Roles: 1}},
		{name: "IsTruncated null", json: `{"RoleDetailList":[],"IsTruncated":null}`, wantSum: Summary{}},
		{name: "pretty-printed with trailing newline", json: "{\n    \"RoleDetailList\": [\n        " + a + "\n    ]\n}\n", wantNames: []string{"a"}, wantSum: Summary{Roles: 1}},
		{name: "whitespace around", json: " \t\r\n{\"RoleDetailList\":[" + a + "]}\r\n\r\n", wantNames: []string{"a"}, wantSum: Summary{Roles: 1}},
		{name: "RoleDetailList twice", json: `{"RoleDetailList":[` + a + `],"RoleDetailList":[` + b + `]}`,
			wantNames: []string{"a", "b"}, wantSum: Summary{Roles: 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roles, sum := readAll(t, tt.json)
			var names []string
			for _, r := range roles {
				names = append(names, r.Name)
			}
			if diff := cmp.Diff(tt.wantNames, names); diff != "" {
				t.Errorf("role names mismatch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantSum, sum); diff != "" {
				t.Errorf("Summary mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// TestReadRoles_Readers reads the same generated export through readers
// that hand over data differently; every one gives the same roles.
func TestReadRoles_Readers(t *testing.T) {
	var buf bytes.Buffer
	if err := writeExport(&buf, 300); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	tests := []struct {
		name string
		r    func() io.Reader
	}{
		{name: "bytes.Buffer", r: func() io.Reader { return bytes.NewBuffer(data) }},
		{name: "bytes.Reader", r: func() io.Reader { return bytes.NewReader(data) }},
		{name: "one byte at a time", r: func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) }},
		{name: "half reads", r: func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) }},
		{name: "EOF with the last data", r: func() io.Reader { return iotest.DataErrReader(bytes.NewReader(data)) }},
	}
	var first []iamsweep.Role
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var roles []iamsweep.Role
			sum, err := ReadRoles(t.Context(), tt.r(), "export.json", func(role iamsweep.Role) error {
				roles = append(roles, role)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if sum.Roles != 300 || len(roles) != 300 {
				t.Fatalf("Summary.Roles = %d, %d callbacks; want 300", sum.Roles, len(roles))
			}
			if first == nil {
				first = roles
				return
			}
			if diff := cmp.Diff(first, roles); diff != "" {
				t.Errorf("roles differ from the first reader's (-first +this):\n%s", diff)
			}
		})
	}
	// Spot-check one generated role against what writeExport wrote.
	r := first[10]
	if r.Name != "app-00010-role" || r.Path != "/app/" || len(r.InstanceProfiles) != 1 || len(r.InlinePolicies) != 1 ||
		len(r.AttachedPolicies) != 2 || !r.Created.Equal(time.Date(2024, 1, 1, 0, 10, 0, 0, time.UTC)) ||
		!r.LastUsed.Time.Equal(time.Date(2024, 1, 1, 10, 0, 0, 0, time.UTC)) || r.LastUsed.Region != "eu-west-1" {
		t.Errorf("role 10 = %+v, not what writeExport wrote", r)
	}
}

func TestReadRoles_ContextCanceled(t *testing.T) {
	var buf bytes.Buffer
	const total = 2000
	if err := writeExport(&buf, total); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()

	t.Run("canceled during the read", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		calls := 0
		sum, err := ReadRoles(ctx, bytes.NewReader(data), "export.json", func(iamsweep.Role) error {
			calls++
			if calls == 1 {
				cancel()
			}
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if iamsweep.IsInputError(err) {
			t.Errorf("err = %#v, a cancellation is not an input error", err)
		}
		// The context is checked every 256 roles.
		if calls >= total || calls > 256 {
			t.Errorf("fn called %d times after cancel on the first of %d roles, want at most 256", calls, total)
		}
		if sum.Roles != calls {
			t.Errorf("Summary.Roles = %d, want the %d roles delivered", sum.Roles, calls)
		}
	})
	t.Run("canceled before the read", func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		calls := 0
		_, err := ReadRoles(ctx, bytes.NewReader(data), "export.json", func(iamsweep.Role) error { calls++; return nil })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		if calls != 0 {
			t.Errorf("fn called %d times, want 0", calls)
		}
	})
	t.Run("deadline exceeded", func(t *testing.T) {
		ctx, cancel := context.WithDeadline(t.Context(), time.Unix(0, 0))
		defer cancel()
		_, err := ReadRoles(ctx, bytes.NewReader(data), "export.json", func(iamsweep.Role) error { return nil })
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want context.DeadlineExceeded", err)
		}
	})
}

type callbackError struct{ name string }

func (e *callbackError) Error() string { return "stop at " + e.name }

func TestReadRoles_CallbackError(t *testing.T) {
	a := `{"RoleName":"a","Arn":"arn:aws:iam::123456789012:role/a"}`
	b := `{"RoleName":"b","Arn":"arn:aws:iam::123456789012:role/b"}`
	c := `{"RoleName":"c","Arn":"arn:aws:iam::123456789012:role/c"}`
	stop := &callbackError{name: "b"}
	var seen []string
	sum, err := ReadRoles(t.Context(), strings.NewReader(roleList(a, b, c)), "export.json", func(r iamsweep.Role) error {
		seen = append(seen, r.Name)
		if r.Name == "b" {
			return stop
		}
		return nil
	})
	if err != error(stop) {
		t.Fatalf("err = %#v, want the callback's error unchanged", err)
	}
	if diff := cmp.Diff([]string{"a", "b"}, seen); diff != "" {
		t.Errorf("roles seen mismatch (-want +got):\n%s", diff)
	}
	if sum.Roles != 2 {
		t.Errorf("Summary.Roles = %d, want 2", sum.Roles)
	}

	// An InputError from the callback is not rewrapped either.
	ie := iamsweep.NewInputError("other", "x", errors.New("from fn"))
	_, err = ReadRoles(t.Context(), strings.NewReader(roleList(a)), "export.json", func(iamsweep.Role) error { return ie })
	if err != error(ie) {
		t.Fatalf("err = %#v, want the callback's *InputError unchanged", err)
	}
}
