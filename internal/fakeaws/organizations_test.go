package fakeaws_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	mgmt     = "100000000000"
	member   = "100000000005" // in Security/Audit
	outsider = "999999999999" // seeded, but in no organization
	orgID    = "o-exampleorg1"
	rootID   = "r-ab12"
	keyMgmt  = "AKIAMGMTMGMTMGMTMGMT"
	keyMbr   = "AKIAMEMBERMEMBERMEMB"
	keyOut   = "AKIAOUTSIDEROUTSIDER"
)

// accountRange returns org accounts 1000000000<from>..<to>.
func accountRange(from, to int, status string) []fakeaws.OrgAccount {
	var out []fakeaws.OrgAccount
	for i := from; i <= to; i++ {
		out = append(out, fakeaws.OrgAccount{ID: fmt.Sprintf("1000000000%02d", i), Status: status})
	}
	return out
}

// bigOrg is an organization of 30 accounts, in OUs three levels deep:
//
//	root: 00 (management), 01
//	  Security: 02-04
//	    Audit: 05-06
//	      Forensics: 07-08
//	  Workloads: (none)
//	    Prod: 09-13
//	      Payments: 14-17
//	    Dev: 18-22
//	      Sandbox: 23-26
//	  Closing: 27 (SUSPENDED), 28 (PENDING_CLOSURE), 29 (SUSPENDED)
func bigOrg() *fakeaws.Organization {
	closing := accountRange(27, 29, "SUSPENDED")
	closing[1].Status = "PENDING_CLOSURE"
	return &fakeaws.Organization{
		ID:                orgID,
		RootID:            rootID,
		ManagementAccount: mgmt,
		Accounts: append([]fakeaws.OrgAccount{{ID: mgmt, Name: "Management", Email: "aws-root@example.com",
			Joined: time.Date(2019, 6, 1, 10, 20, 30, 123e6, time.UTC)}}, accountRange(1, 1, "")...),
		OUs: []*fakeaws.OU{
			{Name: "Security", Accounts: accountRange(2, 4, ""), OUs: []*fakeaws.OU{
				{Name: "Audit", Accounts: accountRange(5, 6, ""), OUs: []*fakeaws.OU{
					{Name: "Forensics", Accounts: accountRange(7, 8, "")},
				}},
			}},
			{Name: "Workloads", OUs: []*fakeaws.OU{
				{Name: "Prod", Accounts: accountRange(9, 13, ""), OUs: []*fakeaws.OU{{Name: "Payments", Accounts: accountRange(14, 17, "")}}},
				{Name: "Dev", Accounts: accountRange(18, 22, ""), OUs: []*fakeaws.OU{{Name: "Sandbox", Accounts: accountRange(23, 26, "")}}},
			}},
			{Name: "Closing", Accounts: closing},
		},
	}
}

// allIDs are bigOrg's account IDs, depth first.
func allIDs() []string {
	var ids []string
	for i := 0; i < 30; i++ {
		ids = append(ids, fmt.Sprintf("1000000000%02d", i))
	}
	return ids
}

// orgServer serves bigOrg, with the management account, a member and an
// outsider seeded and their keys mapped.
func orgServer(t *testing.T, opts ...fakeaws.Option) *fakeaws.Server {
	t.Helper()
	base := []fakeaws.Option{
		fakeaws.WithAccounts(&fakeaws.Account{ID: mgmt}, &fakeaws.Account{ID: member}, &fakeaws.Account{ID: outsider}),
		fakeaws.WithOrganization(bigOrg()),
		fakeaws.WithCredentials(keyMgmt, mgmt),
		fakeaws.WithCredentials(keyMbr, member),
		fakeaws.WithCredentials(keyOut, outsider),
	}
	return fakeaws.New(t, append(base, opts...)...)
}

func orgClient(srv *fakeaws.Server, creds aws.CredentialsProvider) *organizations.Client {
	return organizations.NewFromConfig(config(srv, creds))
}

func accountIDs(as []orgtypes.Account) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = aws.ToString(a.Id)
	}
	return out
}

func TestServer_ListAccounts(t *testing.T) {
	tests := []struct {
		name       string
		maxResults *int32
		pageItems  int // WithMaxPageItems; 0 for none
		wantPages  []int
	}{
		{name: "default MaxResults is 20", wantPages: []int{20, 10}},
		{name: "MaxResults 7", maxResults: aws.Int32(7), wantPages: []int{7, 7, 7, 7, 2}},
		{name: "MaxResults 20", maxResults: aws.Int32(20), wantPages: []int{20, 10}},
		{name: "MaxResults 15, an exact multiple", maxResults: aws.Int32(15), wantPages: []int{15, 15}},
		{name: "MaxResults 1", maxResults: aws.Int32(1), wantPages: slices.Repeat([]int{1}, 30)},
		{name: "short pages below MaxResults", maxResults: aws.Int32(20), pageItems: 8, wantPages: []int{8, 8, 8, 6}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var opts []fakeaws.Option
			if tt.pageItems > 0 {
				opts = append(opts, fakeaws.WithMaxPageItems(tt.pageItems))
			}
			srv := orgServer(t, opts...)
			p := organizations.NewListAccountsPaginator(orgClient(srv, static(keyMgmt)), &organizations.ListAccountsInput{MaxResults: tt.maxResults})
			var pages []int
			var got []string
			for p.HasMorePages() {
				out, err := p.NextPage(t.Context())
				if err != nil {
					t.Fatalf("page %d: %v", len(pages)+1, err)
				}
				pages = append(pages, len(out.Accounts))
				got = append(got, accountIDs(out.Accounts)...)
			}
			if diff := cmp.Diff(tt.wantPages, pages); diff != "" {
				t.Errorf("page sizes (-want +got):\n%s", diff)
			}
			// Every account exactly once, depth first.
			if diff := cmp.Diff(allIDs(), got); diff != "" {
				t.Errorf("accounts over all pages (-want +got):\n%s", diff)
			}
			want := fakeaws.Call{Service: "organizations", Action: "ListAccounts", AccountID: mgmt}
			calls := srv.Calls()
			if len(calls) != len(tt.wantPages) || calls[0] != want {
				t.Errorf("calls %+v, want %d like %+v", calls, len(tt.wantPages), want)
			}
		})
	}
}

// walked is what a walk of the tree finds.
type walked struct {
	accounts map[string]string // account ID -> path of its parent
	ous      []string          // "path name", depth first
}

// walk visits the tree from the root through ListOrganizationalUnitsForParent
// and ListAccountsForParent, two items a page.
func walk(t *testing.T, c *organizations.Client) walked {
	t.Helper()
	w := walked{accounts: map[string]string{}}
	var visit func(parent, path string)
	visit = func(parent, path string) {
		ap := organizations.NewListAccountsForParentPaginator(c, &organizations.ListAccountsForParentInput{ParentId: aws.String(parent), MaxResults: aws.Int32(2)})
		for ap.HasMorePages() {
			out, err := ap.NextPage(t.Context())
			if err != nil {
				t.Fatalf("accounts of %s: %v", parent, err)
			}
			for _, a := range out.Accounts {
				if prev, dup := w.accounts[aws.ToString(a.Id)]; dup {
					t.Errorf("account %s under %s and %s", aws.ToString(a.Id), prev, path)
				}
				w.accounts[aws.ToString(a.Id)] = path
			}
		}
		op := organizations.NewListOrganizationalUnitsForParentPaginator(c, &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent), MaxResults: aws.Int32(2)})
		for op.HasMorePages() {
			out, err := op.NextPage(t.Context())
			if err != nil {
				t.Fatalf("OUs of %s: %v", parent, err)
			}
			for _, ou := range out.OrganizationalUnits {
				id := aws.ToString(ou.Id)
				if !regexp.MustCompile(`^ou-ab12-[a-z0-9]{8}$`).MatchString(id) {
					t.Errorf("OU ID %q is not ou-<root suffix>-<8 characters>", id)
				}
				if got, want := aws.ToString(ou.Arn), "arn:aws:organizations::"+mgmt+":ou/"+orgID+"/"+id; got != want {
					t.Errorf("OU Arn %s, want %s", got, want)
				}
				if got, want := aws.ToString(ou.Path), path+id+"/"; got != want {
					t.Errorf("OU %s Path %s, want %s", aws.ToString(ou.Name), got, want)
				}
				w.ous = append(w.ous, path+" "+aws.ToString(ou.Name))
				visit(id, path+id+"/")
			}
		}
	}
	visit(rootID, orgID+"/"+rootID+"/")
	return w
}

func TestServer_OrganizationTreeWalk(t *testing.T) {
	srv := orgServer(t)
	c := orgClient(srv, static(keyMgmt))
	w := walk(t, c)

	var found []string
	for id := range w.accounts {
		found = append(found, id)
	}
	slices.Sort(found)
	if diff := cmp.Diff(allIDs(), found); diff != "" {
		t.Errorf("accounts found by the walk (-want +got):\n%s", diff)
	}
	var names []string
	for _, ou := range w.ous {
		names = append(names, ou[strings.LastIndexByte(ou, ' ')+1:])
	}
	want := []string{"Security", "Audit", "Forensics", "Workloads", "Prod", "Payments", "Dev", "Sandbox", "Closing"}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Errorf("OUs, depth first (-want +got):\n%s", diff)
	}

	// An account's Paths is its parent's path and its own ID.
	p := organizations.NewListAccountsPaginator(c, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		out, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range out.Accounts {
			id := aws.ToString(a.Id)
			if diff := cmp.Diff([]string{w.accounts[id] + id + "/"}, a.Paths); diff != "" {
				t.Errorf("Paths of %s (-want +got):\n%s", id, diff)
			}
		}
	}

	t.Run("direct children only", func(t *testing.T) {
		out, err := c.ListAccountsForParent(t.Context(), &organizations.ListAccountsForParentInput{ParentId: aws.String(rootID)})
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{mgmt, "100000000001"}, accountIDs(out.Accounts)); diff != "" {
			t.Errorf("accounts under the root (-want +got):\n%s", diff)
		}
		if out.NextToken != nil {
			t.Errorf("NextToken %q on the only page", aws.ToString(out.NextToken))
		}
		ous, err := c.ListOrganizationalUnitsForParent(t.Context(), &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(rootID)})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, ou := range ous.OrganizationalUnits {
			names = append(names, aws.ToString(ou.Name))
		}
		if diff := cmp.Diff([]string{"Security", "Workloads", "Closing"}, names); diff != "" {
			t.Errorf("OUs under the root (-want +got):\n%s", diff)
		}
		workloads := aws.ToString(ous.OrganizationalUnits[1].Id)
		empty, err := c.ListAccountsForParent(t.Context(), &organizations.ListAccountsForParentInput{ParentId: aws.String(workloads)})
		if err != nil {
			t.Fatal(err)
		}
		if empty.Accounts == nil || len(empty.Accounts) != 0 || empty.NextToken != nil {
			t.Errorf("an OU with only OUs in it: Accounts %v, NextToken %v; want an empty list and no token", empty.Accounts, empty.NextToken)
		}
	})
}

var ignoreOrg = cmpopts.IgnoreUnexported(orgtypes.Account{}, orgtypes.Organization{}, orgtypes.PolicyTypeSummary{})

func TestServer_DescribeAccount(t *testing.T) {
	srv := orgServer(t)
	c := orgClient(srv, static(keyMgmt))
	account := func(id, path, name, email string, status string, method orgtypes.AccountJoinedMethod, joined time.Time) *orgtypes.Account {
		return &orgtypes.Account{
			Arn:             aws.String("arn:aws:organizations::" + mgmt + ":account/" + orgID + "/" + id),
			Email:           aws.String(email),
			Id:              aws.String(id),
			JoinedMethod:    method,
			JoinedTimestamp: aws.Time(joined),
			Name:            aws.String(name),
			Paths:           []string{orgID + "/" + rootID + "/" + path + id + "/"},
			State:           orgtypes.AccountState(status),
			Status:          orgtypes.AccountStatus(status),
		}
	}
	ouPath := func(t *testing.T, names ...string) string {
		t.Helper()
		parent, path := rootID, ""
		for _, n := range names {
			out, err := c.ListOrganizationalUnitsForParent(t.Context(), &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(parent)})
			if err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(out.OrganizationalUnits, func(ou orgtypes.OrganizationalUnit) bool { return aws.ToString(ou.Name) == n })
			if i < 0 {
				t.Fatalf("no OU %s under %s", n, parent)
			}
			parent = aws.ToString(out.OrganizationalUnits[i].Id)
			path += parent + "/"
		}
		return path
	}
	defaultJoined := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		id   string
		want *orgtypes.Account
	}{
		{
			name: "management account with every field seeded", id: mgmt,
			want: account(mgmt, "", "Management", "aws-root@example.com", "ACTIVE", orgtypes.AccountJoinedMethodInvited, time.Date(2019, 6, 1, 10, 20, 30, 123e6, time.UTC)),
		},
		{
			name: "member with defaults", id: "100000000007",
			want: account("100000000007", ouPath(t, "Security", "Audit", "Forensics"), "account-100000000007", "account-100000000007@example.com", "ACTIVE", orgtypes.AccountJoinedMethodCreated, defaultJoined),
		},
		{
			name: "suspended", id: "100000000027",
			want: account("100000000027", ouPath(t, "Closing"), "account-100000000027", "account-100000000027@example.com", "SUSPENDED", orgtypes.AccountJoinedMethodCreated, defaultJoined),
		},
		{
			name: "pending closure", id: "100000000028",
			want: account("100000000028", ouPath(t, "Closing"), "account-100000000028", "account-100000000028@example.com", "PENDING_CLOSURE", orgtypes.AccountJoinedMethodCreated, defaultJoined),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := c.DescribeAccount(t.Context(), &organizations.DescribeAccountInput{AccountId: aws.String(tt.id)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, out.Account, ignoreOrg); diff != "" {
				t.Errorf("Account (-want +got):\n%s", diff)
			}
		})
	}

	t.Run("statuses in ListAccounts", func(t *testing.T) {
		out, err := c.ListAccounts(t.Context(), &organizations.ListAccountsInput{})
		if err != nil {
			t.Fatal(err)
		}
		out2, err := c.ListAccounts(t.Context(), &organizations.ListAccountsInput{NextToken: out.NextToken})
		if err != nil {
			t.Fatal(err)
		}
		got := map[orgtypes.AccountStatus]int{}
		for _, a := range append(out.Accounts, out2.Accounts...) {
			got[a.Status]++
			if string(a.State) != string(a.Status) {
				t.Errorf("account %s: State %s, Status %s", aws.ToString(a.Id), a.State, a.Status)
			}
		}
		want := map[orgtypes.AccountStatus]int{"ACTIVE": 27, "SUSPENDED": 2, "PENDING_CLOSURE": 1}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("statuses (-want +got):\n%s", diff)
		}
	})
}

func TestServer_DescribeOrganization(t *testing.T) {
	srv := orgServer(t)
	want := &orgtypes.Organization{
		Arn:                  aws.String("arn:aws:organizations::" + mgmt + ":organization/" + orgID),
		AvailablePolicyTypes: []orgtypes.PolicyTypeSummary{{Status: orgtypes.PolicyTypeStatusEnabled, Type: orgtypes.PolicyTypeServiceControlPolicy}},
		FeatureSet:           orgtypes.OrganizationFeatureSetAll,
		Id:                   aws.String(orgID),
		MasterAccountArn:     aws.String("arn:aws:organizations::" + mgmt + ":account/" + orgID + "/" + mgmt),
		MasterAccountEmail:   aws.String("aws-root@example.com"),
		MasterAccountId:      aws.String(mgmt),
	}
	// Any member may describe its organization.
	for _, key := range []string{keyMgmt, keyMbr} {
		out, err := orgClient(srv, static(key)).DescribeOrganization(t.Context(), &organizations.DescribeOrganizationInput{})
		if err != nil {
			t.Fatalf("key %s: %v", key, err)
		}
		if diff := cmp.Diff(want, out.Organization, ignoreOrg); diff != "" {
			t.Errorf("key %s: Organization (-want +got):\n%s", key, diff)
		}
	}

	t.Run("generated IDs", func(t *testing.T) {
		o := &fakeaws.Organization{ManagementAccount: mgmt, Accounts: []fakeaws.OrgAccount{{ID: mgmt}},
			OUs: []*fakeaws.OU{{Name: "a"}, {Name: "b", OUs: []*fakeaws.OU{{Name: "a"}}}}}
		srv := fakeaws.New(t, fakeaws.WithOrganization(o))
		out, err := orgClient(srv, static(keyA)).DescribeOrganization(t.Context(), &organizations.DescribeOrganizationInput{})
		if err != nil {
			t.Fatal(err)
		}
		if id := aws.ToString(out.Organization.Id); !regexp.MustCompile(`^o-[a-z0-9]{10}$`).MatchString(id) || id != o.ID {
			t.Errorf("organization ID %q (seed now says %q), want o- and 10 characters", id, o.ID)
		}
		if !regexp.MustCompile(`^r-[a-z0-9]{4}$`).MatchString(o.RootID) {
			t.Errorf("root ID %q, want r- and 4 characters", o.RootID)
		}
		ids := map[string]bool{}
		for _, ou := range []*fakeaws.OU{o.OUs[0], o.OUs[1], o.OUs[1].OUs[0]} {
			if !regexp.MustCompile(`^ou-`+o.RootID[2:]+`-[a-z0-9]{8}$`).MatchString(ou.ID) || ids[ou.ID] {
				t.Errorf("OU %s: ID %q, want a new ou-<root suffix>-<8 characters>", ou.Name, ou.ID)
			}
			ids[ou.ID] = true
		}
		again := &fakeaws.Organization{ManagementAccount: mgmt, Accounts: []fakeaws.OrgAccount{{ID: mgmt}},
			OUs: []*fakeaws.OU{{Name: "a"}, {Name: "b", OUs: []*fakeaws.OU{{Name: "a"}}}}}
		if _, err := fakeaws.NewServer(fakeaws.WithOrganization(again)); err != nil {
			t.Fatal(err)
		}
		if again.ID != o.ID || again.RootID != o.RootID || again.OUs[1].OUs[0].ID != o.OUs[1].OUs[0].ID {
			t.Errorf("IDs differ between two seedings of the same organization: %+v, %+v", again, o)
		}
	})
}

// orgError is what a client learns from an Organizations error.
func orgError(t *testing.T, err error) (wireError, orgtypes.InvalidInputExceptionReason) {
	t.Helper()
	got := errorOf(t, err)
	var invalid *orgtypes.InvalidInputException
	if errors.As(err, &invalid) {
		return got, invalid.Reason
	}
	return got, ""
}

func TestServer_OrganizationsErrors(t *testing.T) {
	srv := orgServer(t)
	mgmtClient := orgClient(srv, static(keyMgmt))
	first, err := mgmtClient.ListAccounts(t.Context(), &organizations.ListAccountsInput{MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	accountsToken := first.NextToken
	rootPage, err := mgmtClient.ListOrganizationalUnitsForParent(t.Context(), &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(rootID), MaxResults: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	ouToken := rootPage.NextToken
	security := rootPage.OrganizationalUnits[0].Id

	noOrg := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: accountA}))

	denied := wireError{Code: "AccessDeniedException", Message: "You don't have permissions to access this resource.", Status: 400}
	notInUse := wireError{Code: "AWSOrganizationsNotInUseException", Message: "Your account is not a member of an organization.", Status: 400}
	type call func(c *organizations.Client) error
	listAccounts := func(in *organizations.ListAccountsInput) call {
		return func(c *organizations.Client) error { _, err := c.ListAccounts(t.Context(), in); return err }
	}
	forParent := func(in *organizations.ListAccountsForParentInput) call {
		return func(c *organizations.Client) error { _, err := c.ListAccountsForParent(t.Context(), in); return err }
	}
	ousFor := func(in *organizations.ListOrganizationalUnitsForParentInput) call {
		return func(c *organizations.Client) error {
			_, err := c.ListOrganizationalUnitsForParent(t.Context(), in)
			return err
		}
	}
	describe := func(id string) call {
		return func(c *organizations.Client) error {
			_, err := c.DescribeAccount(t.Context(), &organizations.DescribeAccountInput{AccountId: aws.String(id)})
			return err
		}
	}
	describeOrg := func(c *organizations.Client) error {
		_, err := c.DescribeOrganization(t.Context(), &organizations.DescribeOrganizationInput{})
		return err
	}
	tests := []struct {
		name       string
		srv        *fakeaws.Server
		key        string
		call       call
		want       wireError // Message "" matches any
		wantReason orgtypes.InvalidInputExceptionReason
		wantType   any // the SDK's modelled error, as a pointer to its type
	}{
		{name: "member lists accounts", key: keyMbr, call: listAccounts(&organizations.ListAccountsInput{}), want: denied, wantType: new(*orgtypes.AccessDeniedException)},
		{name: "member lists accounts of a parent", key: keyMbr, call: forParent(&organizations.ListAccountsForParentInput{ParentId: aws.String(rootID)}), want: denied},
		{name: "member lists OUs", key: keyMbr, call: ousFor(&organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(rootID)}), want: denied},
		{name: "member describes an account", key: keyMbr, call: describe(member), want: denied},
		{name: "outsider lists accounts", key: keyOut, call: listAccounts(&organizations.ListAccountsInput{}), want: notInUse, wantType: new(*orgtypes.AWSOrganizationsNotInUseException)},
		{name: "outsider describes the organization", key: keyOut, call: describeOrg, want: notInUse},
		{name: "no organization: list", srv: noOrg, key: keyA, call: listAccounts(&organizations.ListAccountsInput{}), want: notInUse},
		{name: "no organization: describe", srv: noOrg, key: keyA, call: describeOrg, want: notInUse},
		{
			name: "unknown parent", key: keyMgmt, call: forParent(&organizations.ListAccountsForParentInput{ParentId: aws.String("ou-ab12-zzzzzzzz")}),
			want: wireError{Code: "ParentNotFoundException", Message: "We can't find a root or OU with the ParentId that you specified.", Status: 400}, wantType: new(*orgtypes.ParentNotFoundException),
		},
		{name: "unknown root", key: keyMgmt, call: ousFor(&organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String("r-zz99")}), want: wireError{Code: "ParentNotFoundException", Status: 400}},
		{name: "account ID as parent", key: keyMgmt, call: forParent(&organizations.ListAccountsForParentInput{ParentId: aws.String(member)}), want: wireError{Code: "InvalidInputException", Status: 400}, wantReason: "INVALID_PATTERN_TARGET_ID"},
		{
			name: "unknown account", key: keyMgmt, call: describe("123456789012"),
			want: wireError{Code: "AccountNotFoundException", Message: "You specified an account that doesn't exist.", Status: 400}, wantType: new(*orgtypes.AccountNotFoundException),
		},
		{name: "MaxResults 0", key: keyMgmt, call: listAccounts(&organizations.ListAccountsInput{MaxResults: aws.Int32(0)}), want: wireError{Code: "InvalidInputException", Status: 400}, wantReason: "MIN_VALUE_EXCEEDED"},
		{name: "MaxResults 21", key: keyMgmt, call: ousFor(&organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(rootID), MaxResults: aws.Int32(21)}), want: wireError{Code: "InvalidInputException", Status: 400}, wantReason: "MAX_VALUE_EXCEEDED"},
		{name: "garbage token", key: keyMgmt, call: listAccounts(&organizations.ListAccountsInput{NextToken: aws.String("garbage")}), want: wireError{Code: "InvalidInputException", Status: 400}, wantReason: "INVALID_NEXT_TOKEN"},
		{name: "token past the end", key: keyMgmt, call: listAccounts(&organizations.ListAccountsInput{NextToken: aws.String("ZmFrZWF3c3xMaXN0QWNjb3VudHN8OTk=")}), want: wireError{Code: "InvalidInputException", Status: 400}, wantReason: "INVALID_NEXT_TOKEN"},
		{name: "ListAccounts token for a parent", key: keyMgmt, call: forParent(&organizations.ListAccountsForParentInput{ParentId: aws.String(rootID), NextToken: accountsToken}), want: wireError{Code: "InvalidInputException", Status: 400}, wantReason: "INVALID_NEXT_TOKEN"},
		{name: "token of another parent", key: keyMgmt, call: ousFor(&organizations.ListOrganizationalUnitsForParentInput{ParentId: security, NextToken: ouToken}), want: wireError{Code: "InvalidInputException", Status: 400}, wantReason: "INVALID_NEXT_TOKEN", wantType: new(*orgtypes.InvalidInputException)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := srv
			if tt.srv != nil {
				s = tt.srv
			}
			err := tt.call(orgClient(s, static(tt.key)))
			got, reason := orgError(t, err)
			if tt.want.Message == "" {
				got.Message = ""
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error (-want +got):\n%s", diff)
			}
			if reason != tt.wantReason {
				t.Errorf("Reason %q, want %q", reason, tt.wantReason)
			}
			if tt.wantType != nil && !errors.As(err, tt.wantType) {
				t.Errorf("error %v is not the SDK's %T", err, tt.wantType)
			}
		})
	}

	t.Run("the tokens work where they came from", func(t *testing.T) {
		if _, err := mgmtClient.ListAccounts(t.Context(), &organizations.ListAccountsInput{NextToken: accountsToken}); err != nil {
			t.Error(err)
		}
		if _, err := mgmtClient.ListOrganizationalUnitsForParent(t.Context(), &organizations.ListOrganizationalUnitsForParentInput{ParentId: aws.String(rootID), NextToken: ouToken}); err != nil {
			t.Error(err)
		}
	})
}

func TestServer_OrganizationsThrottling(t *testing.T) {
	srv := orgServer(t, fakeaws.WithThrottleRate(1))
	_, err := orgClient(srv, static(keyMgmt)).ListAccounts(t.Context(), &organizations.ListAccountsInput{})
	want := wireError{Code: "TooManyRequestsException", Message: "Rate exceeded", Status: 400}
	if diff := cmp.Diff(want, errorOf(t, err)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	var tooMany *orgtypes.TooManyRequestsException
	if !errors.As(err, &tooMany) {
		t.Errorf("error %v is not the SDK's TooManyRequestsException", err)
	}
	if got := (retry.ThrottleErrorCode{Codes: retry.DefaultThrottleErrorCodes}).IsErrorThrottle(err); got != aws.TrueTernary {
		t.Errorf("SDK does not classify %v as throttling", err)
	}
	// The same server throttles IAM in IAM's words.
	_, err = iamClient(srv, keyMgmt).GetAccountAuthorizationDetails(t.Context(), roleInput(nil, nil))
	if got := errorOf(t, err); got.Code != "Throttling" {
		t.Errorf("IAM call: %+v, want Throttling", got)
	}
	wantCalls := []fakeaws.Call{
		{Service: "organizations", Action: "ListAccounts", AccountID: mgmt, ErrorCode: "TooManyRequestsException"},
		{Service: "iam", Action: gaad, AccountID: mgmt, ErrorCode: "Throttling"},
	}
	if diff := cmp.Diff(wantCalls, srv.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}

	t.Run("the SDK's retryer retries it", func(t *testing.T) {
		srv := orgServer(t, fakeaws.WithFault("", "ListAccounts", 2, 400, "TooManyRequestsException", "Rate exceeded"))
		cfg := config(srv, static(keyMgmt))
		cfg.Retryer = func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = 3
				o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
			})
		}
		if _, err := organizations.NewFromConfig(cfg).ListAccounts(t.Context(), &organizations.ListAccountsInput{}); err != nil {
			t.Fatalf("after two throttled attempts: %v", err)
		}
		if n := srv.CallCount("ListAccounts"); n != 3 {
			t.Errorf("%d attempts, want 3", n)
		}
	})
}

func TestServer_OrganizationsFaults(t *testing.T) {
	srv := orgServer(t,
		fakeaws.WithFault("", "organizations:DescribeOrganization", 1, 500, "ServiceException", "AWS Organizations can't complete your request because of an internal service error."),
		fakeaws.WithFault(member, "DescribeOrganization", -1, 400, "ConcurrentModificationException", "busy"),
		fakeaws.WithFault("", "iam:ListAccounts", -1, 500, "ServiceException", "never: IAM has no ListAccounts"),
	)
	c := orgClient(srv, static(keyMgmt))
	_, err := c.DescribeOrganization(t.Context(), &organizations.DescribeOrganizationInput{})
	var svc *orgtypes.ServiceException
	if !errors.As(err, &svc) || errorOf(t, err).Status != 500 {
		t.Errorf("first call: %v, want the SDK's ServiceException with status 500", err)
	}
	if _, err := c.DescribeOrganization(t.Context(), &organizations.DescribeOrganizationInput{}); err != nil {
		t.Errorf("second call: %v", err)
	}
	if _, err := c.ListAccounts(t.Context(), &organizations.ListAccountsInput{}); err != nil {
		t.Errorf("ListAccounts: %v", err)
	}
	_, err = orgClient(srv, static(keyMbr)).DescribeOrganization(t.Context(), &organizations.DescribeOrganizationInput{})
	if got := errorOf(t, err); got.Code != "ConcurrentModificationException" {
		t.Errorf("member's call: %+v, want the fault of its account", got)
	}
}

func TestServer_OrganizationsLatency(t *testing.T) {
	const latency = 30 * time.Millisecond
	srv := orgServer(t, fakeaws.WithLatency(latency))
	c := orgClient(srv, static(keyMgmt))
	for _, call := range []func() error{
		func() error { _, err := c.ListAccounts(t.Context(), &organizations.ListAccountsInput{}); return err },
		func() error {
			_, err := orgClient(srv, static(keyMbr)).ListAccounts(t.Context(), &organizations.ListAccountsInput{})
			return err
		},
	} {
		start := time.Now()
		_ = call()
		// Only a lower bound: a busy machine may take any time longer.
		if took := time.Since(start); took < latency {
			t.Errorf("call took %v, want at least %v", took, latency)
		}
	}
}

// orgCall sends a raw JSON 1.1 request for an Organizations action.
func orgCall(t *testing.T, srv *fakeaws.Server, key, target, body string) (*http.Response, map[string]any) {
	t.Helper()
	resp, b := signed(t, srv, "organizations", key, "", map[string]string{
		"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1",
	}, body)
	if ct := resp.Header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type %q, want application/x-amz-json-1.1", ct)
	}
	var doc map[string]any
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatalf("response is not a JSON object: %v\n%s", err, b)
	}
	return resp, doc
}

func TestServer_OrganizationsWire(t *testing.T) {
	srv := orgServer(t)

	t.Run("response", func(t *testing.T) {
		resp, doc := orgCall(t, srv, keyMgmt, "AWSOrganizationsV20161128.DescribeAccount", `{"AccountId":"`+mgmt+`"}`)
		if resp.StatusCode != 200 {
			t.Fatalf("status %d: %v", resp.StatusCode, doc)
		}
		acct, _ := doc["Account"].(map[string]any)
		var keys []string
		for k := range acct {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := []string{"Arn", "Email", "Id", "JoinedMethod", "JoinedTimestamp", "Name", "Paths", "State", "Status"}
		if diff := cmp.Diff(want, keys); diff != "" {
			t.Errorf("Account members (-want +got):\n%s", diff)
		}
		// Timestamps are epoch seconds, as a JSON number.
		if ts, ok := acct["JoinedTimestamp"].(json.Number); !ok || ts.String() != "1559384430.123" {
			t.Errorf("JoinedTimestamp %#v, want the number 1559384430.123", acct["JoinedTimestamp"])
		}
		if resp.Header.Get("X-Amzn-RequestId") == "" {
			t.Error("no X-Amzn-RequestId header")
		}
	})

	errorTests := []struct {
		name, key, target, body string
		wantCode, wantReason    string
	}{
		{name: "unknown action", key: keyMgmt, target: "AWSOrganizationsV20161128.CreateAccount", body: `{}`, wantCode: "UnknownOperationException"},
		{name: "another service's target", key: keyMgmt, target: "ConfigService.DescribeConfigRules", body: `{}`, wantCode: "UnknownOperationException"},
		{name: "no target", key: keyMgmt, body: `{}`, wantCode: "UnknownOperationException"},
		{name: "malformed document", key: keyMgmt, target: "AWSOrganizationsV20161128.ListAccounts", body: `{"MaxResults":`, wantCode: "SerializationException"},
		{name: "bad token", key: keyMgmt, target: "AWSOrganizationsV20161128.ListAccounts", body: `{"NextToken":"x"}`, wantCode: "InvalidInputException", wantReason: "INVALID_NEXT_TOKEN"},
		{name: "no ParentId", key: keyMgmt, target: "AWSOrganizationsV20161128.ListAccountsForParent", body: `{}`, wantCode: "InvalidInputException", wantReason: "INPUT_REQUIRED"},
		{name: "no AccountId", key: keyMgmt, target: "AWSOrganizationsV20161128.DescribeAccount", body: ``, wantCode: "InvalidInputException", wantReason: "INPUT_REQUIRED"},
		{name: "key of no account", key: "AKIANOBODYNOBODYNOBO", target: "AWSOrganizationsV20161128.ListAccounts", body: `{}`},
	}
	for _, tt := range errorTests {
		t.Run(tt.name, func(t *testing.T) {
			s := srv
			if tt.wantCode == "" {
				// Only the default account answers an unknown key; a
				// fake with no accounts answers in JSON's words.
				s = fakeaws.New(t)
				tt.wantCode = "UnrecognizedClientException"
			}
			resp, doc := orgCall(t, s, tt.key, tt.target, tt.body)
			if resp.StatusCode != 400 || doc["__type"] != tt.wantCode || resp.Header.Get("X-Amzn-ErrorType") != tt.wantCode {
				t.Errorf("status %d, header %q, body %v; want 400 %s in the header and __type", resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType"), doc, tt.wantCode)
			}
			if msg, _ := doc["Message"].(string); msg == "" && tt.wantCode != "UnknownOperationException" {
				t.Errorf("no Message in %v", doc)
			}
			if tt.wantReason != "" && doc["Reason"] != tt.wantReason {
				t.Errorf("Reason %v, want %s", doc["Reason"], tt.wantReason)
			}
		})
	}

	t.Run("expired session", func(t *testing.T) {
		clock := &testClock{now: t0}
		srv := orgServer(t, fakeaws.WithClock(clock.Now),
			fakeaws.WithAccounts(&fakeaws.Account{ID: "100000000001", Roles: []*fakeaws.Role{{Name: "admin"}}}))
		out, err := stsClient(srv, static(keyMgmt)).AssumeRole(t.Context(), assumeInput("arn:aws:iam::100000000001:role/admin", "s1", 900))
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Hour)
		_, err = orgClient(srv, issued(out.Credentials)).DescribeOrganization(t.Context(), &organizations.DescribeOrganizationInput{})
		want := wireError{Code: "ExpiredTokenException", Message: "The security token included in the request is expired", Status: 400}
		if diff := cmp.Diff(want, errorOf(t, err)); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	})
}
