package awsapi

import (
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/authexport"
	"github.com/iamsweep/iamsweep/internal/credreport"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

// TestClient_ExampleExport seeds the fake from the example export and
// credential report (read with the fake's own decoding) and reads the
// account back through the SDK: the roles and users must be those that
// iamsweep's offline readers (internal/authexport, internal/credreport)
// find in the files. Two independent readings of the same files agree.
func TestClient_ExampleExport(t *testing.T) {
	open := func(name string) *os.File {
		t.Helper()
		f, err := os.Open(name)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	const exportPath, reportPath = "../../examples/account-export.json", "../../examples/credential-report.csv"
	var wantRoles []iamsweep.Role
	var details []iamsweep.User
	if _, err := authexport.Read(t.Context(), open(exportPath), "export", authexport.Handlers{
		Role: func(r iamsweep.Role) error { wantRoles = append(wantRoles, r); return nil },
		User: func(u iamsweep.User) error { details = append(details, u); return nil },
	}); err != nil {
		t.Fatal(err)
	}
	report, err := credreport.Parse(open(reportPath), "report")
	if err != nil {
		t.Fatal(err)
	}
	wantUsers := credreport.Join(details, report)

	acct, err := fakeaws.AccountFromFiles(t.Context(), open(exportPath), exportPath, open(reportPath), reportPath)
	if err != nil {
		t.Fatal(err)
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(acct), fakeaws.WithMaxPageItems(7), fakeaws.WithReportDelay(0))
	c := New(testConfig(srv), quietLogger(), Options{NoKeyIDs: true, ReportPoll: time.Millisecond})
	var gotRoles []iamsweep.Role
	var gotUsers []iamsweep.User
	err = c.Principals(t.Context(),
		func(r iamsweep.Role) error { gotRoles = append(gotRoles, r); return nil },
		func(u iamsweep.User) error { gotUsers = append(gotUsers, u); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if len(wantRoles) == 0 || len(wantUsers) == 0 {
		t.Fatalf("the example holds %d roles and %d users; want some of each", len(wantRoles), len(wantUsers))
	}
	byName := func(rs []iamsweep.Role) {
		sort.Slice(rs, func(i, j int) bool { return strings.ToLower(rs[i].Name) < strings.ToLower(rs[j].Name) })
	}
	byName(wantRoles)
	byName(gotRoles)
	if diff := cmp.Diff(wantRoles, gotRoles); diff != "" {
		t.Errorf("the example's roles read back through the fake (-export +read):\n%s", diff)
	}
	usersByName := func(us []iamsweep.User) {
		sort.Slice(us, func(i, j int) bool { return us[i].Name < us[j].Name })
	}
	usersByName(wantUsers)
	usersByName(gotUsers)
	// authexport reads an empty GroupList as an empty list, the SDK as
	// none.
	if diff := cmp.Diff(wantUsers, gotUsers, cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("the example's users read back through the fake (-files +read):\n%s", diff)
	}
}

type stubClient func(*http.Request) (*http.Response, error)

func (f stubClient) Do(r *http.Request) (*http.Response, error) { return f(r) }

// stubIAM returns a client whose every call gets body with status 200.
func stubIAM(body string) *Client {
	stub := stubClient(func(*http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode:    200,
			Header:        http.Header{"Content-Type": {"text/xml"}},
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
		}, nil
	})
	return New(aws.Config{
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
		HTTPClient:   stub,
		Retryer:      NewRetryer(RetryOptions{NoBackoff: true, MaxAttempts: 1}),
	}, quietLogger())
}

// prettyBody is a response as IAM formats it: indented, with a prolog, empty
// lists written as self-closing tags, and a trailing newline. Policy
// documents hold a raw '+' (RFC 3986 allows it unencoded) that must stay a
// '+'.
const prettyBody = `<?xml version="1.0" encoding="UTF-8"?>
<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetAccountAuthorizationDetailsResult>
    <IsTruncated>true</IsTruncated>
    <UserDetailList/>
    <GroupDetailList/>
    <RoleDetailList>
      <member>
        <Path>/app/</Path>
        <RoleName>web &amp; api</RoleName>
        <RoleId>AROAPRETTYPRETTYPRETT</RoleId>
        <Arn>arn:aws:iam::123456789012:role/app/web &amp; api</Arn>
        <CreateDate>2019-05-22T16:37:13Z</CreateDate>
        <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22ec2.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Condition%22%3A%7B%22StringEquals%22%3A%7B%22sts%3AExternalId%22%3A%22a+b%2Bc%2541%22%7D%7D%7D%5D%7D</AssumeRolePolicyDocument>
        <InstanceProfileList>
          <member>
            <Path>/</Path>
            <InstanceProfileName>web</InstanceProfileName>
            <InstanceProfileId>AIPAPRETTYPRETTYPRETT</InstanceProfileId>
            <Arn>arn:aws:iam::123456789012:instance-profile/web</Arn>
            <CreateDate>2019-05-22T16:40:00.123Z</CreateDate>
            <Roles>
              <member>
                <Path>/app/</Path>
                <RoleName>web &amp; api</RoleName>
                <RoleId>AROAPRETTYPRETTYPRETT</RoleId>
                <Arn>arn:aws:iam::123456789012:role/app/web &amp; api</Arn>
                <CreateDate>2019-05-22T16:37:13Z</CreateDate>
              </member>
            </Roles>
            <Tags>
              <member>
                <Key>env</Key>
                <Value>prod</Value>
              </member>
            </Tags>
          </member>
        </InstanceProfileList>
        <RolePolicyList>
          <member>
            <PolicyName>logs</PolicyName>
            <PolicyDocument>%7B%0A%20%20%22Version%22%3A%20%222012-10-17%22%2C%0A%20%20%22Statement%22%3A%20%7B%22Effect%22%3A%20%22Allow%22%2C%20%22Action%22%3A%20%22logs%3A*%22%2C%20%22Resource%22%3A%20%22arn%3Aaws%3Alogs%3A*%3A*%3Alog-group%3Aa+b%22%7D%0A%7D</PolicyDocument>
          </member>
        </RolePolicyList>
        <AttachedManagedPolicies>
          <member>
            <PolicyName>ReadOnlyAccess</PolicyName>
            <PolicyArn>arn:aws:iam::aws:policy/ReadOnlyAccess</PolicyArn>
          </member>
        </AttachedManagedPolicies>
        <PermissionsBoundary>
          <PermissionsBoundaryType>PermissionsBoundaryPolicy</PermissionsBoundaryType>
          <PermissionsBoundaryArn>arn:aws:iam::123456789012:policy/boundary</PermissionsBoundaryArn>
        </PermissionsBoundary>
        <Tags>
          <member>
            <Key>note</Key>
            <Value>&lt;b&gt; &quot;q&quot; &apos;s&apos; &#x41;&#66; é</Value>
          </member>
          <member>
            <Key>cdata</Key>
            <Value><![CDATA[x < y & z]]></Value>
          </member>
          <member>
            <Key>empty</Key>
            <Value/>
          </member>
        </Tags>
        <RoleLastUsed>
          <LastUsedDate>2026-01-02T03:04:05Z</LastUsedDate>
          <Region>eu-west-1</Region>
        </RoleLastUsed>
      </member>
      <!-- a role with every list empty and a region but no date -->
      <member>
        <Path>/</Path>
        <RoleName>idle</RoleName>
        <RoleId>AROAIDLEIDLEIDLEIDLE1</RoleId>
        <Arn>arn:aws:iam::123456789012:role/idle</Arn>
        <CreateDate>2020-02-29T00:00:00Z</CreateDate>
        <AssumeRolePolicyDocument>%7B%22Statement%22%3A%5B%5D%7D</AssumeRolePolicyDocument>
        <Description>not a RoleDetail member: skipped</Description>
        <InstanceProfileList/>
        <RolePolicyList/>
        <AttachedManagedPolicies/>
        <Tags/>
        <RoleLastUsed>
          <Region>us-east-1</Region>
        </RoleLastUsed>
      </member>
      <member>
        <Path>/</Path>
        <RoleName>never</RoleName>
        <RoleId>AROANEVERNEVERNEVER01</RoleId>
        <Arn>arn:aws:iam::123456789012:role/never</Arn>
        <CreateDate>2020-02-29T00:00:00Z</CreateDate>
        <InstanceProfileList>
        </InstanceProfileList>
        <RoleLastUsed>
        </RoleLastUsed>
      </member>
    </RoleDetailList>
    <Policies/>
    <Marker>AAAA+/b=</Marker>
  </GetAccountAuthorizationDetailsResult>
  <ResponseMetadata>
    <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
  </ResponseMetadata>
</GetAccountAuthorizationDetailsResponse>
`

// TestClient_RolesFromIAMResponse reads a page as IAM writes it (the
// last of the account: not truncated) and checks the conversion of what
// the SDK decodes: policy documents URL-decoded exactly once, with a raw
// '+' kept; entities and CDATA in text; empty lists; a RoleLastUsed
// without a date, or empty, as no recorded use.
func TestClient_RolesFromIAMResponse(t *testing.T) {
	body := strings.Replace(prettyBody, "<IsTruncated>true</IsTruncated>", "<IsTruncated>false</IsTruncated>", 1)
	body = strings.Replace(body, "<Marker>AAAA+/b=</Marker>", "", 1)
	roles, err := collectRoles(t.Context(), stubIAM(body))
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	trust := func(cond []iamsweep.Condition) *iamsweep.PolicyDocument {
		return &iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{
			Effect:     "Allow",
			Principal:  &iamsweep.Principals{ByType: map[string][]string{"Service": {"ec2.amazonaws.com"}}},
			Actions:    []string{"sts:AssumeRole"},
			Conditions: cond,
		}}}
	}
	want := []iamsweep.Role{
		{
			AccountID: testAccountID, ARN: "arn:aws:iam::123456789012:role/app/web & api", ID: "AROAPRETTYPRETTYPRETT",
			Name: "web & api", Path: "/app/", Created: at("2019-05-22T16:37:13Z"),
			LastUsed:    iamsweep.Usage{Time: at("2026-01-02T03:04:05Z"), Region: "eu-west-1"},
			TrustPolicy: trust([]iamsweep.Condition{{Operator: "StringEquals", Key: "sts:ExternalId", Values: []string{"a+b+c%41"}}}),
			InlinePolicies: []iamsweep.InlinePolicy{{Name: "logs", Document: iamsweep.PolicyDocument{Version: "2012-10-17", Statements: []iamsweep.Statement{{
				Effect: "Allow", Actions: []string{"logs:*"}, Resources: []string{"arn:aws:logs:*:*:log-group:a+b"},
			}}}}},
			AttachedPolicies:    []iamsweep.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
			PermissionsBoundary: "arn:aws:iam::123456789012:policy/boundary",
			Tags:                []iamsweep.Tag{{Key: "note", Value: `<b> "q" 's' AB é`}, {Key: "cdata", Value: "x < y & z"}, {Key: "empty", Value: ""}},
			InstanceProfiles: []iamsweep.InstanceProfile{{
				Name: "web", ID: "AIPAPRETTYPRETTYPRETT", ARN: "arn:aws:iam::123456789012:instance-profile/web", Path: "/",
				Created: at("2019-05-22T16:40:00.123Z"), Roles: []string{"web & api"}, Tags: []iamsweep.Tag{{Key: "env", Value: "prod"}},
			}},
		},
		{
			AccountID: testAccountID, ARN: "arn:aws:iam::123456789012:role/idle", ID: "AROAIDLEIDLEIDLEIDLE1", Name: "idle", Path: "/",
			Created: at("2020-02-29T00:00:00Z"), TrustPolicy: &iamsweep.PolicyDocument{Statements: []iamsweep.Statement{}},
		},
		{
			AccountID: testAccountID, ARN: "arn:aws:iam::123456789012:role/never", ID: "AROANEVERNEVERNEVER01", Name: "never", Path: "/",
			Created: at("2020-02-29T00:00:00Z"),
		},
	}
	if diff := cmp.Diff(want, roles); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
}

func TestClient_RolesMalformedResponse(t *testing.T) {
	for _, body := range []string{"<ListRolesResponse><ListRolesResult/></ListRolesResponse>", prettyBody[:len(prettyBody)/2]} {
		roles, err := collectRoles(t.Context(), stubIAM(body))
		if err == nil || !strings.Contains(err.Error(), "read roles (GetAccountAuthorizationDetails page 1)") {
			t.Errorf("body %.40q: %d roles, err %v; want an error naming the call", body, len(roles), err)
		}
	}
}

func TestClient_TruncatedWithoutMarker(t *testing.T) {
	body := strings.Replace(prettyBody, "<Marker>AAAA+/b=</Marker>", "", 1)
	_, err := collectRoles(t.Context(), stubIAM(body))
	if err == nil || !strings.Contains(err.Error(), "truncated but sent no Marker") {
		t.Errorf("err = %v, want one saying the page is truncated without a Marker", err)
	}
}
