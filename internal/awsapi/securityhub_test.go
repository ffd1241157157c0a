package awsapi

import (
	"context"
	"errors"
	"fmt"
	"os"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/fakeaws"
	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/report"
)

const hubRegion = "eu-west-1"

var hubAsOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

// hubFor returns a Security Hub client of testAccountID in hubRegion
// that retries failed findings without waiting; delays records the waits
// it would have made.
func hubFor(t *testing.T, srv *fakeaws.Server, delays *[]time.Duration) *SecurityHub {
	t.Helper()
	cfg := testConfig(srv)
	cfg.Region = hubRegion
	h, err := NewSecurityHub(cfg, testAccountID, "aws", quietLogger(), SecurityHubOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h.sleep = func(ctx context.Context, d time.Duration) error {
		if delays != nil {
			*delays = append(*delays, d)
		}
		return ctx.Err()
	}
	return h
}

// unusedRoles returns n unused role findings of testAccountID as ASFF.
func unusedRoles(n int, asOf time.Time) []report.ASFFFinding {
	var out []report.ASFFFinding
	for i := range n {
		d := 200 + i
		f := iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: testAccountID, AccountName: "test",
			ARN: fmt.Sprintf("arn:aws:iam::%s:role/app/role-%03d", testAccountID, i), PrincipalID: fmt.Sprintf("AROA%016d", i),
			Name: fmt.Sprintf("role-%03d", i), Path: "/app/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed,
			Reason: fmt.Sprintf("last used %d days ago", d), Created: asOf.AddDate(-2, 0, 0),
			LastUsed: iamsweep.Usage{Time: asOf.AddDate(0, 0, -d), Region: "eu-west-1"}, DaysUnused: &d,
			Tags: []iamsweep.Tag{{Key: "owner", Value: "team-a"}}}
		out = append(out, report.NewASFFFinding(f, report.ASFFOptions{Region: hubRegion, AsOf: asOf, UnusedDays: 90, OwnerTags: []string{"owner"}}))
	}
	return out
}

func TestSecurityHub_roundTrip(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}), fakeaws.WithSecurityHub(hubRegion, testAccountID),
		fakeaws.WithMaxPageItems(40))
	h := hubFor(t, srv, nil)
	ctx := t.Context()
	sent := unusedRoles(250, hubAsOf)
	// A key and a user, for their resource details.
	d := 400
	for _, f := range []iamsweep.Finding{
		{Type: iamsweep.TypeUnusedIAMUserAccessKey, AccountID: testAccountID, ARN: "arn:aws:iam::" + testAccountID + ":user/bob", PrincipalID: "AIDABOB",
			Name: "bob", Path: "/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed, Reason: "last used 400 days ago",
			Created: hubAsOf.AddDate(-3, 0, 0), LastUsed: iamsweep.Usage{Time: hubAsOf.AddDate(0, 0, -d)}, DaysUnused: &d, AccessKeyID: "AKIABOBBOBBOBBOBBOB1", KeySlot: 1},
		{Type: iamsweep.TypeUnusedIAMUser, AccountID: testAccountID, ARN: "arn:aws:iam::" + testAccountID + ":user/bob", PrincipalID: "AIDABOB",
			Name: "bob", Path: "/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed, Reason: "last used 400 days ago",
			Created: hubAsOf.AddDate(-3, 0, 0), LastUsed: iamsweep.Usage{Time: hubAsOf.AddDate(0, 0, -d)}, DaysUnused: &d},
	} {
		sent = append(sent, report.NewASFFFinding(f, report.ASFFOptions{Region: hubRegion, AsOf: hubAsOf, UnusedDays: 90}))
	}
	n, failures, err := h.Import(ctx, sent)
	if err != nil || len(failures) != 0 || n != len(sent) {
		t.Fatalf("Import: %d accepted, failures %+v, %v", n, failures, err)
	}
	if calls := srv.CallCount("BatchImportFindings"); calls != 3 {
		t.Errorf("%d BatchImportFindings calls for 252 findings, want 3 (100 a call)", calls)
	}
	got, err := h.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if calls := srv.CallCount("GetFindings"); calls != 7 {
		t.Errorf("%d GetFindings calls for 252 findings in pages of 40, want 7", calls)
	}
	sortASFF := cmpopts.SortSlices(func(a, b report.ASFFFinding) bool { return a.ID < b.ID })
	if diff := cmp.Diff(sent, got, sortASFF); diff != "" {
		t.Errorf("what Active reads back differs from what was imported (-sent +read):\n%s", diff)
	}
	if h.ProductARN() != "arn:aws:securityhub:eu-west-1:"+testAccountID+":product/"+testAccountID+"/default" {
		t.Errorf("ProductARN %s", h.ProductARN())
	}
}

func TestSecurityHub_Active_onlyIamsweepsActive(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}), fakeaws.WithSecurityHub(hubRegion, testAccountID))
	h := hubFor(t, srv, nil)
	ctx := t.Context()
	fs := unusedRoles(3, hubAsOf)
	fs[1] = report.ASFFClose(fs[1], "used", "now used", hubAsOf)
	fs[2].GeneratorID = "custom/other-tool"
	fs[2].ID = "other-tool/finding"
	if _, failures, err := h.Import(ctx, fs); err != nil || len(failures) > 0 {
		t.Fatal(failures, err)
	}
	got, err := h.Active(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != fs[0].ID {
		t.Errorf("Active = %d findings, want only %s", len(got), fs[0].ID)
	}
}

func TestSecurityHub_failedFindingsRetried(t *testing.T) {
	fs := unusedRoles(5, hubAsOf)
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}), fakeaws.WithSecurityHub(hubRegion, testAccountID),
		fakeaws.WithFailedFinding(fs[0].ID, "InternalException", 2), // passes on the third try
		fakeaws.WithFailedFinding(fs[1].ID, "InvalidInput", 1),      // never retried
		fakeaws.WithFailedFinding(fs[2].ID, "ThrottlingException", -1))
	var delays []time.Duration
	h := hubFor(t, srv, &delays)
	n, failures, err := h.Import(t.Context(), fs)
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("%d accepted, want 3", n)
	}
	got := map[string]string{}
	for _, f := range failures {
		got[f.ID] = f.Code
	}
	want := map[string]string{fs[1].ID: "InvalidInput", fs[2].ID: "ThrottlingException"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("failures (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]time.Duration{time.Second, 2 * time.Second, 4 * time.Second}, delays); diff != "" {
		t.Errorf("waits before retries (-want +got):\n%s", diff)
	}
	if calls := srv.CallCount("BatchImportFindings"); calls != 4 {
		t.Errorf("%d calls, want 4 (one, then three retries of what failed)", calls)
	}
}

func TestSecurityHub_tooLarge(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}), fakeaws.WithSecurityHub(hubRegion, testAccountID))
	h := hubFor(t, srv, nil)
	fs := unusedRoles(2, hubAsOf)
	for i := range 40 {
		fs[0].ProductFields[fmt.Sprint("iamsweep/Big", i)] = strings.Repeat("x", 8000)
	}
	n, failures, err := h.Import(t.Context(), fs)
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 || len(failures) != 1 || failures[0].ID != fs[0].ID || failures[0].Code != report.CodeTooLarge {
		t.Errorf("%d accepted, failures %+v; want the large one refused before it is sent", n, failures)
	}
}

func TestBatches(t *testing.T) {
	items := func(n, size int) []importItem {
		out := make([]importItem, n)
		for i := range out {
			out[i] = importItem{id: fmt.Sprint(i), bytes: size}
		}
		return out
	}
	sizes := func(bs [][]importItem) []int {
		var out []int
		for _, b := range bs {
			out = append(out, len(b))
		}
		return out
	}
	tests := []struct {
		name  string
		items []importItem
		want  []int
	}{
		{"none", nil, nil},
		{"one", items(1, 1000), []int{1}},
		{"100 a call", items(250, 1000), []int{100, 100, 50}},
		{"6 MB a call", items(60, 200_000), []int{29, 29, 2}},
		{"largest findings", items(3, 239_999), []int{3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := batches(tt.items)
			if diff := cmp.Diff(tt.want, sizes(got)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			for _, b := range got {
				total := 0
				for _, it := range b {
					total += it.bytes
				}
				if len(b) > 100 || total > report.ASFFMaxBatchBytes {
					t.Errorf("a batch of %d findings and %d bytes", len(b), total)
				}
			}
		})
	}
}

func TestSecurityHub_disabled(t *testing.T) {
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}))
	h := hubFor(t, srv, nil)
	_, err := h.Active(t.Context())
	if !errors.Is(err, ErrSecurityHubDisabled) || iamsweep.ErrorCode(err) != "InvalidAccessException" {
		t.Errorf("Active where Security Hub is off: %v, want ErrSecurityHubDisabled with the code", err)
	}
	if !strings.Contains(err.Error(), testAccountID) || !strings.Contains(err.Error(), hubRegion) {
		t.Errorf("the error does not name the account and Region: %v", err)
	}
	_, failures, err := h.Import(t.Context(), unusedRoles(1, hubAsOf))
	if err != nil || len(failures) != 1 || failures[0].Code != "InvalidAccess" {
		t.Errorf("Import where Security Hub is off: %+v, %v; want the finding failed with InvalidAccess, not retried", failures, err)
	}
	if calls := srv.CallCount("BatchImportFindings"); calls != 1 {
		t.Errorf("%d calls, want 1", calls)
	}
	cfg := testConfig(srv)
	cfg.Region = ""
	if _, err := NewSecurityHub(cfg, testAccountID, "aws", quietLogger(), SecurityHubOptions{}); err == nil {
		t.Error("a client without a Region: no error")
	}
}

// TestSecurityHub_rateLimit imports 40 batches from one client into a fake
// that throttles above Security Hub's documented 10 calls a second (with
// one call of slack for the time between the client's clock and the
// fake's): none is throttled, as the client waits for its own bucket.
func TestSecurityHub_rateLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("takes a second of wall time")
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}), fakeaws.WithSecurityHub(hubRegion, testAccountID),
		fakeaws.WithSecurityHubRateLimit(10, 31))
	h := hubFor(t, srv, nil)
	fs := unusedRoles(4000, hubAsOf)
	start := time.Now()
	n, failures, err := h.Import(t.Context(), fs)
	if err != nil || n != len(fs) || len(failures) > 0 {
		t.Fatalf("%d accepted, %d failures, %v", n, len(failures), err)
	}
	for _, c := range srv.Calls() {
		if c.ErrorCode != "" {
			t.Errorf("a call was refused: %+v", c)
		}
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("40 calls took %v: the burst is 30, then 10 a second", d)
	}
}

func TestOrg_SecurityHub(t *testing.T) {
	srv, org := sampleOrgInRegion(t, hubRegion, fakeaws.WithSecurityHub(hubRegion, fakeaws.SampleManagement, fakeaws.SampleProdA))
	ctx := t.Context()
	for _, acct := range []string{fakeaws.SampleManagement, fakeaws.SampleProdA} {
		h, err := org.SecurityHub(ctx, iamsweep.Account{ID: acct}, SecurityHubOptions{})
		if err != nil {
			t.Fatal(err)
		}
		f := report.NewASFFFinding(iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: acct, ARN: "arn:aws:iam::" + acct + ":role/x", Name: "x",
			Verdict: iamsweep.VerdictUnused, Reason: "r"}, report.ASFFOptions{Region: h.Region(), AsOf: hubAsOf, UnusedDays: 90})
		if _, failures, err := h.Import(ctx, []report.ASFFFinding{f}); err != nil || len(failures) > 0 {
			t.Fatalf("account %s: %+v, %v", acct, failures, err)
		}
		if got := srv.SecurityHubFindings(acct, hubRegion); len(got) != 1 {
			t.Errorf("account %s holds %d findings, want its own 1", acct, len(got))
		}
	}
	if _, err := org.SecurityHub(ctx, iamsweep.Account{ID: fakeaws.SampleAudit}, SecurityHubOptions{}); !errors.Is(err, iamsweep.ErrAccessDenied) {
		t.Errorf("an account whose role cannot be assumed: %v", err)
	}
	_, noRegion := sampleOrgInRegion(t, "")
	if _, err := noRegion.SecurityHub(ctx, iamsweep.Account{ID: fakeaws.SampleManagement}, SecurityHubOptions{}); err == nil || !strings.Contains(err.Error(), "Region") {
		t.Errorf("no Region: %v, want an error that says so", err)
	}
}

// sampleOrgInRegion is sampleOrg with the caller's configuration in
// region ("" for none).
func sampleOrgInRegion(t *testing.T, region string, extra ...fakeaws.Option) (*fakeaws.Server, *Org) {
	t.Helper()
	org, accounts := fakeaws.SampleOrganization()
	srv := fakeaws.New(t, append([]fakeaws.Option{
		fakeaws.WithAccounts(accounts...),
		fakeaws.WithOrganization(org),
		fakeaws.WithCredentials(fakeaws.SampleCallerKey, fakeaws.SampleManagement),
	}, extra...)...)
	cfg := testConfig(srv)
	cfg.Region = region
	cfg.Credentials = credentials.NewStaticCredentialsProvider(fakeaws.SampleCallerKey, "secret", "")
	return srv, NewOrg(cfg, quietLogger(), OrgOptions{})
}

// securityHubPolicyFile is the policy an export to Security Hub needs.
const securityHubPolicyFile = "../../policies/iamsweep-securityhub.json"

// TestSecurityHubPolicy_CoversEveryCall runs every method of SecurityHub
// that takes a context against the fake and checks that the policy
// allows exactly the actions they call.
func TestSecurityHubPolicy_CoversEveryCall(t *testing.T) {
	data, err := os.ReadFile(securityHubPolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := policy.Parse(data)
	if err != nil {
		t.Fatalf("%s: %v", securityHubPolicyFile, err)
	}
	srv := fakeaws.New(t, fakeaws.WithAccounts(&fakeaws.Account{ID: testAccountID}), fakeaws.WithSecurityHub(hubRegion, testAccountID))
	h := hubFor(t, srv, nil)
	ctx := t.Context()
	ctxType := reflect.TypeFor[context.Context]()
	v := reflect.ValueOf(h)
	for i := 0; i < v.NumMethod(); i++ {
		m, name := v.Method(i), v.Type().Method(i).Name
		if m.Type().NumIn() == 0 || m.Type().In(0) != ctxType {
			continue
		}
		switch name {
		case "Active":
			if _, err := h.Active(ctx); err != nil {
				t.Fatal(err)
			}
		case "Import":
			if _, _, err := h.Import(ctx, unusedRoles(1, hubAsOf)); err != nil {
				t.Fatal(err)
			}
		default:
			t.Errorf("SecurityHub.%s takes a context but this test does not call it: extend it, so that the policy covers its calls", name)
		}
	}
	called := srv.Actions()
	var granted []string
	for i, s := range doc.Statements {
		if s.Effect != "Allow" || s.Principal != nil || s.NotActions != nil || s.NotResources != nil || len(s.Resources) == 0 {
			t.Errorf("statement %d (%s) is not a plain Allow", i, s.Sid)
		}
		granted = append(granted, s.Actions...)
	}
	sort.Strings(granted)
	for _, a := range called {
		if !slices.ContainsFunc(granted, func(g string) bool { return strings.EqualFold(g, a) }) {
			t.Errorf("the code calls %s, which %s does not allow", a, securityHubPolicyFile)
		}
	}
	for _, g := range granted {
		if !slices.ContainsFunc(called, func(a string) bool { return strings.EqualFold(g, a) }) {
			t.Errorf("%s grants %s, which the code never calls (called %v)", securityHubPolicyFile, g, called)
		}
	}
}

// TestToSDK_neverTheCustomersFields: what goes to BatchImportFindings never
// carries the fields that belong to the customer, whatever the finding.
func TestToSDK_neverTheCustomersFields(t *testing.T) {
	fs := unusedRoles(1, hubAsOf)
	fs = append(fs, report.ASFFClose(fs[0], "gone", "deleted", hubAsOf))
	for _, a := range fs {
		f := toSDK(a)
		//lint:ignore SA1019 WorkflowState is deprecated, and checked here because it is still the customer's field.
		if f.Workflow != nil || f.WorkflowState != "" || f.Note != nil || f.UserDefinedFields != nil || f.VerificationState != "" ||
			f.Confidence != nil || f.Criticality != nil || f.RelatedFindings != nil {
			t.Errorf("%s (%s) sets a field of the customer's: %+v", a.ID, a.RecordState, f)
		}
		if f.FindingProviderFields == nil || f.FindingProviderFields.Severity == nil || f.FindingProviderFields.Severity.Label != f.Severity.Label {
			t.Errorf("%s: the provider's severity is not in FindingProviderFields", a.ID)
		}
	}
}
