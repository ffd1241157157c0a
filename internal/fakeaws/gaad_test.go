package fakeaws_test

import (
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

func detailNames(ds []types.RoleDetail) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = aws.ToString(d.RoleName)
	}
	return out
}

func roleInput(maxItems *int32, marker *string) *iam.GetAccountAuthorizationDetailsInput {
	return &iam.GetAccountAuthorizationDetailsInput{
		Filter:   []types.EntityType{types.EntityTypeRole},
		MaxItems: maxItems,
		Marker:   marker,
	}
}

func TestServer_GetAccountAuthorizationDetailsPagination(t *testing.T) {
	tests := []struct {
		name      string
		roles     int
		maxItems  *int32 // nil sends no MaxItems
		pageItems int    // WithMaxPageItems; 0 for none
		wantPages []int
	}{
		{name: "MaxItems 1", roles: 3, maxItems: aws.Int32(1), wantPages: []int{1, 1, 1}},
		{name: "MaxItems 2", roles: 5, maxItems: aws.Int32(2), wantPages: []int{2, 2, 1}},
		{name: "MaxItems 2 with an exact multiple", roles: 4, maxItems: aws.Int32(2), wantPages: []int{2, 2}},
		{name: "MaxItems 1000", roles: 2500, maxItems: aws.Int32(1000), wantPages: []int{1000, 1000, 500}},
		{name: "default MaxItems is 100", roles: 250, wantPages: []int{100, 100, 50}},
		{name: "fewer roles than a page", roles: 7, wantPages: []int{7}},
		{name: "empty account", roles: 0, maxItems: aws.Int32(1000), wantPages: []int{0}},
		{name: "short pages below MaxItems", roles: 10, maxItems: aws.Int32(1000), pageItems: 3, wantPages: []int{3, 3, 3, 1}},
		{name: "short pages above MaxItems", roles: 5, maxItems: aws.Int32(2), pageItems: 3, wantPages: []int{2, 2, 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			seed := numbered(tt.roles)
			opts := []fakeaws.Option{fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: seed})}
			if tt.pageItems > 0 {
				opts = append(opts, fakeaws.WithMaxPageItems(tt.pageItems))
			}
			srv := fakeaws.New(t, opts...)
			c := iamClient(srv, keyA)

			var pages []int
			var got []string
			var marker *string
			for i := 0; i <= len(tt.wantPages); i++ {
				out, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(tt.maxItems, marker))
				if err != nil {
					t.Fatalf("page %d: %v", i+1, err)
				}
				pages = append(pages, len(out.RoleDetailList))
				got = append(got, detailNames(out.RoleDetailList)...)
				if out.IsTruncated != (aws.ToString(out.Marker) != "") {
					t.Errorf("page %d: IsTruncated %v with Marker %q; want a Marker exactly when truncated", i+1, out.IsTruncated, aws.ToString(out.Marker))
				}
				if !out.IsTruncated {
					break
				}
				marker = out.Marker
			}
			if diff := cmp.Diff(tt.wantPages, pages); diff != "" {
				t.Errorf("page sizes (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(names(seed), got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("roles over all pages (-want +got):\n%s", diff)
			}
			if n := srv.CallCount(gaad); n != len(tt.wantPages) {
				t.Errorf("%d calls recorded, want %d", n, len(tt.wantPages))
			}
		})
	}
}

func TestServer_GetAccountAuthorizationDetailsPaginator(t *testing.T) {
	seed := numbered(50)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: seed}), fakeaws.WithMaxPageItems(7))
	p := iam.NewGetAccountAuthorizationDetailsPaginator(iamClient(srv, keyA), roleInput(aws.Int32(1000), nil))
	var got []string
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		if len(out.RoleDetailList) > 7 {
			t.Errorf("page of %d roles, want at most 7", len(out.RoleDetailList))
		}
		got = append(got, detailNames(out.RoleDetailList)...)
	}
	if diff := cmp.Diff(names(seed), got); diff != "" {
		t.Errorf("roles (-want +got):\n%s", diff)
	}
	if n := srv.CallCount(gaad); n != 8 {
		t.Errorf("%d calls, want 8 (ceil(50/7))", n)
	}
}

func TestServer_GetAccountAuthorizationDetailsMarker(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(3)}))
	c := iamClient(srv, keyA)

	// A marker from the unfiltered listing (every entity type).
	out, err := c.GetAccountAuthorizationDetails(t.Context(), &iam.GetAccountAuthorizationDetailsInput{MaxItems: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	unfiltered := aws.ToString(out.Marker)
	// A marker from the Role listing.
	out, err = c.GetAccountAuthorizationDetails(t.Context(), roleInput(aws.Int32(1), nil))
	if err != nil {
		t.Fatal(err)
	}
	roleMarker := aws.ToString(out.Marker)
	if unfiltered == "" || roleMarker == "" {
		t.Fatalf("no markers (%q, %q) from truncated pages", unfiltered, roleMarker)
	}

	t.Run("same listing with another MaxItems", func(t *testing.T) {
		out, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(aws.Int32(1000), aws.String(roleMarker)))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"role-0001", "role-0002"}, detailNames(out.RoleDetailList)); diff != "" {
			t.Errorf("roles after the marker (-want +got):\n%s", diff)
		}
		if out.IsTruncated || out.Marker != nil {
			t.Errorf("last page: IsTruncated %v, Marker %v", out.IsTruncated, out.Marker)
		}
	})

	invalid := []struct {
		name   string
		filter []types.EntityType
		marker string
	}{
		{name: "garbage", filter: []types.EntityType{types.EntityTypeRole}, marker: "not-a-marker"},
		{name: "base64 garbage", filter: []types.EntityType{types.EntityTypeRole}, marker: base64.StdEncoding.EncodeToString([]byte("hello"))},
		{name: "from the unfiltered listing", filter: []types.EntityType{types.EntityTypeRole}, marker: unfiltered},
		{name: "from the Role listing used unfiltered", marker: roleMarker},
		{name: "from the Role listing used for users", filter: []types.EntityType{types.EntityTypeUser}, marker: roleMarker},
	}
	for _, tt := range invalid {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.GetAccountAuthorizationDetails(t.Context(), &iam.GetAccountAuthorizationDetailsInput{Filter: tt.filter, Marker: aws.String(tt.marker)})
			got := errorOf(t, err)
			if got.Code != "ValidationError" || got.Status != 400 {
				t.Errorf("got %+v, want ValidationError (400)", got)
			}
		})
	}
}

func TestServer_GetAccountAuthorizationDetailsFilter(t *testing.T) {
	seed := numbered(3)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: seed}))
	c := iamClient(srv, keyA)
	tests := []struct {
		name      string
		filter    []types.EntityType
		wantRoles []string
		wantCode  string
	}{
		{name: "no filter means every type", wantRoles: names(seed)},
		{name: "Role", filter: []types.EntityType{"Role"}, wantRoles: names(seed)},
		{name: "Role among others", filter: []types.EntityType{"User", "Role"}, wantRoles: names(seed)},
		{name: "User only", filter: []types.EntityType{"User"}},
		{name: "every type but Role", filter: []types.EntityType{"User", "Group", "LocalManagedPolicy", "AWSManagedPolicy"}},
		{name: "unknown type", filter: []types.EntityType{"Bogus"}, wantCode: "ValidationError"},
		{name: "wrong case", filter: []types.EntityType{"role"}, wantCode: "ValidationError"},
		{name: "unknown type after a valid one", filter: []types.EntityType{"Role", "Bogus"}, wantCode: "ValidationError"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.GetAccountAuthorizationDetails(t.Context(), &iam.GetAccountAuthorizationDetailsInput{Filter: tt.filter})
			if tt.wantCode != "" {
				if got := errorOf(t, err); got.Code != tt.wantCode || got.Status != 400 {
					t.Errorf("got %+v, want %s (400)", got, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.wantRoles, detailNames(out.RoleDetailList), cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("roles (-want +got):\n%s", diff)
			}
			if out.IsTruncated || out.Marker != nil {
				t.Errorf("IsTruncated %v, Marker %v; want one complete page", out.IsTruncated, out.Marker)
			}
		})
	}
}

func TestServer_GetAccountAuthorizationDetailsMaxItems(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: numbered(2)}))
	c := iamClient(srv, keyA)
	for _, n := range []int32{0, -1, 1001, 5000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			_, err := c.GetAccountAuthorizationDetails(t.Context(), roleInput(aws.Int32(n), nil))
			if got := errorOf(t, err); got.Code != "ValidationError" || got.Status != 400 || !strings.Contains(got.Message, "maxItems") {
				t.Errorf("got %+v, want ValidationError (400) naming maxItems", got)
			}
		})
	}
}

// richRole is a role with every field set, with the characters that need
// escaping in XML and in URLs.
func richRole() *fakeaws.Role {
	created := time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)
	return &fakeaws.Role{
		Name:           "deploy-role",
		Path:           "/ci/",
		ID:             "AROARICHRICHRICHRICH1",
		Created:        created,
		LastUsed:       time.Date(2026, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600)),
		LastUsedRegion: "eu-west-1",
		TrustPolicy:    `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999988887777:root"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"a+b %41 &<>\"' é"}}}]}`,
		Inline: []fakeaws.InlinePolicy{
			{Name: "s3-read", Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject"],"Resource":"arn:aws:s3:::b/*"}]}`},
			{Name: "logs", Document: "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": {\"Effect\": \"Allow\", \"Action\": \"logs:*\", \"Resource\": \"*\"}\n}"},
		},
		Attached: []fakeaws.AttachedPolicy{{Name: "ReadOnlyAccess", ARN: "arn:aws:iam::aws:policy/ReadOnlyAccess"}},
		Boundary: "arn:aws:iam::111111111111:policy/boundary",
		Tags: []fakeaws.Tag{
			{Key: "owner", Value: "team@example.com"},
			{Key: "note", Value: "a&b <c> \"d\" 'e' — é 日本\r\nline2\ttab"},
			{Key: "empty", Value: ""},
		},
		InstanceProfiles: []fakeaws.InstanceProfile{{Name: "deploy-profile", Path: "/ip/", ID: "AIPARICHRICHRICHRICH1", Created: created.Add(time.Hour)}},
	}
}

// node is a generic XML element.
type node struct {
	XMLName xml.Name
	Nodes   []node `xml:",any"`
	Text    string `xml:",chardata"`
}

func (n node) child(name string) node {
	for _, c := range n.Nodes {
		if c.XMLName.Local == name {
			return c
		}
	}
	return node{}
}

func (n node) childNames() []string {
	var out []string
	for _, c := range n.Nodes {
		out = append(out, c.XMLName.Local)
	}
	return out
}

// inModelOrder checks that got names members of a shape in the order the
// model lists them, with every required member present.
func inModelOrder(t *testing.T, what string, got, model, required []string) {
	t.Helper()
	i := 0
	for _, g := range got {
		for i < len(model) && model[i] != g {
			i++
		}
		if i == len(model) {
			t.Errorf("%s: member %s is unknown or out of the model's order %v (got %v)", what, g, model, got)
			return
		}
		i++
	}
	present := map[string]bool{}
	for _, g := range got {
		present[g] = true
	}
	for _, r := range required {
		if !present[r] {
			t.Errorf("%s: required member %s missing (got %v)", what, r, got)
		}
	}
}

// The RoleDetail members, in the order of the model (and of the AWS API
// reference).
var roleDetailMembers = []string{"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument",
	"InstanceProfileList", "RolePolicyList", "AttachedManagedPolicies", "PermissionsBoundary", "Tags", "RoleLastUsed"}

func TestServer_RoleDetailXML(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{richRole(), {Name: "z-plain"}}}))
	status, body := post(t, srv, keyA, url.Values{"Action": {gaad}, "Version": {"2010-05-08"}, "Filter.member.1": {"Role"}, "MaxItems": {"1"}})
	if status != 200 {
		t.Fatalf("status %d: %s", status, body)
	}
	var doc node
	if err := xml.Unmarshal(body, &doc); err != nil {
		t.Fatalf("response is not well-formed XML: %v", err)
	}
	if want := (xml.Name{Space: "https://iam.amazonaws.com/doc/2010-05-08/", Local: "GetAccountAuthorizationDetailsResponse"}); doc.XMLName != want {
		t.Errorf("root element %v, want %v", doc.XMLName, want)
	}
	if diff := cmp.Diff([]string{"GetAccountAuthorizationDetailsResult", "ResponseMetadata"}, doc.childNames()); diff != "" {
		t.Errorf("root members (-want +got):\n%s", diff)
	}
	if id := doc.child("ResponseMetadata").child("RequestId").Text; !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`).MatchString(id) {
		t.Errorf("RequestId %q is not a UUID", id)
	}
	result := doc.child("GetAccountAuthorizationDetailsResult")
	got := result.childNames()
	// The model's output members; the fake sends IsTruncated first, as
	// IAM's own example responses do, so only the set is checked here.
	outputMembers := map[string]bool{"UserDetailList": true, "GroupDetailList": true, "RoleDetailList": true, "Policies": true, "IsTruncated": true, "Marker": true}
	for _, name := range got {
		if !outputMembers[name] {
			t.Errorf("result member %s is not in the GetAccountAuthorizationDetails output shape", name)
		}
		delete(outputMembers, name)
	}
	if len(outputMembers) != 0 {
		t.Errorf("result members %v missing or repeated (got %v)", outputMembers, got)
	}

	members := result.child("RoleDetailList").Nodes
	if len(members) != 1 || members[0].XMLName.Local != "member" {
		t.Fatalf("RoleDetailList holds %v, want one <member>", result.child("RoleDetailList").childNames())
	}
	role := members[0]
	if diff := cmp.Diff(roleDetailMembers, role.childNames()); diff != "" {
		t.Errorf("RoleDetail members of a role with every field (-want +got):\n%s", diff)
	}
	profile := role.child("InstanceProfileList").child("member")
	inModelOrder(t, "InstanceProfile", profile.childNames(),
		[]string{"Path", "InstanceProfileName", "InstanceProfileId", "Arn", "CreateDate", "Roles", "Tags"},
		[]string{"Path", "InstanceProfileName", "InstanceProfileId", "Arn", "CreateDate", "Roles"})
	inModelOrder(t, "InstanceProfile.Roles member (Role)", profile.child("Roles").child("member").childNames(),
		[]string{"Path", "RoleName", "RoleId", "Arn", "CreateDate", "AssumeRolePolicyDocument", "Description", "MaxSessionDuration", "PermissionsBoundary", "Tags", "RoleLastUsed"},
		[]string{"Path", "RoleName", "RoleId", "Arn", "CreateDate"})
	inModelOrder(t, "PolicyDetail", role.child("RolePolicyList").child("member").childNames(), []string{"PolicyName", "PolicyDocument"}, nil)
	inModelOrder(t, "AttachedPolicy", role.child("AttachedManagedPolicies").child("member").childNames(), []string{"PolicyName", "PolicyArn"}, nil)
	inModelOrder(t, "AttachedPermissionsBoundary", role.child("PermissionsBoundary").childNames(), []string{"PermissionsBoundaryType", "PermissionsBoundaryArn"}, nil)
	inModelOrder(t, "Tag", role.child("Tags").child("member").childNames(), []string{"Key", "Value"}, []string{"Key", "Value"})
	inModelOrder(t, "RoleLastUsed", role.child("RoleLastUsed").childNames(), []string{"LastUsedDate", "Region"}, nil)
	for _, ts := range []string{role.child("CreateDate").Text, role.child("RoleLastUsed").child("LastUsedDate").Text} {
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(ts) {
			t.Errorf("timestamp %q is not ISO 8601 in UTC as IAM writes it", ts)
		}
	}
}

// ignoreSDK lets cmp compare SDK shapes, which carry an unexported marker
// field.
var ignoreSDK = cmpopts.IgnoreUnexported(types.RoleDetail{}, types.InstanceProfile{}, types.Role{}, types.PolicyDetail{},
	types.AttachedPolicy{}, types.AttachedPermissionsBoundary{}, types.Tag{}, types.RoleLastUsed{})

func TestServer_RoleDetailSDK(t *testing.T) {
	rich := richRole()
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA, Roles: []*fakeaws.Role{rich, {Name: "z-plain"}}}))
	out, err := iamClient(srv, keyA).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
	if err != nil {
		t.Fatal(err)
	}
	enc := func(s string) *string { return aws.String(rfc3986(s)) }
	created := time.Date(2021, 2, 3, 4, 5, 6, 0, time.UTC)
	arn := "arn:aws:iam::" + accountA + ":role/ci/deploy-role"
	plain := srv.Account(accountA).Roles[1]
	want := []types.RoleDetail{
		{
			Path:                     aws.String("/ci/"),
			RoleName:                 aws.String("deploy-role"),
			RoleId:                   aws.String("AROARICHRICHRICHRICH1"),
			Arn:                      aws.String(arn),
			CreateDate:               aws.Time(created),
			AssumeRolePolicyDocument: enc(rich.TrustPolicy),
			InstanceProfileList: []types.InstanceProfile{{
				Path:                aws.String("/ip/"),
				InstanceProfileName: aws.String("deploy-profile"),
				InstanceProfileId:   aws.String("AIPARICHRICHRICHRICH1"),
				Arn:                 aws.String("arn:aws:iam::" + accountA + ":instance-profile/ip/deploy-profile"),
				CreateDate:          aws.Time(created.Add(time.Hour)),
				Roles: []types.Role{{
					Path: aws.String("/ci/"), RoleName: aws.String("deploy-role"), RoleId: aws.String("AROARICHRICHRICHRICH1"),
					Arn: aws.String(arn), CreateDate: aws.Time(created), AssumeRolePolicyDocument: enc(rich.TrustPolicy),
				}},
			}},
			RolePolicyList: []types.PolicyDetail{
				{PolicyName: aws.String("s3-read"), PolicyDocument: enc(rich.Inline[0].Document)},
				{PolicyName: aws.String("logs"), PolicyDocument: enc(rich.Inline[1].Document)},
			},
			AttachedManagedPolicies: []types.AttachedPolicy{{PolicyName: aws.String("ReadOnlyAccess"), PolicyArn: aws.String("arn:aws:iam::aws:policy/ReadOnlyAccess")}},
			PermissionsBoundary: &types.AttachedPermissionsBoundary{
				PermissionsBoundaryType: types.PermissionsBoundaryAttachmentTypePolicy,
				PermissionsBoundaryArn:  aws.String("arn:aws:iam::111111111111:policy/boundary"),
			},
			Tags: []types.Tag{
				{Key: aws.String("owner"), Value: aws.String("team@example.com")},
				{Key: aws.String("note"), Value: aws.String("a&b <c> \"d\" 'e' — é 日本\r\nline2\ttab")},
				{Key: aws.String("empty"), Value: aws.String("")},
			},
			RoleLastUsed: &types.RoleLastUsed{LastUsedDate: aws.Time(time.Date(2026, 1, 2, 2, 4, 5, 0, time.UTC)), Region: aws.String("eu-west-1")},
		},
		{
			Path:                     aws.String("/"),
			RoleName:                 aws.String("z-plain"),
			RoleId:                   aws.String(plain.ID),
			Arn:                      aws.String("arn:aws:iam::" + accountA + ":role/z-plain"),
			CreateDate:               aws.Time(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)),
			AssumeRolePolicyDocument: enc(fakeaws.DefaultTrustPolicy),
			InstanceProfileList:      []types.InstanceProfile{},
			RolePolicyList:           []types.PolicyDetail{},
			AttachedManagedPolicies:  []types.AttachedPolicy{},
			Tags:                     []types.Tag{},
			// A role with no recorded use has an empty RoleLastUsed.
			RoleLastUsed: &types.RoleLastUsed{},
		},
	}
	if diff := cmp.Diff(want, out.RoleDetailList, ignoreSDK); diff != "" {
		t.Errorf("RoleDetailList as the SDK decodes it (-want +got):\n%s", diff)
	}
	if out.UserDetailList == nil || out.GroupDetailList == nil || out.Policies == nil || len(out.UserDetailList)+len(out.GroupDetailList)+len(out.Policies) != 0 {
		t.Errorf("the other lists should be present and empty: users %v, groups %v, policies %v", out.UserDetailList, out.GroupDetailList, out.Policies)
	}

	// Decoding a document once gives back the JSON it was seeded with.
	d := out.RoleDetailList[0]
	docs := map[string]*string{rich.TrustPolicy: d.AssumeRolePolicyDocument, rich.Inline[0].Document: d.RolePolicyList[0].PolicyDocument, rich.Inline[1].Document: d.RolePolicyList[1].PolicyDocument}
	for seeded, wire := range docs {
		got, err := url.PathUnescape(aws.ToString(wire))
		if err != nil || got != seeded {
			t.Errorf("url.PathUnescape(%q) = %q, %v; want %q", aws.ToString(wire), got, err, seeded)
		}
		// Every reserved byte is percent-encoded (RFC 3986).
		if strings.ContainsAny(aws.ToString(wire), "{}\":+ \n") {
			t.Errorf("policy on the wire holds reserved characters unencoded: %q", aws.ToString(wire))
		}
	}
}

// rfc3986 percent-encodes every byte but the unreserved characters, as IAM
// encodes policy documents.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-_.~", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}
