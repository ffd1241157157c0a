//go:build integration

package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"maps"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/organizations"
	orgtypes "github.com/aws/aws-sdk-go-v2/service/organizations/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/cli"
)

// accessRole is the role iamsweep assumes in member accounts by default,
// the one Organizations creates in the accounts it creates.
const accessRole = "OrganizationAccountAccessRole"

// adminPolicy is the administrator permissions AWS gives
// OrganizationAccountAccessRole; moto gives it none.
const adminPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`

// orgAccount is an account of the organization TestScanOrg_moto seeds.
type orgAccount struct {
	ID, Name string
	Closed   bool
	// IAM reaches the account: the management account's with the seeding
	// credentials, a member's through its OrganizationAccountAccessRole.
	IAM *iam.Client
	// What was seeded in it, and (members) OrganizationAccountAccessRole.
	Roles  []seededRole
	Users  []seededUser
	Access *seededRole
}

// org is what TestScanOrg_moto seeds: an organization whose management
// account is moto's default account, with OUs
//
//	root
//	├── workloads          dev
//	│   └── prod           prod-a
//	├── sandbox            sandbox, retired (closed)
//	└── (the root itself)  management, audit
type org struct {
	Root, Workloads, Prod, Sandbox string
	// Accounts are every account, management first.
	Accounts []*orgAccount
	// Scanner is the access key of a user of the management account that
	// holds the shipped policies (iamsweep-org.json, iamsweep-scan.json)
	// and a Deny of sts:AssumeRole into the audit account.
	Scanner accessKey
}

func (o org) account(name string) *orgAccount {
	for _, a := range o.Accounts {
		if a.Name == name || (name == "management" && a.ID == motoAccount) {
			return a
		}
	}
	panic("no account " + name)
}

// assumedConfig is the seeding configuration with credentials from
// AssumeRole into roleARN (refreshed as needed), through the recording
// client.
func (e *awsEnv) assumedConfig(roleARN string) aws.Config {
	cfg := e.Config.Copy()
	p := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(e.Config), roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.RoleSessionName = "iamsweep-seed"
	})
	cfg.Credentials = aws.NewCredentialsCache(p)
	return cfg
}

func roleARN(account, name string) string { return "arn:aws:iam::" + account + ":role/" + name }

// createAccount creates a member account and waits until Organizations
// has finished creating it (DescribeCreateAccountStatus), as AWS needs.
func createAccount(ctx context.Context, c *organizations.Client, name string) (string, error) {
	out, err := c.CreateAccount(ctx, &organizations.CreateAccountInput{AccountName: aws.String(name), Email: aws.String(name + "@example.com")})
	if err != nil {
		return "", fmt.Errorf("create account %s: %w", name, err)
	}
	st := out.CreateAccountStatus
	for i := 0; st.State == orgtypes.CreateAccountStateInProgress; i++ {
		if i == 50 {
			return "", fmt.Errorf("create account %s: still %s", name, st.State)
		}
		select {
		case <-time.After(100 * time.Millisecond):
		case <-ctx.Done():
			return "", ctx.Err()
		}
		d, err := c.DescribeCreateAccountStatus(ctx, &organizations.DescribeCreateAccountStatusInput{CreateAccountRequestId: st.Id})
		if err != nil {
			return "", fmt.Errorf("create account %s: %w", name, err)
		}
		st = d.CreateAccountStatus
	}
	if st.State != orgtypes.CreateAccountStateSucceeded {
		return "", fmt.Errorf("create account %s: %s (%s)", name, st.State, st.FailureReason)
	}
	return aws.ToString(st.AccountId), nil
}

func seedOrg(t *testing.T, env *awsEnv) org {
	t.Helper()
	ctx := t.Context()
	orgs := organizations.NewFromConfig(env.Config)
	created, err := orgs.CreateOrganization(ctx, &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll})
	if err != nil {
		t.Fatal(err)
	}
	if id := aws.ToString(created.Organization.MasterAccountId); id != motoAccount {
		t.Fatalf("the organization's management account is %s, want the caller's, %s", id, motoAccount)
	}
	roots, err := orgs.ListRoots(ctx, &organizations.ListRootsInput{})
	if err != nil || len(roots.Roots) != 1 {
		t.Fatalf("list roots: %d roots, %v", len(roots.Roots), err)
	}
	o := org{Root: aws.ToString(roots.Roots[0].Id)}
	ou := func(parent, name string) string {
		out, err := orgs.CreateOrganizationalUnit(ctx, &organizations.CreateOrganizationalUnitInput{ParentId: aws.String(parent), Name: aws.String(name)})
		if err != nil {
			t.Fatalf("create OU %s: %v", name, err)
		}
		return aws.ToString(out.OrganizationalUnit.Id)
	}
	o.Workloads = ou(o.Root, "workloads")
	o.Prod = ou(o.Workloads, "prod")
	o.Sandbox = ou(o.Root, "sandbox")

	o.Accounts = []*orgAccount{{ID: motoAccount, IAM: env.IAM}}
	for _, m := range []struct {
		name, parent string
		closed       bool
	}{
		{"dev", o.Workloads, false},
		{"prod-a", o.Prod, false},
		{"sandbox", o.Sandbox, false},
		{"audit", o.Root, false},
		{"retired", o.Sandbox, true},
	} {
		id, err := createAccount(ctx, orgs, m.name)
		if err != nil {
			t.Fatal(err)
		}
		if m.parent != o.Root {
			if _, err := orgs.MoveAccount(ctx, &organizations.MoveAccountInput{AccountId: aws.String(id), SourceParentId: aws.String(o.Root), DestinationParentId: aws.String(m.parent)}); err != nil {
				t.Fatalf("move account %s: %v", m.name, err)
			}
		}
		if m.closed {
			if _, err := orgs.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(id)}); err != nil {
				t.Fatalf("close account %s: %v", m.name, err)
			}
		}
		o.Accounts = append(o.Accounts, &orgAccount{ID: id, Name: m.name, Closed: m.closed})
	}
	// The names as Organizations lists them (moto names the management
	// account "master").
	names := map[string]string{}
	p := organizations.NewListAccountsPaginator(orgs, &organizations.ListAccountsInput{})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Accounts {
			names[aws.ToString(a.Id)] = aws.ToString(a.Name)
		}
	}
	for _, a := range o.Accounts {
		if a.ID == motoAccount {
			a.Name = names[a.ID]
		} else if names[a.ID] != a.Name {
			t.Fatalf("account %s is listed as %q, want %q", a.ID, names[a.ID], a.Name)
		}
	}

	// In every active member, through the role Organizations created there:
	// give the role the permissions AWS gives it, and seed a role and a
	// user with an access key.
	for _, a := range o.Accounts[1:] {
		if a.Closed {
			continue
		}
		a.IAM = iam.NewFromConfig(env.assumedConfig(roleARN(a.ID, accessRole)))
		got, err := a.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(accessRole)})
		if err != nil {
			t.Fatalf("account %s (%s), created with CreateAccount, has no %s: %v", a.Name, a.ID, accessRole, err)
		}
		a.Access = &seededRole{Spec: roleSpec{Name: accessRole, Path: aws.ToString(got.Role.Path)}, ARN: aws.ToString(got.Role.Arn)}
		if _, err := a.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String(accessRole), PolicyName: aws.String("AdministratorAccess"), PolicyDocument: aws.String(adminPolicy)}); err != nil {
			t.Fatal(err)
		}
		r, err := seedRole(ctx, a.IAM, roleSpec{Name: a.Name + "-app", Path: "/app/", Trust: trustEC2})
		if err != nil {
			t.Fatal(err)
		}
		u, err := seedUser(ctx, a.IAM, userSpec{Name: a.Name + "-ci", Path: "/service/", Keys: []iamtypes.StatusType{iamtypes.StatusTypeActive}})
		if err != nil {
			t.Fatal(err)
		}
		a.Roles, a.Users = append(a.Roles, r), append(a.Users, u)
	}

	// The management account.
	mgmt := o.Accounts[0]
	r, err := seedRole(ctx, env.IAM, roleSpec{Name: "reports", Trust: trustEC2})
	if err != nil {
		t.Fatal(err)
	}
	mgmt.Roles = append(mgmt.Roles, r)
	admin, err := seedUser(ctx, env.IAM, userSpec{Name: "admin", Path: "/people/", Password: "Corr3ct-Horse-Battery!"})
	if err != nil {
		t.Fatal(err)
	}
	var inline []policySpec
	for _, name := range []string{"iamsweep-org", "iamsweep-scan"} {
		doc, err := os.ReadFile("../../policies/" + name + ".json")
		if err != nil {
			t.Fatal(err)
		}
		inline = append(inline, policySpec{name, string(doc)})
	}
	inline = append(inline, policySpec{"no-audit", `{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"sts:AssumeRole","Resource":"arn:aws:iam::` +
		o.account("audit").ID + `:role/*"}]}`})
	scanner, err := seedUser(ctx, env.IAM, userSpec{Name: "iamsweep-scanner", Path: "/security/", Keys: []iamtypes.StatusType{iamtypes.StatusTypeActive}, Inline: inline})
	if err != nil {
		t.Fatal(err)
	}
	mgmt.Users = append(mgmt.Users, admin, scanner)
	o.Scanner = scanner.Keys[0]
	return o
}

// orgFinding is what TestScanOrg_moto compares of a finding: which account
// and principal it is about, and the verdict. (Times are compared in the
// single-account tests; OrganizationAccountAccessRole is used by every scan.)
type orgFinding struct {
	Type, AccountID     string
	AccountName         *string
	ARN, Name, Path     string
	Verdict, Rule       string
	Reason              string
	AccessKeyID         *string
	KeySlot             *int
	Created, DaysUnused bool // whether set
}

func project(f finding) orgFinding {
	return orgFinding{
		Type: f.Type, AccountID: f.AccountID, AccountName: f.AccountName, ARN: f.ARN, Name: f.Name, Path: f.Path,
		Verdict: f.Verdict, Rule: f.Rule, Reason: f.Reason, AccessKeyID: f.AccessKeyID, KeySlot: f.KeySlot,
		Created: f.Created != nil, DaysUnused: f.DaysUnused != nil,
	}
}

// want returns the findings of an account 200 days after the seeding, by
// finding key; named says whether the scan knows account names (from
// Organizations, which knows none for an account outside it).
func (a *orgAccount) want(named bool) map[string]orgFinding {
	var name *string
	if named && a.Name != "" {
		name = ptr(a.Name)
	}
	out := map[string]orgFinding{}
	add := func(f orgFinding) {
		f.AccountID, f.AccountName, f.Created = a.ID, name, true
		k := finding{Type: f.Type, ARN: f.ARN, KeySlot: f.KeySlot}.key()
		out[k] = f
	}
	for _, r := range a.Roles {
		add(orgFinding{Type: string(iamsweep.TypeUnusedIAMRole), ARN: r.ARN, Name: r.Spec.Name, Path: r.path(),
			Verdict: "unused", Rule: "no-recorded-use", Reason: "no recorded use since it was created 200 days ago"})
	}
	if r := a.Access; r != nil {
		// moto records its use by the seeding and the scans (DaysUnused).
		add(orgFinding{Type: string(iamsweep.TypeUnusedIAMRole), ARN: r.ARN, Name: r.Spec.Name, Path: r.path(),
			Verdict: "exempt", Rule: "organization-managed", Reason: "AWS Organizations account access role: the organization's way into this account",
			DaysUnused: true})
	}
	for _, u := range a.Users {
		var creds []string
		if u.Spec.Password != "" {
			creds = append(creds, "console password")
			add(orgFinding{Type: string(iamsweep.TypeUnusedIAMUserPassword), ARN: u.ARN, Name: u.Spec.Name, Path: orDefault(u.Spec.Path, "/"),
				Verdict: neverUsedPassword.Verdict, Rule: neverUsedPassword.Rule, Reason: neverUsedPassword.Reason})
		}
		switch n := len(u.Keys); {
		case n == 1:
			creds = append(creds, "1 access key")
		case n > 1:
			creds = append(creds, fmt.Sprintf("%d access keys", n))
		}
		for slot, k := range u.Keys { // all active
			add(orgFinding{Type: string(iamsweep.TypeUnusedIAMUserAccessKey), ARN: u.ARN, Name: u.Spec.Name, Path: orDefault(u.Spec.Path, "/"),
				Verdict: neverUsedKey.Verdict, Rule: neverUsedKey.Rule, Reason: neverUsedKey.Reason, AccessKeyID: ptr(k.ID), KeySlot: ptr(slot + 1)})
		}
		add(orgFinding{Type: string(iamsweep.TypeUnusedIAMUser), ARN: u.ARN, Name: u.Spec.Name, Path: orDefault(u.Spec.Path, "/"),
			Verdict: "unused", Rule: "no-recorded-use", Reason: "no recorded use of its " + strings.Join(creds, " and ")})
	}
	return out
}

// orgScope is one organization scan of TestScanOrg_moto and what it must
// cover.
type orgScope struct {
	name string
	args []string
	// accounts are scanned (those with nothing seeded have no findings);
	// skipped are listed as not ACTIVE.
	accounts, skipped []*orgAccount
	// named: the scan knows the account names.
	named bool
	// orgCalls are the Organizations operations the scan calls;
	// parents the ParentIds of its ListAccountsForParent calls.
	orgCalls, parents []string
}

// TestScanOrg_moto scans an AWS Organization seeded into moto through the
// AWS APIs (CreateOrganization, CreateOrganizationalUnit, CreateAccount,
// MoveAccount, CloseAccount; roles and users in the members through
// AssumeRole), end to end through cli.Main: --org, --ou and --accounts,
// the caller's own account with its own credentials and every member
// through its OrganizationAccountAccessRole, and a member whose role the
// caller may not assume.
func TestScanOrg_moto(t *testing.T) {
	env := newAWSEnv(t)
	env.Rec.keepLast(64)
	o := seedOrg(t, env)
	asOf := time.Now().UTC().Add(age)
	cliEnv(t, "testing", "testing")

	mgmt, dev, prodA, sandbox, audit, retired := o.account("management"), o.account("dev"), o.account("prod-a"), o.account("sandbox"), o.account("audit"), o.account("retired")
	scopes := []orgScope{
		{name: "--org", args: []string{"--org"}, accounts: []*orgAccount{mgmt, dev, prodA, sandbox, audit}, skipped: []*orgAccount{retired},
			named: true, orgCalls: []string{"ListAccounts"}},
		{name: "--ou of an OU with an OU inside", args: []string{"--ou", o.Workloads}, accounts: []*orgAccount{dev, prodA},
			named: true, orgCalls: []string{"ListAccountsForParent", "ListOrganizationalUnitsForParent"}, parents: []string{o.Workloads, o.Prod}},
		{name: "--ou of the nested OU", args: []string{"--ou", o.Prod}, accounts: []*orgAccount{prodA},
			named: true, orgCalls: []string{"ListAccountsForParent", "ListOrganizationalUnitsForParent"}, parents: []string{o.Prod}},
		{name: "--ou of an OU with a closed account", args: []string{"--ou", o.Sandbox}, accounts: []*orgAccount{sandbox}, skipped: []*orgAccount{retired},
			named: true, orgCalls: []string{"ListAccountsForParent", "ListOrganizationalUnitsForParent"}, parents: []string{o.Sandbox}},
		{name: "--accounts", args: []string{"--accounts", dev.ID + "," + motoAccount}, accounts: []*orgAccount{mgmt, dev},
			named: true, orgCalls: []string{"DescribeAccount"}},
		// moto difference: AWS refuses AssumeRole into an account that does
		// not exist (AccessDenied: the account fails at stage assume-role,
		// exit 3); moto issues credentials for it and serves it as an empty
		// account, which the product scans without findings.
		{name: "--accounts with an account that does not exist", args: []string{"--accounts", motoAccount + ",999999999999"},
			accounts: []*orgAccount{mgmt, {ID: "999999999999"}}, named: true, orgCalls: []string{"DescribeAccount"}},
	}
	for _, sc := range scopes {
		t.Run(sc.name, func(t *testing.T) {
			env.Rec.watch(t)
			before := len(env.Rec.calls("cli"))
			res := runCLI(t, scanArgs(env, asOf, append([]string{"-o", "json"}, sc.args...)...)...)
			checkLogs(t, res.stderr)
			if res.code != cli.ExitUnused {
				t.Fatalf("exit %d, want %d (unused access found); stderr:\n%s", res.code, cli.ExitUnused, res.stderr)
			}
			doc := parseScanDoc(t, res.stdout)
			if len(doc.Errors) != 0 {
				t.Errorf("errors %+v, want none", doc.Errors)
			}
			checkOrgDoc(t, env.Rec, doc, sc, nil)
			checkOrgCalls(t, env.Rec.calls("cli")[before:], sc, "testing")
		})
	}

	// With moto checking permissions, as AWS does: the caller is a user of
	// the management account that holds exactly the shipped policies, and a
	// Deny of sts:AssumeRole into the audit account (as an SCP or a
	// permissions boundary would). moto issues credentials for any role
	// that is not denied (TestMoto_differences), so a Deny is the one way
	// to make AssumeRole fail against it.
	t.Run("a member whose role cannot be assumed", func(t *testing.T) {
		env.Rec.watch(t)
		if err := env.Moto.enableAuth(t.Context()); err != nil {
			t.Fatal(err)
		}
		cliEnv(t, o.Scanner.ID, o.Scanner.Secret)
		before := len(env.Rec.calls("cli"))
		res := runCLI(t, scanArgs(env, asOf, "-o", "json", "--org")...)
		checkLogs(t, res.stderr)
		if res.code != cli.ExitPartial {
			t.Fatalf("exit %d, want %d (an account failed); stderr:\n%s", res.code, cli.ExitPartial, res.stderr)
		}
		calls := env.Rec.calls("cli")[before:]
		doc := parseScanDoc(t, res.stdout)
		sc := orgScope{accounts: []*orgAccount{mgmt, dev, prodA, sandbox}, skipped: []*orgAccount{retired}, named: true, orgCalls: []string{"ListAccounts"}}
		// The scanner's own key is used by the scan itself: its records are
		// not those of a never-used key.
		scanner := mgmt.Users[len(mgmt.Users)-1].ARN
		checkOrgDoc(t, env.Rec, doc, sc, func(f finding) bool { return f.ARN == scanner })

		// The refusal: the audit account at stage assume-role.
		denied := roleARN(audit.ID, accessRole)
		var refusal *exchange
		for _, c := range calls {
			if v, _ := url.ParseQuery(string(c.req)); c.action == "AssumeRole" && v.Get("RoleArn") == denied {
				refusal = &c
			}
		}
		if refusal == nil {
			t.Fatalf("no AssumeRole call for %s", denied)
		}
		// moto difference: moto refuses in <ErrorResponse><Errors><Error>,
		// an envelope the SDK's query protocol cannot decode (STS sends
		// <ErrorResponse><Error>); the AWS error code is on the wire only.
		if refusal.status != 403 || !bytes.Contains(refusal.resp, []byte("<Code>AccessDenied</Code>")) {
			t.Errorf("AssumeRole of %s answered %d %s, want 403 AccessDenied", denied, refusal.status, clip(refusal.resp, 1<<10))
		}
		if len(doc.Errors) != 1 {
			t.Fatalf("errors %+v, want the audit account's alone", doc.Errors)
		}
		e := doc.Errors[0]
		if e.AccountID != audit.ID || e.AccountName == nil || *e.AccountName != audit.Name || e.Stage != "assume-role" ||
			!strings.Contains(e.Message, "assume "+denied+":") {
			t.Errorf("error %+v: want account %s (%s) at stage assume-role, naming %s\nits AssumeRole call:\n%s",
				e, audit.ID, audit.Name, denied, describe(refusal))
		}
		// moto difference (above): the SDK cannot read moto's error code,
		// so the product names the HTTP status instead. Against AWS the code
		// is AccessDenied (internal/cli's TestScan_org, on internal/fakeaws).
		if deref(e.Code) != "UnknownError" || !strings.Contains(e.Message, "(HTTP 403)") {
			t.Errorf("error code %q, message %q: moto used to give the SDK an error it reads as UnknownError (HTTP 403)\nits AssumeRole call:\n%s",
				deref(e.Code), e.Message, describe(refusal))
		}
		sc.accounts = append(sc.accounts, audit) // AssumeRole was called for it
		checkOrgCalls(t, calls, sc, o.Scanner.ID)
	})
}

func describe(ex *exchange) string {
	var b strings.Builder
	ex.write(&b, 2<<10, 4<<10)
	return b.String()
}

// checkOrgDoc checks the findings, skipped accounts and counts of an
// organization scan; skip leaves findings out of the comparison.
func checkOrgDoc(t *testing.T, rec *recorder, doc scanDoc, sc orgScope, skip func(finding) bool) {
	t.Helper()
	var wantIDs, gotIDs []string
	for _, a := range sc.accounts {
		if len(a.want(sc.named)) > 0 {
			wantIDs = append(wantIDs, a.ID)
		}
	}
	slices.Sort(wantIDs)
	for _, f := range doc.Findings {
		if len(gotIDs) == 0 || gotIDs[len(gotIDs)-1] != f.AccountID {
			gotIDs = append(gotIDs, f.AccountID)
		}
	}
	if diff := cmp.Diff(wantIDs, gotIDs); diff != "" {
		t.Errorf("accounts with findings, in output order (-want +got):\n%s", diff)
	}
	type skipped struct{ ID, Name, Status string }
	var wantSkipped, gotSkipped []skipped
	for _, a := range sc.skipped {
		wantSkipped = append(wantSkipped, skipped{a.ID, a.Name, "SUSPENDED"})
	}
	for _, s := range doc.Skipped {
		gotSkipped = append(gotSkipped, skipped{s.AccountID, deref(s.AccountName), s.Status})
	}
	if diff := cmp.Diff(wantSkipped, gotSkipped); diff != "" {
		t.Errorf("skipped accounts (-want +got):\n%s", diff)
	}
	if c := doc.Accounts; c.Scanned != len(wantIDs) || c.Failed != len(doc.Errors) || c.Skipped != len(sc.skipped) {
		t.Errorf("accounts %+v, want %d scanned (with findings), %d failed, %d skipped", c, len(wantIDs), len(doc.Errors), len(sc.skipped))
	}

	want := map[string]orgFinding{}
	for _, a := range sc.accounts {
		maps.Copy(want, a.want(sc.named))
	}
	got := map[string]orgFinding{}
	for _, f := range doc.Findings {
		if _, dup := got[f.key()]; dup {
			t.Errorf("%s reported twice", f.key())
		}
		got[f.key()] = project(f)
		if skip != nil && skip(f) {
			delete(want, f.key())
			delete(got, f.key())
		}
	}
	for k, w := range want {
		g, ok := got[k]
		if !ok {
			t.Errorf("%s missing from the findings of account %s\n%s", k, w.AccountID, rec.excerpt(w.ARN))
			continue
		}
		if diff := cmp.Diff(w, g); diff != "" {
			t.Errorf("%s (-want +got):\n%s\n%s", k, diff, rec.excerpt(w.ARN))
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected finding %s\n%s", k, rec.excerpt(got[k].ARN))
		}
	}
}

// orgActions are every operation an organization scan may call: those of
// the shipped policies, and sts:GetCallerIdentity, which needs no
// permission.
var orgActions = map[string]string{
	"GetCallerIdentity": "sts", "AssumeRole": "sts",
	"ListAccounts": "organizations", "ListAccountsForParent": "organizations", "ListOrganizationalUnitsForParent": "organizations", "DescribeAccount": "organizations",
	"GetAccountAuthorizationDetails": "iam", "GenerateCredentialReport": "iam", "GetCredentialReport": "iam", "ListAccessKeys": "iam",
}

// checkOrgCalls checks the AWS requests of an organization scan: the
// operations, one AssumeRole per member in scope (never for the caller's
// own account), and which credentials read each account: every IAM
// request of an account is signed by the caller's key in the caller's
// account, and by the key AssumeRole issued for the account's role in a
// member.
func checkOrgCalls(t *testing.T, calls []exchange, sc orgScope, callerKey string) {
	t.Helper()
	inScope := map[string]bool{}
	for _, a := range sc.accounts {
		inScope[a.ID] = true
	}
	orgCalls := map[string]bool{}
	var parents []string
	keyAccount := map[string]string{callerKey: motoAccount}
	assumed := map[string]int{} // role ARN -> calls
	for _, c := range calls {
		service, ok := orgActions[c.action]
		if !ok || c.service != service {
			t.Errorf("the scan called %s %s: not an operation of the shipped policies", c.service, c.action)
			continue
		}
		v, _ := url.ParseQuery(string(c.req))
		switch {
		case service == "organizations":
			orgCalls[c.action] = true
			if c.action == "ListAccountsForParent" {
				var in struct{ ParentId string }
				if err := json.Unmarshal(c.req, &in); err != nil {
					t.Errorf("ListAccountsForParent request %s: %v", c.req, err)
				}
				parents = append(parents, in.ParentId)
			}
		case c.action == "AssumeRole":
			arn := v.Get("RoleArn")
			assumed[arn]++
			if s := v.Get("RoleSessionName"); s != "iamsweep" {
				t.Errorf("AssumeRole of %s with session name %q, want iamsweep", arn, s)
			}
			var out struct {
				Key string `xml:"AssumeRoleResult>Credentials>AccessKeyId"`
			}
			if c.status == 200 {
				if err := xml.Unmarshal(c.resp, &out); err != nil || out.Key == "" {
					t.Errorf("AssumeRole of %s: no access key in %s (%v)", arn, c.resp, err)
				}
				a, _ := iamsweep.ParseARN(arn)
				keyAccount[out.Key] = a.AccountID
			}
		}
		if service != "iam" && c.key != callerKey {
			t.Errorf("%s signed by %s, want the caller's key %s", c.action, c.key, callerKey)
		}
	}
	wantOrg := map[string]bool{}
	for _, a := range sc.orgCalls {
		wantOrg[a] = true
	}
	if diff := cmp.Diff(wantOrg, orgCalls); diff != "" {
		t.Errorf("Organizations operations called (-want +got):\n%s", diff)
	}
	slices.Sort(parents)
	wantParents := slices.Sorted(slices.Values(sc.parents))
	if diff := cmp.Diff(wantParents, parents); diff != "" {
		t.Errorf("ListAccountsForParent ParentIds (-want +got):\n%s", diff)
	}
	wantAssumed := map[string]int{}
	for id := range inScope {
		if id != motoAccount {
			wantAssumed[roleARN(id, accessRole)] = 1
		}
	}
	if diff := cmp.Diff(wantAssumed, assumed); diff != "" {
		t.Errorf("AssumeRole calls by role (-want +got): the caller's own account needs none\n%s", diff)
	}

	// Which account each IAM request read, by the key that signed it.
	read := map[string]int{} // account -> GetAccountAuthorizationDetails calls
	for _, c := range calls {
		if c.service != "iam" {
			continue
		}
		acct, ok := keyAccount[c.key]
		if !ok {
			t.Errorf("%s signed by %s, neither the caller's key nor one AssumeRole issued", c.action, c.key)
			continue
		}
		if c.action == "GetAccountAuthorizationDetails" && c.status == 200 {
			read[acct]++
		}
	}
	opened := map[string]bool{}
	for _, acct := range keyAccount {
		opened[acct] = true
	}
	wantRead := map[string]int{}
	for _, a := range sc.accounts {
		if opened[a.ID] { // not an account whose role could not be assumed
			wantRead[a.ID] = 1 // roles and users, in one listing
		}
	}
	if diff := cmp.Diff(wantRead, read); diff != "" {
		t.Errorf("GetAccountAuthorizationDetails calls by account, the caller's signed with its own key %s (-want +got):\n%s", callerKey, diff)
	}
}

// orgDifferences are where moto's Organizations and STS differ from AWS's.
func orgDifferences(env *awsEnv) []difference {
	// prepare creates an organization with one member account.
	var member string
	orgs := organizations.NewFromConfig(env.Config)
	prepare := func(t *testing.T) {
		t.Helper()
		if member != "" {
			return
		}
		if _, err := orgs.CreateOrganization(t.Context(), &organizations.CreateOrganizationInput{FeatureSet: orgtypes.OrganizationFeatureSetAll}); err != nil {
			t.Fatal(err)
		}
		out, err := orgs.CreateAccount(t.Context(), &organizations.CreateAccountInput{AccountName: aws.String("diff-member"), Email: aws.String("diff-member@example.com")})
		if err != nil {
			t.Fatal(err)
		}
		st := out.CreateAccountStatus
		if st.State != orgtypes.CreateAccountStateSucceeded {
			t.Errorf("CreateAccount answered %s; moto used to answer SUCCEEDED at once", st.State)
		}
		if member = aws.ToString(st.AccountId); member == "" {
			t.Fatalf("CreateAccount answered no account ID: %+v", st)
		}
	}
	return []difference{
		{
			name: "CreateAccount and CloseAccount finish at once",
			aws: "CreateAccount answers IN_PROGRESS and the account exists once DescribeCreateAccountStatus says SUCCEEDED; " +
				"CloseAccount makes it PENDING_CLOSURE, then SUSPENDED. moto answers SUCCEEDED and makes the account SUSPENDED " +
				"at once. The tests poll as AWS needs; the product skips (and lists) every account that is not ACTIVE.",
			check: func(t *testing.T) {
				prepare(t)
				ctx := t.Context()
				id, err := createAccount(ctx, orgs, "diff-closed")
				if err != nil {
					t.Fatal(err)
				}
				if _, err := orgs.CloseAccount(ctx, &organizations.CloseAccountInput{AccountId: aws.String(id)}); err != nil {
					t.Fatal(err)
				}
				out, err := orgs.DescribeAccount(ctx, &organizations.DescribeAccountInput{AccountId: aws.String(id)})
				if err != nil {
					t.Fatal(err)
				}
				if out.Account.Status != orgtypes.AccountStatusSuspended {
					t.Errorf("a closed account is %s; moto used to make it SUSPENDED at once", out.Account.Status)
				}
			},
		},
		{
			name: "OrganizationAccountAccessRole has no permissions",
			aws: "Organizations creates OrganizationAccountAccessRole in every account it creates, trusting the management " +
				"account, with administrator permissions. moto creates it with the same trust policy and no policy at all: " +
				"with moto checking permissions, the role may do nothing. TestScanOrg_moto gives it the permissions AWS gives it.",
			check: func(t *testing.T) {
				prepare(t)
				ctx := t.Context()
				m := iam.NewFromConfig(env.assumedConfig(roleARN(member, accessRole)))
				role, err := readRole(ctx, m, accessRole)
				if err != nil {
					t.Fatal(err)
				}
				trust := mustJSON(t, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::`+motoAccount+`:root"},"Action":"sts:AssumeRole"}]}`)
				if diff := cmp.Diff(trust, role.TrustPolicy); diff != "" {
					t.Errorf("trust policy of %s (-AWS's +moto's):\n%s", role.ARN, diff)
				}
				if len(role.InlinePolicies) != 0 || len(role.AttachedPolicies) != 0 {
					t.Errorf("%s has inline policies %v and attached %v; moto used to give it none", role.ARN, role.InlinePolicies, role.AttachedPolicies)
				}
			},
		},
		{
			name: "AssumeRole needs no role",
			aws: "STS refuses (AccessDenied) to assume a role that does not exist, or in an account that does not exist. " +
				"moto issues credentials for any role ARN, and they act in the account the ARN names: against moto an " +
				"account whose role is missing is scanned as if it were there (without authentication) or fails in IAM " +
				"(HTTP 500, with it), never at AssumeRole. TestScanOrg_moto makes AssumeRole fail with a Deny in the caller's policy instead.",
			check: func(t *testing.T) {
				prepare(t)
				ctx := t.Context()
				for _, arn := range []string{roleARN(member, "no-such-role"), roleARN("999999999999", accessRole)} {
					c := sts.NewFromConfig(env.assumedConfig(arn))
					out, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
					if err != nil {
						t.Errorf("assume %s: %v; moto used to issue credentials", arn, err)
						continue
					}
					if a, _ := iamsweep.ParseARN(arn); aws.ToString(out.Account) != a.AccountID {
						t.Errorf("credentials of %s act in account %s; moto used to make them act in %s", arn, aws.ToString(out.Account), a.AccountID)
					}
				}
			},
		},
	}
}
