//go:build integration

package integration

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/securityhub"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"
	"github.com/google/go-cmp/cmp"
)

// hubRegion is the Region the tests export findings to.
const hubRegion = "eu-west-1"

// hubClient is an SDK client of moto's Security Hub in hubRegion, with the
// environment's credentials.
func (e *awsEnv) hubClient() *securityhub.Client {
	cfg := e.Config.Copy()
	cfg.Region = hubRegion
	return securityhub.NewFromConfig(cfg)
}

// hubFindings reads every finding moto holds in hubRegion (moto ignores
// GetFindings' filters; see the differences), by Id: "RecordState
// Compliance UpdatedAt".
func hubFindings(t *testing.T, c *securityhub.Client) map[string]string {
	t.Helper()
	out := map[string]string{}
	p := securityhub.NewGetFindingsPaginator(c, &securityhub.GetFindingsInput{MaxResults: aws.Int32(100)})
	for p.HasMorePages() {
		page, err := p.NextPage(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range page.Findings {
			id := aws.ToString(f.Id)
			if _, dup := out[id]; dup {
				t.Errorf("finding %s held twice", id)
			}
			var status string
			if f.Compliance != nil {
				status = string(f.Compliance.Status)
			}
			out[id] = fmt.Sprintf("%s %s %s", f.RecordState, status, aws.ToString(f.UpdatedAt))
		}
	}
	return out
}

// TestSecurityHub_moto exports a scan of moto's account to moto's
// Security Hub end to end through cli.Main, then rescans after deleting a
// role and exempting another, and reads back with GetFindings: one
// finding per idle role, the deleted and the exempted one archived, none
// twice, another tool's finding in the same product left alone.
func TestSecurityHub_moto(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	for _, name := range []string{"idle-a", "idle-b", "idle-c-keep"} {
		if _, err := seedRole(ctx, env.IAM, roleSpec{Name: name, Path: "/app/", Trust: trustEC2}); err != nil {
			t.Fatal(err)
		}
	}
	hub := env.hubClient()
	if _, err := hub.EnableSecurityHub(ctx, &securityhub.EnableSecurityHubInput{}); err != nil {
		t.Fatal(err)
	}
	product := "arn:aws:securityhub:" + hubRegion + ":" + motoAccount + ":product/" + motoAccount + "/default"
	other := shtypes.AwsSecurityFinding{
		SchemaVersion: aws.String("2018-10-08"), Id: aws.String("other-tool/1"), ProductArn: aws.String(product),
		GeneratorId: aws.String("other-tool/check"), AwsAccountId: aws.String(motoAccount),
		CreatedAt: aws.String("2026-01-01T00:00:00Z"), UpdatedAt: aws.String("2026-01-01T00:00:00Z"),
		Severity: &shtypes.Severity{Label: shtypes.SeverityLabelLow}, Title: aws.String("another tool's"), Description: aws.String("x"),
		Resources: []shtypes.Resource{{Type: aws.String("Other"), Id: aws.String("x")}}, RecordState: shtypes.RecordStateActive,
	}
	if _, err := hub.BatchImportFindings(ctx, &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{other}}); err != nil {
		t.Fatal(err)
	}
	cliEnv(t, "testing", "testing")
	asOf := time.Now().UTC().Add(age).Truncate(time.Second)
	scan := func(at time.Time, extra ...string) cliResult {
		args := []string{"scan", "--endpoint-url", env.ProxyURL, "--region", hubRegion, "--to", "securityhub",
			"--as-of", at.Format(time.RFC3339), "-o", "json"}
		return runCLI(t, append(args, extra...)...)
	}
	id := func(name string) string {
		return "iamsweep/UnusedIAMRole/arn:aws:iam::" + motoAccount + ":role/app/" + name
	}

	// Scan 1: the three idle roles.
	r := scan(asOf)
	if r.code != 4 || !strings.Contains(r.stderr, "iamsweep: Security Hub eu-west-1: 3 findings imported, 0 findings archived in 1 account\n") {
		t.Fatalf("scan 1: exit %d, stderr %s", r.code, r.stderr)
	}
	stamp1 := asOf.Format(time.RFC3339)
	want := map[string]string{
		id("idle-a"):      "ACTIVE FAILED " + stamp1,
		id("idle-b"):      "ACTIVE FAILED " + stamp1,
		id("idle-c-keep"): "ACTIVE FAILED " + stamp1,
		"other-tool/1":    "ACTIVE  2026-01-01T00:00:00Z",
	}
	if diff := cmp.Diff(want, hubFindings(t, hub)); diff != "" {
		t.Errorf("after scan 1 (-want +got):\n%s", diff)
	}

	// Delete idle-b; exempt idle-c-keep (--allow *-keep).
	if _, err := env.IAM.DeleteRole(ctx, &iam.DeleteRoleInput{RoleName: aws.String("idle-b")}); err != nil {
		t.Fatal(err)
	}
	at2 := asOf.Add(time.Hour)
	r = scan(at2, "--allow", "*-keep")
	if r.code != 4 || !strings.Contains(r.stderr, "iamsweep: Security Hub eu-west-1: 1 finding imported, 2 findings archived in 1 account\n") {
		t.Fatalf("scan 2: exit %d, stderr %s", r.code, r.stderr)
	}
	stamp2 := at2.Format(time.RFC3339)
	want = map[string]string{
		id("idle-a"):      "ACTIVE FAILED " + stamp2,
		id("idle-b"):      "ARCHIVED PASSED " + stamp2,
		id("idle-c-keep"): "ARCHIVED PASSED " + stamp2,
		"other-tool/1":    "ACTIVE  2026-01-01T00:00:00Z",
	}
	if diff := cmp.Diff(want, hubFindings(t, hub)); diff != "" {
		t.Errorf("after scan 2 (-want +got):\n%s", diff)
	}

	// Scan 3: moto answers GetFindings with the archived findings and the
	// other tool's too (it ignores the filters); iamsweep filters them out
	// again and touches none of them.
	r = scan(asOf.Add(2*time.Hour), "--allow", "*-keep")
	if r.code != 4 || !strings.Contains(r.stderr, ": 1 finding imported, 0 findings archived in 1 account\n") {
		t.Errorf("scan 3: exit %d, stderr %s", r.code, r.stderr)
	}
	got := hubFindings(t, hub)
	for _, k := range []string{id("idle-b"), id("idle-c-keep"), "other-tool/1"} {
		if got[k] != want[k] {
			t.Errorf("scan 3 changed %s: %q, was %q", k, got[k], want[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("after scan 3 moto holds %d findings, want %d", len(got), len(want))
	}
}

// securityHubDifferences are where moto's Security Hub differs from AWS's.
func securityHubDifferences(env *awsEnv) []difference {
	hub := env.hubClient()
	product := "arn:aws:securityhub:" + hubRegion + ":" + motoAccount + ":product/" + motoAccount + "/default"
	finding := func(id, updated string, state shtypes.RecordState) shtypes.AwsSecurityFinding {
		return shtypes.AwsSecurityFinding{
			SchemaVersion: aws.String("2018-10-08"), Id: aws.String(id), ProductArn: aws.String(product),
			GeneratorId: aws.String("iamsweep/UnusedIAMRole"), AwsAccountId: aws.String(motoAccount),
			CreatedAt: aws.String("2026-01-01T00:00:00Z"), UpdatedAt: aws.String(updated),
			Severity: &shtypes.Severity{Label: shtypes.SeverityLabelLow}, Title: aws.String(id), Description: aws.String("x"),
			Resources:   []shtypes.Resource{{Type: aws.String("AwsIamRole"), Id: aws.String("arn:aws:iam::" + motoAccount + ":role/" + id)}},
			RecordState: state,
		}
	}
	importOne := func(t *testing.T, c *securityhub.Client, f shtypes.AwsSecurityFinding) *securityhub.BatchImportFindingsOutput {
		t.Helper()
		out, err := c.BatchImportFindings(t.Context(), &securityhub.BatchImportFindingsInput{Findings: []shtypes.AwsSecurityFinding{f}})
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	get := func(t *testing.T, c *securityhub.Client, id string) *shtypes.AwsSecurityFinding {
		t.Helper()
		out, err := c.GetFindings(t.Context(), &securityhub.GetFindingsInput{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range out.Findings {
			if aws.ToString(f.Id) == id {
				return &f
			}
		}
		return nil
	}
	return []difference{
		{
			name: "Security Hub GetFindings ignores Filters",
			aws: "Security Hub returns only the findings that match the filters. moto returns every finding, so iamsweep " +
				"checks ProductArn, AwsAccountId, GeneratorId and RecordState of what comes back itself.",
			check: func(t *testing.T) {
				importOne(t, hub, finding("diff-filter-archived", "2026-01-01T00:00:00Z", shtypes.RecordStateArchived))
				out, err := hub.GetFindings(t.Context(), &securityhub.GetFindingsInput{Filters: &shtypes.AwsSecurityFindingFilters{
					RecordState: []shtypes.StringFilter{{Comparison: shtypes.StringFilterComparisonEquals, Value: aws.String("ACTIVE")}},
				}})
				if err != nil {
					t.Fatal(err)
				}
				found := false
				for _, f := range out.Findings {
					found = found || aws.ToString(f.Id) == "diff-filter-archived"
				}
				if !found {
					t.Error("GetFindings with RecordState ACTIVE left out an ARCHIVED finding; moto used to ignore the filter")
				}
			},
		},
		{
			name: "Security Hub BatchImportFindings applies an update that is not newer",
			aws: "Security Hub ignores an update whose UpdatedAt is not after the held finding's. moto applies it, so the " +
				"UpdatedAt rule (and iamsweep's NotNewer check) is tested against internal/fakeaws only.",
			check: func(t *testing.T) {
				importOne(t, hub, finding("diff-updated", "2026-06-01T00:00:00Z", shtypes.RecordStateActive))
				importOne(t, hub, finding("diff-updated", "2026-01-01T00:00:00Z", shtypes.RecordStateArchived))
				f := get(t, hub, "diff-updated")
				if f == nil || f.RecordState != shtypes.RecordStateArchived {
					t.Errorf("an older update was ignored (%+v); moto used to apply it", f)
				}
			},
		},
		{
			name: "Security Hub takes findings where it is not enabled, for any account",
			aws: "Security Hub returns findings in FailedFindings (InvalidAccess) in an account and Region where it is not " +
				"enabled, and takes an account's findings only from that account with the default product ARN. moto takes " +
				"them all; both refusals are tested against internal/fakeaws.",
			check: func(t *testing.T) {
				cfg := env.Config.Copy()
				cfg.Region = "ap-southeast-2" // never enabled
				c := securityhub.NewFromConfig(cfg)
				f := finding("diff-disabled", "2026-01-01T00:00:00Z", shtypes.RecordStateActive)
				f.ProductArn = aws.String(strings.Replace(product, hubRegion, "ap-southeast-2", 1))
				f.AwsAccountId = aws.String("111122223333")
				out := importOne(t, c, f)
				if aws.ToInt32(out.SuccessCount) != 1 {
					t.Errorf("moto refused it: %+v; it used to take it", out.FailedFindings)
				}
			},
		},
		{
			name: "Security Hub BatchImportFindings checks nothing but Resources",
			aws: "Security Hub refuses a finding without the required attributes (InvalidInput in FailedFindings). moto " +
				"takes any finding with a resource, so validation is tested against internal/fakeaws.",
			check: func(t *testing.T) {
				f := finding("diff-invalid", "2026-01-01T00:00:00Z", shtypes.RecordStateActive)
				f.SchemaVersion = aws.String("1999-01-01")
				f.Title = aws.String("")
				out := importOne(t, hub, f)
				if aws.ToInt32(out.SuccessCount) != 1 {
					t.Errorf("moto refused an invalid finding: %+v; it used to take it", out.FailedFindings)
				}
			},
		},
	}
}
