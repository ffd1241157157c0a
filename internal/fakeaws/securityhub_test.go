package fakeaws_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep/internal/fakeaws"
)

const (
	hubAccount = "111122223333"
	hubOther   = "444455556666"
	hubKey     = "AKIAHUBHUBHUBHUBHUBH"
	hubRegion  = "eu-west-1"
)

func hubServer(t *testing.T, opts ...fakeaws.Option) *fakeaws.Server {
	t.Helper()
	return fakeaws.New(t, append([]fakeaws.Option{
		fakeaws.WithAccounts(&fakeaws.Account{ID: hubAccount}, &fakeaws.Account{ID: hubOther}),
		fakeaws.WithCredentials(hubKey, hubAccount),
		fakeaws.WithSecurityHub(hubRegion, hubAccount),
	}, opts...)...)
}

func hubClient(srv *fakeaws.Server, region string) *securityhub.Client {
	return securityhub.NewFromConfig(aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(hubKey, "secret", ""),
		BaseEndpoint: aws.String(srv.URL),
		HTTPClient:   srv.Client(),
		Retryer:      func() aws.Retryer { return aws.NopRetryer{} },
	})
}

var hubProduct = "arn:aws:securityhub:" + hubRegion + ":" + hubAccount + ":product/" + hubAccount + "/default"

func hubFinding(id string, updated time.Time) shtypes.AwsSecurityFinding {
	return shtypes.AwsSecurityFinding{
		SchemaVersion: aws.String("2018-10-08"),
		Id:            aws.String(id),
		ProductArn:    aws.String(hubProduct),
		GeneratorId:   aws.String("iamsweep/UnusedIAMRole"),
		AwsAccountId:  aws.String(hubAccount),
		Types:         []string{"Software and Configuration Checks/AWS Security Best Practices/Unused IAM Role"},
		CreatedAt:     aws.String("2026-01-01T00:00:00Z"),
		UpdatedAt:     aws.String(updated.UTC().Format(time.RFC3339Nano)),
		Severity:      &shtypes.Severity{Label: shtypes.SeverityLabelHigh},
		Title:         aws.String("IAM role " + id + " is unused"),
		Description:   aws.String("unused"),
		Resources:     []shtypes.Resource{{Type: aws.String("AwsIamRole"), Id: aws.String("arn:aws:iam::" + hubAccount + ":role/" + id)}},
		Compliance:    &shtypes.Compliance{Status: shtypes.ComplianceStatusFailed},
		RecordState:   shtypes.RecordStateActive,
	}
}

func apiCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return fmt.Sprint(err)
}

func TestSecurityHub_importAndGet(t *testing.T) {
	srv := hubServer(t)
	c := hubClient(srv, hubRegion)
	ctx := t.Context()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

	out, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{hubFinding("a", t0), hubFinding("b", t0)}})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.SuccessCount) != 2 || aws.ToInt32(out.FailedCount) != 0 {
		t.Fatalf("imported %d, failed %d: %+v", aws.ToInt32(out.SuccessCount), aws.ToInt32(out.FailedCount), out.FailedFindings)
	}
	got, err := c.GetFindings(ctx, &securityhub.GetFindingsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Findings) != 2 {
		t.Fatalf("%d findings", len(got.Findings))
	}
	f := got.Findings[0]
	if aws.ToString(f.Region) != hubRegion || f.Workflow == nil || f.Workflow.Status != shtypes.WorkflowStatusNew ||
		aws.ToString(f.ProductName) != "Default" || f.FindingProviderFields == nil || f.FindingProviderFields.Severity.Label != shtypes.SeverityLabelHigh {
		t.Errorf("Security Hub's own fields: region %q, workflow %+v, product %q, provider fields %+v",
			aws.ToString(f.Region), f.Workflow, aws.ToString(f.ProductName), f.FindingProviderFields)
	}

	// The customer notifies the owner; the provider archives the finding
	// later, then reactivates it.
	if !srv.SetWorkflowStatus(hubAccount, hubRegion, "a", "NOTIFIED") {
		t.Fatal("SetWorkflowStatus: no finding a")
	}
	archived := hubFinding("a", t0.Add(time.Hour))
	archived.RecordState = shtypes.RecordStateArchived
	archived.Workflow = &shtypes.Workflow{Status: shtypes.WorkflowStatusResolved} // ignored: the customer's
	stale := hubFinding("b", t0)                                                  // not newer: ignored
	stale.Title = aws.String("stale")
	if _, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{archived, stale}}); err != nil {
		t.Fatal(err)
	}
	state := func() map[string]string {
		m := map[string]string{}
		for _, d := range srv.SecurityHubFindings(hubAccount, hubRegion) {
			wf, _ := d["Workflow"].(map[string]any)
			m[d["Id"].(string)] = fmt.Sprintf("%v %v %v", d["RecordState"], wf["Status"], d["Title"])
		}
		return m
	}
	want := map[string]string{"a": "ARCHIVED NOTIFIED IAM role a is unused", "b": "ACTIVE NEW IAM role b is unused"}
	if diff := cmp.Diff(want, state()); diff != "" {
		t.Errorf("after archiving a and a stale b (-want +got):\n%s", diff)
	}
	again := hubFinding("a", t0.Add(2*time.Hour))
	if _, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{again}}); err != nil {
		t.Fatal(err)
	}
	if got := state()["a"]; got != "ACTIVE NEW IAM role a is unused" {
		t.Errorf("reactivated: %s, want ACTIVE with the workflow back to NEW", got)
	}
}

func TestSecurityHub_failedFindings(t *testing.T) {
	srv := hubServer(t)
	ctx := t.Context()
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	bad := map[string]func(*shtypes.AwsSecurityFinding){
		"blank title":   func(f *shtypes.AwsSecurityFinding) { f.Title = aws.String(" ") },
		"long title":    func(f *shtypes.AwsSecurityFinding) { f.Title = aws.String(strings.Repeat("t", 257)) },
		"bad time":      func(f *shtypes.AwsSecurityFinding) { f.UpdatedAt = aws.String("yesterday") },
		"no severity":   func(f *shtypes.AwsSecurityFinding) { f.Severity = nil },
		"bad type":      func(f *shtypes.AwsSecurityFinding) { f.Types = []string{"Nonsense/X/Y"} },
		"no resource":   func(f *shtypes.AwsSecurityFinding) { f.Resources = []shtypes.Resource{} },
		"schema":        func(f *shtypes.AwsSecurityFinding) { f.SchemaVersion = aws.String("2020-01-01") },
		"other account": func(f *shtypes.AwsSecurityFinding) { f.AwsAccountId = aws.String(hubOther) },
		"other region": func(f *shtypes.AwsSecurityFinding) {
			f.ProductArn = aws.String(strings.Replace(hubProduct, hubRegion, "us-east-1", 1))
		},
		"record state":   func(f *shtypes.AwsSecurityFinding) { f.RecordState = "CLOSED" },
		"too large":      func(f *shtypes.AwsSecurityFinding) { f.ProductFields = bigFields() },
		"too many pairs": func(f *shtypes.AwsSecurityFinding) { f.ProductFields = manyFields(51) },
	}
	wantCode := map[string]string{"other account": "AccessDeniedException", "other region": "AccessDeniedException"}
	var in []shtypes.AwsSecurityFinding
	for name, mutate := range bad {
		f := hubFinding(name, t0)
		mutate(&f)
		in = append(in, f)
	}
	in = append(in, hubFinding("good", t0))
	out, err := hubClient(srv, hubRegion).BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: in})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt32(out.SuccessCount) != 1 || int(aws.ToInt32(out.FailedCount)) != len(bad) {
		t.Errorf("success %d, failed %d; want 1 and %d", aws.ToInt32(out.SuccessCount), aws.ToInt32(out.FailedCount), len(bad))
	}
	for _, ff := range out.FailedFindings {
		name := aws.ToString(ff.Id)
		want := wantCode[name]
		if want == "" {
			want = "InvalidInput"
		}
		if aws.ToString(ff.ErrorCode) != want || aws.ToString(ff.ErrorMessage) == "" {
			t.Errorf("%s: %s %q, want %s", name, aws.ToString(ff.ErrorCode), aws.ToString(ff.ErrorMessage), want)
		}
	}

	// More than 100 findings: the whole call is refused.
	many := make([]shtypes.AwsSecurityFinding, 101)
	for i := range many {
		many[i] = hubFinding(fmt.Sprint(i), t0)
	}
	_, err = hubClient(srv, hubRegion).BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: many})
	if apiCode(err) != "InvalidInputException" {
		t.Errorf("101 findings: %v, want InvalidInputException", err)
	}
}

func bigFields() map[string]string {
	m := map[string]string{}
	for i := range 50 {
		m[fmt.Sprint("k", i)] = strings.Repeat("v", 2048)
	}
	for i := range 30 {
		m[fmt.Sprint("k", i)] += strings.Repeat("w", 3000) // over 2,048, and the finding over 240 KB
	}
	return m
}

func manyFields(n int) map[string]string {
	m := map[string]string{}
	for i := range n {
		m[fmt.Sprint("k", i)] = "v"
	}
	return m
}

func TestSecurityHub_notEnabled(t *testing.T) {
	srv := hubServer(t)
	ctx := t.Context()
	c := hubClient(srv, "us-east-1") // enabled in eu-west-1 only
	_, err := c.GetFindings(ctx, &securityhub.GetFindingsInput{})
	var ia *shtypes.InvalidAccessException
	if !errors.As(err, &ia) {
		t.Errorf("GetFindings where Security Hub is off: %v, want InvalidAccessException", err)
	}
	f := hubFinding("a", time.Now())
	f.ProductArn = aws.String(strings.Replace(hubProduct, hubRegion, "us-east-1", 1))
	out, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{f}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.FailedFindings) != 1 || aws.ToString(out.FailedFindings[0].ErrorCode) != "InvalidAccess" {
		t.Errorf("BatchImportFindings where Security Hub is off: %+v, want InvalidAccess", out.FailedFindings)
	}
}

func TestSecurityHub_filtersAndPages(t *testing.T) {
	srv := hubServer(t, fakeaws.WithMaxPageItems(2))
	ctx := t.Context()
	c := hubClient(srv, hubRegion)
	t0 := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var in []shtypes.AwsSecurityFinding
	for i := range 5 {
		f := hubFinding(fmt.Sprintf("iamsweep/role-%d", i), t0)
		if i == 3 {
			f.RecordState = shtypes.RecordStateArchived
		}
		in = append(in, f)
	}
	other := hubFinding("other", t0)
	other.GeneratorId = aws.String("custom/check")
	in = append(in, other)
	if _, err := c.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: in}); err != nil {
		t.Fatal(err)
	}
	eq := func(v string) []shtypes.StringFilter {
		return []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String(v)}}
	}
	filters := &shtypes.AwsSecurityFindingFilters{
		ProductArn:  eq(hubProduct),
		GeneratorId: []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonPrefix, Value: aws.String("iamsweep/")}},
		RecordState: eq("ACTIVE"),
	}
	var ids []string
	pages := 0
	p := securityhub.NewGetFindingsPaginator(c, &securityhub.GetFindingsInput{Filters: filters, MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, f := range page.Findings {
			ids = append(ids, aws.ToString(f.Id))
		}
	}
	want := []string{"iamsweep/role-0", "iamsweep/role-1", "iamsweep/role-2", "iamsweep/role-4"}
	if diff := cmp.Diff(want, ids); diff != "" || pages != 2 {
		t.Errorf("%d pages (want 2); ids (-want +got):\n%s", pages, diff)
	}

	neg := &shtypes.AwsSecurityFindingFilters{Id: []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonPrefixNotEquals, Value: aws.String("iamsweep/")}}}
	out, err := c.GetFindings(ctx, &securityhub.GetFindingsInput{Filters: neg})
	if err != nil || len(out.Findings) != 1 || aws.ToString(out.Findings[0].Id) != "other" {
		t.Errorf("PREFIX_NOT_EQUALS: %v, %d findings", err, len(out.Findings))
	}

	_, err = c.GetFindings(ctx, &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{
		CreatedAt: []shtypes.DateFilter{{DateRange: &shtypes.DateRange{Unit: shtypes.DateRangeUnitDays, Value: aws.Int32(1)}}},
	}})
	if apiCode(err) != "InvalidInputException" {
		t.Errorf("a filter the fake does not implement: %v, want InvalidInputException", err)
	}
	_, err = c.GetFindings(ctx, &securityhub.GetFindingsInput{NextToken: aws.String("bogus")})
	if apiCode(err) != "InvalidInputException" {
		t.Errorf("a bad NextToken: %v, want InvalidInputException", err)
	}
	_, err = c.GetFindings(ctx, &securityhub.GetFindingsInput{MaxResults: aws.Int32(101)})
	if apiCode(err) != "InvalidInputException" {
		t.Errorf("MaxResults 101: %v, want InvalidInputException", err)
	}
}

func TestSecurityHub_rateLimit(t *testing.T) {
	clock := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	srv := hubServer(t, fakeaws.WithSecurityHubRateLimit(10, 3), fakeaws.WithClock(func() time.Time { return clock }))
	c := hubClient(srv, hubRegion)
	var codes []string
	for i := range 4 {
		_, err := c.BatchImportFindings(t.Context(), &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{hubFinding(fmt.Sprint(i), clock)}})
		codes = append(codes, apiCode(err))
	}
	want := []string{"<nil>", "<nil>", "<nil>", "LimitExceededException"}
	if diff := cmp.Diff(want, codes); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}
