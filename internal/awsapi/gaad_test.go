package awsapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/authexport"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// roleFromDetail is the oracle's conversion: a straightforward mapping of
// the SDK's own decoding of a RoleDetail onto the domain role, with the
// domain's rules (no recorded use without a LastUsedDate; empty lists are
// nil; an unreadable policy document is nil, or an empty document for an
// inline policy).
func roleFromDetail(d iamtypes.RoleDetail) iamsweep.Role {
	r := iamsweep.Role{
		ARN:     aws.ToString(d.Arn),
		ID:      aws.ToString(d.RoleId),
		Name:    aws.ToString(d.RoleName),
		Path:    aws.ToString(d.Path),
		Created: utc(d.CreateDate),
	}
	if a, err := iamsweep.ParseARN(r.ARN); err == nil {
		r.AccountID = a.AccountID
	}
	if u := d.RoleLastUsed; u != nil && u.LastUsedDate != nil {
		r.LastUsed = iamsweep.Usage{Time: utc(u.LastUsedDate), Region: aws.ToString(u.Region)}
	}
	if d.AssumeRolePolicyDocument != nil {
		if doc, err := policy.Decode(*d.AssumeRolePolicyDocument); err == nil {
			r.TrustPolicy = &doc
		}
	}
	for _, p := range d.RolePolicyList {
		ip := iamsweep.InlinePolicy{Name: aws.ToString(p.PolicyName)}
		if doc, err := policy.Decode(aws.ToString(p.PolicyDocument)); err == nil {
			ip.Document = doc
		}
		r.InlinePolicies = append(r.InlinePolicies, ip)
	}
	for _, p := range d.AttachedManagedPolicies {
		r.AttachedPolicies = append(r.AttachedPolicies, iamsweep.AttachedPolicy{Name: aws.ToString(p.PolicyName), ARN: aws.ToString(p.PolicyArn)})
	}
	if d.PermissionsBoundary != nil {
		r.PermissionsBoundary = aws.ToString(d.PermissionsBoundary.PermissionsBoundaryArn)
	}
	r.Tags = tagsFromSDK(d.Tags)
	for _, p := range d.InstanceProfileList {
		ip := iamsweep.InstanceProfile{
			Name:    aws.ToString(p.InstanceProfileName),
			ID:      aws.ToString(p.InstanceProfileId),
			ARN:     aws.ToString(p.Arn),
			Path:    aws.ToString(p.Path),
			Created: utc(p.CreateDate),
			Tags:    tagsFromSDK(p.Tags),
		}
		for _, role := range p.Roles {
			ip.Roles = append(ip.Roles, aws.ToString(role.RoleName))
		}
		r.InstanceProfiles = append(r.InstanceProfiles, ip)
	}
	return r
}

func tagsFromSDK(ts []iamtypes.Tag) []iamsweep.Tag {
	var out []iamsweep.Tag
	for _, t := range ts {
		out = append(out, iamsweep.Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)})
	}
	return out
}

func utc(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.UTC()
}

// sdkPage is one page as the SDK's generated deserializer reads it, with the
// body it read.
type sdkPage struct {
	body []byte
	out  *iam.GetAccountAuthorizationDetailsOutput
}

// teeClient keeps a copy of every response body.
type teeClient struct {
	next aws.HTTPClient
	mu   sync.Mutex
	last []byte
}

func (c *teeClient) Do(req *http.Request) (*http.Response, error) {
	resp, err := c.next.Do(req)
	if err != nil {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.last = body
	c.mu.Unlock()
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return resp, nil
}

// sdkPages reads every page of roles from srv with the real SDK client and
// its own deserializer (no withFastGAAD), keeping each raw body.
func sdkPages(t *testing.T, srv *fakeaws.Server, maxItems int32) []sdkPage {
	t.Helper()
	cfg := testConfig(srv)
	tee := &teeClient{next: cfg.HTTPClient}
	cfg.HTTPClient = tee
	c := New(cfg, quietLogger())
	in := &iam.GetAccountAuthorizationDetailsInput{Filter: []iamtypes.EntityType{iamtypes.EntityTypeRole}, MaxItems: aws.Int32(maxItems)}
	var pages []sdkPage
	for {
		out, err := c.iam.GetAccountAuthorizationDetails(t.Context(), in)
		if err != nil {
			t.Fatal(err)
		}
		tee.mu.Lock()
		pages = append(pages, sdkPage{body: tee.last, out: out})
		tee.mu.Unlock()
		if !out.IsTruncated {
			return pages
		}
		in.Marker = out.Marker
	}
}

// sdkDecode decodes a response body with the SDK's generated deserializer,
// serving it from a stub HTTP client.
func sdkDecode(t *testing.T, body []byte) *iam.GetAccountAuthorizationDetailsOutput {
	t.Helper()
	stub := stubClient(func(*http.Request) (*http.Response, error) {
		return &http.Response{
			StatusCode:    200,
			Header:        http.Header{"Content-Type": {"text/xml"}},
			Body:          io.NopCloser(bytes.NewReader(body)),
			ContentLength: int64(len(body)),
		}, nil
	})
	c := New(aws.Config{
		Region:       "us-east-1",
		Credentials:  aws.AnonymousCredentials{},
		BaseEndpoint: aws.String("http://127.0.0.1:1"),
		HTTPClient:   stub,
		Retryer:      NewRetryer(RetryOptions{NoBackoff: true, MaxAttempts: 1}),
	}, quietLogger())
	out, err := c.iam.GetAccountAuthorizationDetails(t.Context(), &iam.GetAccountAuthorizationDetailsInput{})
	if err != nil {
		t.Fatalf("the SDK rejects the body: %v", err)
	}
	return out
}

type stubClient func(*http.Request) (*http.Response, error)

func (f stubClient) Do(r *http.Request) (*http.Response, error) { return f(r) }

// fastDecode decodes a body with scanGAAD and the client's policy decoder.
func fastDecode(t *testing.T, body []byte) ([]iamsweep.Role, gaadPage) {
	t.Helper()
	c := New(aws.Config{}, quietLogger())
	var roles []iamsweep.Role
	page, err := scanGAAD(body, func(r iamsweep.Role) error {
		roles = append(roles, r)
		return nil
	}, c.document)
	if err != nil {
		t.Fatalf("scanGAAD: %v", err)
	}
	return roles, page
}

// compareDecoders checks that scanGAAD and gaadPagination read body exactly
// as the SDK did (out) and returns the roles.
func compareDecoders(t *testing.T, body []byte, out *iam.GetAccountAuthorizationDetailsOutput) []iamsweep.Role {
	t.Helper()
	var want []iamsweep.Role
	for _, d := range out.RoleDetailList {
		want = append(want, roleFromDetail(d))
	}
	got, page := fastDecode(t, body)
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scanGAAD disagrees with the SDK's deserializer (-sdk +scanGAAD):\n%s", diff)
	}
	wantPage := gaadPage{truncated: out.IsTruncated, marker: aws.ToString(out.Marker)}
	if page != wantPage {
		t.Errorf("scanGAAD pagination %+v, SDK %+v", page, wantPage)
	}
	if quick, err := gaadPagination(body); err != nil || quick != wantPage {
		t.Errorf("gaadPagination = %+v, %v; SDK %+v", quick, err, wantPage)
	}
	return got
}

func TestScanGAAD_ExampleExport(t *testing.T) {
	f, err := os.Open("../../examples/account-export.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var export []iamsweep.Role
	if _, err := authexport.ReadRoles(t.Context(), f, "account-export.json", func(r iamsweep.Role) error {
		export = append(export, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Seek(0, 0); err != nil {
		t.Fatal(err)
	}
	a, err := fakeaws.AccountFromExport(t.Context(), f, "account-export.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(export) == 0 {
		t.Fatal("the example export holds no roles")
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(a))
	var got []iamsweep.Role
	pages := sdkPages(t, srv, 7)
	if len(pages) < 2 {
		t.Fatalf("%d pages; want several, to compare pagination too", len(pages))
	}
	for i, p := range pages {
		t.Run(fmt.Sprintf("page %d", i+1), func(t *testing.T) {
			got = append(got, compareDecoders(t, p.body, p.out)...)
		})
	}
	// And the example survives the trip through the fake.
	byName := func(rs []iamsweep.Role) {
		sort.Slice(rs, func(i, j int) bool { return strings.ToLower(rs[i].Name) < strings.ToLower(rs[j].Name) })
	}
	byName(export)
	byName(got)
	if diff := cmp.Diff(export, got); diff != "" {
		t.Errorf("the example export read back through the fake (-export +read):\n%s", diff)
	}
}

// randomText returns a short string drawn from characters that need XML
// escaping, non-ASCII letters, white space and control characters.
func randomText(rng *rand.Rand, maxLen int) string {
	pieces := []string{"a", "b", "Z", "0", "9", "-", "_", ".", "@", "+", "=", ",", "/", " ",
		"&", "<", ">", "\"", "'", "&amp;", "]]>", "%", "%41", "é", "ü", "日本", "😀", "\t", "\n", "\r\n", "\r", "\x01", "\xff"}
	n := rng.IntN(maxLen + 1)
	var b strings.Builder
	for i := 0; i < n; i++ {
		b.WriteString(pieces[rng.IntN(len(pieces))])
	}
	return b.String()
}

func randomTime(rng *rand.Rand) time.Time {
	sec := time.Date(2015, 1, 1, 0, 0, 0, 0, time.UTC).Unix() + rng.Int64N(12*365*24*3600)
	zone := time.FixedZone("z", (rng.IntN(27)-12)*3600)
	return time.Unix(sec, 0).In(zone)
}

// randomPolicy returns a valid policy document, or now and then one that is
// not.
func randomPolicy(rng *rand.Rand, trust bool) string {
	switch rng.IntN(20) {
	case 0:
		return "{not json"
	case 1:
		return `{"Version":"2012-10-17","Statement":"wrong"}`
	}
	values := make([]string, 1+rng.IntN(3))
	for i := range values {
		values[i] = randomText(rng, 6)
	}
	st := map[string]any{
		"Effect":    []string{"Allow", "Deny"}[rng.IntN(2)],
		"Action":    []string{"s3:GetObject", "sts:AssumeRole", "iam:*"}[:1+rng.IntN(3)],
		"Condition": map[string]any{"StringLike": map[string]any{"aws:PrincipalTag/" + randomText(rng, 3): values}},
	}
	if trust {
		st["Principal"] = map[string]any{"Service": "ec2.amazonaws.com"}
	} else {
		st["Resource"] = "arn:aws:s3:::" + randomText(rng, 5)
	}
	doc := map[string]any{"Version": "2012-10-17", "Statement": []any{st}}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(rng.IntN(2) == 0)
	if rng.IntN(2) == 0 {
		enc.SetIndent("", "  ")
	}
	if err := enc.Encode(doc); err != nil {
		panic(err)
	}
	return b.String()
}

func randomRoles(rng *rand.Rand, n int) []*fakeaws.Role {
	regions := []string{"", "us-east-1", "eu-west-1", "ap-southeast-2"}
	roles := make([]*fakeaws.Role, n)
	for i := range roles {
		r := &fakeaws.Role{
			Name:    fmt.Sprintf("%s-%d", randomText(rng, 8), i), // unique whatever the case
			Created: randomTime(rng),
		}
		if rng.IntN(2) == 0 {
			r.Path = "/" + randomText(rng, 5) + "/"
		}
		if rng.IntN(2) == 0 {
			r.LastUsed = randomTime(rng)
			r.LastUsedRegion = regions[rng.IntN(len(regions))]
		} else if rng.IntN(2) == 0 {
			r.LastUsedRegion = "us-east-1" // a region with no date: no recorded use
		}
		if rng.IntN(4) != 0 {
			r.TrustPolicy = randomPolicy(rng, true)
		}
		for j := rng.IntN(4); j > 0; j-- {
			r.Inline = append(r.Inline, fakeaws.InlinePolicy{Name: randomText(rng, 6), Document: randomPolicy(rng, false)})
		}
		for j := rng.IntN(4); j > 0; j-- {
			r.Attached = append(r.Attached, fakeaws.AttachedPolicy{Name: randomText(rng, 6), ARN: "arn:aws:iam::aws:policy/" + randomText(rng, 6)})
		}
		if rng.IntN(3) == 0 {
			r.Boundary = "arn:aws:iam::123456789012:policy/" + randomText(rng, 6)
		}
		for j := rng.IntN(6); j > 0; j-- {
			r.Tags = append(r.Tags, fakeaws.Tag{Key: randomText(rng, 4), Value: randomText(rng, 8)})
		}
		for j := rng.IntN(3); j > 0; j-- {
			// Unique in the account, as IAM requires: the role's index is in it.
			r.InstanceProfiles = append(r.InstanceProfiles, fakeaws.InstanceProfile{Name: fmt.Sprintf("%s-%d-%d", randomText(rng, 5), i, j), Created: randomTime(rng)})
		}
		roles[i] = r
	}
	return roles
}

func TestScanGAAD_RandomRoles(t *testing.T) {
	rng := rand.New(rand.NewPCG(2026, 5))
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID, Roles: randomRoles(rng, 300)}))
	total := 0
	for i, p := range sdkPages(t, srv, 100) {
		t.Run(fmt.Sprintf("page %d", i+1), func(t *testing.T) {
			total += len(compareDecoders(t, p.body, p.out))
		})
	}
	if total != 300 {
		t.Errorf("%d roles decoded, want 300", total)
	}
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

func TestScanGAAD_HandWritten(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantRoles []string
	}{
		{name: "pretty-printed", body: prettyBody, wantRoles: []string{"web & api", "idle", "never"}},
		{name: "pretty-printed with CRLF line ends", body: strings.ReplaceAll(prettyBody, "\n", "\r\n"), wantRoles: []string{"web & api", "idle", "never"}},
		{
			name: "compact, no prolog, no trailing newline",
			body: `<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetAccountAuthorizationDetailsResult>` +
				`<RoleDetailList/><IsTruncated>false</IsTruncated></GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>`,
		},
		{
			// Text after a self-closing element belongs to its parent
			// (mixed content), not to the element.
			name: "text after a self-closing document",
			body: `<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated><RoleDetailList><member>` +
				`<RoleName>r</RoleName><Arn>arn:aws:iam::123456789012:role/r</Arn><AssumeRolePolicyDocument/>%7B%7D</member></RoleDetailList>` +
				`</GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>`,
			wantRoles: []string{"r"},
		},
		{
			name: "comment and white space after the root",
			body: "<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated>" +
				"</GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>\n<!-- end -->\n\t ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := []byte(tt.body)
			got := compareDecoders(t, body, sdkDecode(t, body))
			if diff := cmp.Diff(tt.wantRoles, roleNames(got), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
		})
	}

	// Spot checks, so that a fault shared by both decoders shows too.
	roles, page := fastDecode(t, []byte(prettyBody))
	if page != (gaadPage{truncated: true, marker: "AAAA+/b="}) {
		t.Errorf("pagination %+v", page)
	}
	web := roles[0]
	if got := web.TrustPolicy.Statements[0].Conditions[0].Values; !cmp.Equal(got, []string{"a+b+c%41"}) {
		t.Errorf("trust policy condition %q, want a raw '+' kept and %%2541 decoded once", got)
	}
	if got := web.InlinePolicies[0].Document.Statements[0].Resources; !cmp.Equal(got, []string{"arn:aws:logs:*:*:log-group:a+b"}) {
		t.Errorf("inline policy resources %q", got)
	}
	wantTags := []iamsweep.Tag{{Key: "note", Value: `<b> "q" 's' AB é`}, {Key: "cdata", Value: "x < y & z"}, {Key: "empty", Value: ""}}
	if diff := cmp.Diff(wantTags, web.Tags); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
	if !roles[1].LastUsed.IsZero() || !roles[2].LastUsed.IsZero() {
		t.Errorf("roles without a LastUsedDate read as used: %+v, %+v", roles[1].LastUsed, roles[2].LastUsed)
	}
}

func TestScanGAAD_Malformed(t *testing.T) {
	const head = `<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult><RoleDetailList><member>`
	const tail = `</member></RoleDetailList></GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>`
	tests := []struct {
		name string
		body string
	}{
		{name: "empty", body: ""},
		{name: "another response", body: `<ListRolesResponse><ListRolesResult/></ListRolesResponse>`},
		{name: "truncated", body: prettyBody[:len(prettyBody)/2]},
		{name: "bad timestamp", body: head + `<RoleName>r</RoleName><CreateDate>yesterday</CreateDate>` + tail},
		{name: "element inside a text value", body: head + `<RoleName>r<b/></RoleName>` + tail},
		{name: "unknown entity", body: head + `<RoleName>&bogus;</RoleName>` + tail},
		{name: "second root", body: prettyBody + "<GetAccountAuthorizationDetailsResponse/>"},
		{name: "text after the root", body: prettyBody + "junk"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			if _, err := scanGAAD([]byte(tt.body), func(iamsweep.Role) error { n++; return nil }, New(aws.Config{}, quietLogger()).document); err == nil {
				t.Errorf("scanGAAD accepted the body (%d roles)", n)
			}
		})
	}
}

func TestElemReader_TextBytes(t *testing.T) {
	tests := []struct {
		name string
		// doc starts with the element whose text is read.
		doc  string
		want string
		// rest is what must follow once the text is read.
		rest string
	}{
		{name: "plain", doc: "<a>abc</a><b/>", want: "abc", rest: "b"},
		{name: "escaped", doc: "<a>a&amp;b</a><b/>", want: "a&b", rest: "b"},
		{name: "empty", doc: "<a></a><b/>", want: "", rest: "b"},
		{name: "self-closing", doc: "<a/><b/>", want: "", rest: "b"},
		{name: "self-closing, then text of the parent", doc: "<a/>text<b/>", want: "", rest: "b"},
		{name: "split by a comment", doc: "<a>x<!-- c -->y</a><b/>", want: "xy", rest: "b"},
		{name: "CRLF", doc: "<a>x\r\ny</a><b/>", want: "x\ny", rest: "b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &elemReader{s: xmlScanner{data: []byte("<root>" + tt.doc + "</root>")}}
			for _, want := range []string{"root", "a"} {
				if name, ok, err := r.child(); err != nil || !ok || string(name) != want {
					t.Fatalf("child = %s, %v, %v; want <%s>", name, ok, err, want)
				}
			}
			got, err := r.textBytes()
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("textBytes = %q, want %q", got, tt.want)
			}
			if name, ok, err := r.child(); err != nil || !ok || string(name) != tt.rest {
				t.Errorf("next child = %s, %v, %v; want <%s>", name, ok, err, tt.rest)
			}
		})
	}
}

// TestScanGAAD_CopiesStrings checks that decoded roles do not alias the
// body: Client.Roles recycles the buffer once a page is decoded.
func TestScanGAAD_CopiesStrings(t *testing.T) {
	body := []byte(prettyBody)
	first, _ := fastDecode(t, body)
	for i := range body {
		body[i] = 'x'
	}
	again, _ := fastDecode(t, []byte(prettyBody))
	if diff := cmp.Diff(again, first); diff != "" {
		t.Errorf("roles changed when the body was overwritten (-want +got):\n%s", diff)
	}
}

func FuzzScanGAAD(f *testing.F) {
	f.Add([]byte(prettyBody))
	f.Add([]byte(prettyBody[:len(prettyBody)/3]))
	f.Add([]byte(`<GetAccountAuthorizationDetailsResponse><GetAccountAuthorizationDetailsResult><IsTruncated>false</IsTruncated></GetAccountAuthorizationDetailsResult></GetAccountAuthorizationDetailsResponse>`))
	f.Add([]byte(`<a x="/>"><![CDATA[x]]><!-- c --><?p?>&#x41;</a>`))
	f.Add(pageBody(f, 2))
	c := New(aws.Config{}, quietLogger())
	f.Fuzz(func(t *testing.T, body []byte) {
		// Arbitrary bytes never panic; a bad document is an error.
		orig := append([]byte(nil), body...)
		var roles []iamsweep.Role
		page, err := scanGAAD(body, func(r iamsweep.Role) error {
			roles = append(roles, r)
			return nil
		}, c.document)
		_, _ = gaadPagination(body)
		_, _ = scanGAAD(body, nil, nil)
		if err != nil {
			return
		}
		// What was decoded is a copy: overwriting the body changes
		// nothing, and decoding again gives the same.
		for i := range body {
			body[i] = 0
		}
		var again []iamsweep.Role
		page2, err := scanGAAD(orig, func(r iamsweep.Role) error {
			again = append(again, r)
			return nil
		}, c.document)
		if err != nil || page2 != page {
			t.Fatalf("second decode: %+v, %v; first %+v", page2, err, page)
		}
		if diff := cmp.Diff(again, roles); diff != "" {
			t.Fatalf("decoded roles alias the body (-fresh +first):\n%s", diff)
		}
	})
}

func TestParseUTCSeconds(t *testing.T) {
	for _, s := range []string{"2024-02-29T23:59:59Z", "1999-12-31T00:00:00Z", "2024-04-31T00:00:00Z", "2024-13-01T00:00:00Z",
		"2024-01-01T00:00:00.5Z", "2024-01-01T00:00:00+00:00", "2024-01-01 00:00:00Z", "2024-01-01T24:00:00Z", "2024-1a-01T00:00:00Z"} {
		want, wantErr := time.Parse(time.RFC3339Nano, s)
		got, ok := parseUTCSeconds([]byte(s))
		if ok && (wantErr != nil || !got.Equal(want)) {
			t.Errorf("parseUTCSeconds(%q) = %v, time.Parse gives %v, %v", s, got, want, wantErr)
		}
		if !ok && len(s) == 20 && wantErr == nil {
			t.Errorf("parseUTCSeconds(%q) refused a valid time", s)
		}
	}
}

func TestAccountOf(t *testing.T) {
	for arn, want := range map[string]string{
		"arn:aws:iam::123456789012:role/x":       "123456789012",
		"arn:aws-cn:iam::123456789012:user/a/b":  "123456789012",
		"arn:aws:iam::aws:policy/ReadOnlyAccess": "",
		"arn:aws:iam::12345:role/x":              "",
		"not an arn":                             "",
		"":                                       "",
	} {
		if got := accountOf(arn); got != want {
			t.Errorf("accountOf(%q) = %q, want %q", arn, got, want)
		}
	}
}

// TestFindTag pins the search of gaadPagination wherever the tag sits: in
// the first or last 4 KB it looks at first, between them, or nowhere.
func TestFindTag(t *testing.T) {
	pad := strings.Repeat("x", 10000)
	tag := []byte("<Marker>")
	for _, tc := range []struct {
		name, body string
		want       int
	}{
		{"head", "<Marker>" + pad, 0},
		{"tail", pad + "<Marker>", 10000},
		{"middle", pad + "<Marker>" + pad, 10000},
		{"across the head window", pad[:4090] + "<Marker>" + pad, 4090},
		{"across the tail window", pad + "<Marker>" + pad[:4090], 10000},
		{"short", "ab<Marker>", 2},
		{"absent", pad, -1},
		{"empty", "", -1},
	} {
		if got := findTag([]byte(tc.body), tag); got != tc.want {
			t.Errorf("%s: findTag = %d, want %d", tc.name, got, tc.want)
		}
	}
}
