//go:build integration

package integration

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/smithy-go"
)

// TestMoto_differences writes down where moto 5.2.1 and AWS differ in ways
// that touch iamsweep, and checks that moto still behaves so: when one of
// these fails after a moto upgrade, update the list in docs/development.md
// (Development) and the tests that work around the difference. The product
// follows AWS everywhere; each case says how it copes with moto.
func TestMoto_differences(t *testing.T) {
	env := newAWSEnv(t)
	ctx := t.Context()
	for _, name := range []string{"diff-a", "diff-b", "diff-c"} {
		if _, err := seedRole(ctx, env.IAM, roleSpec{Name: name, Trust: trustEC2, Inline: []policySpec{{"read", policyRead}}}); err != nil {
			t.Fatal(err)
		}
	}
	// lastResponse calls fn and returns the body of the last response of
	// the calls it made.
	lastResponse := func(t *testing.T, fn func() error) []byte {
		t.Helper()
		before := env.Rec.count()
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		calls := env.Rec.since(before)
		if len(calls) == 0 {
			t.Fatal("no request recorded")
		}
		return calls[len(calls)-1].resp
	}
	apiCode := func(err error) string {
		var apiErr smithy.APIError
		if errors.As(err, &apiErr) {
			return apiErr.ErrorCode()
		}
		return fmt.Sprint(err)
	}
	lowerID := regexp.MustCompile(`^[a-z0-9]{20}$`)

	tests := []difference{
		{
			name: "GetAccountAuthorizationDetails ignores MaxItems and Marker",
			aws: "IAM returns at most MaxItems entities with IsTruncated and a Marker. " +
				"moto returns every role in one page, so the product's pagination is tested against internal/fakeaws only.",
			check: func(t *testing.T) {
				out, err := env.IAM.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{
					Filter: []iamtypes.EntityType{iamtypes.EntityTypeRole}, MaxItems: aws.Int32(1),
				})
				if err != nil {
					t.Fatal(err)
				}
				if len(out.RoleDetailList) != 3 || out.IsTruncated || out.Marker != nil {
					t.Errorf("MaxItems 1: %d roles, IsTruncated %v, Marker %v; moto used to return all 3, untruncated",
						len(out.RoleDetailList), out.IsTruncated, aws.ToString(out.Marker))
				}
			},
		},
		{
			name: "GetAccountAuthorizationDetails sends trust policies as plain JSON",
			aws: "IAM URL-encodes every policy document in its responses. moto encodes inline policies but not " +
				"AssumeRolePolicyDocument; the product decodes a document that starts with '{' as JSON and any other by URL-decoding first.",
			check: func(t *testing.T) {
				body := lastResponse(t, func() error {
					_, err := env.IAM.GetAccountAuthorizationDetails(ctx, &iam.GetAccountAuthorizationDetailsInput{Filter: []iamtypes.EntityType{iamtypes.EntityTypeRole}})
					return err
				})
				if !bytes.Contains(body, []byte("<AssumeRolePolicyDocument>{")) || !bytes.Contains(body, []byte("<PolicyDocument>%7B")) {
					t.Errorf("want a plain trust policy and an encoded inline policy in:\n%s", clip(body, 2<<10))
				}
			},
		},
		{
			name: "RoleLastUsed has no Region",
			aws: "IAM reports the Region of the last use with every LastUsedDate. moto records the date alone " +
				"(and only for calls made with credentials from STS AssumeRole); the product then names no Region in the reason.",
			check: func(t *testing.T) {
				r, err := seedRole(ctx, env.IAM, roleSpec{Name: "diff-used", Trust: trustRoot})
				if err != nil {
					t.Fatal(err)
				}
				if err := env.useRole(ctx, r.ARN); err != nil {
					t.Fatal(err)
				}
				out, err := env.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(r.Spec.Name)})
				if err != nil {
					t.Fatal(err)
				}
				if lu := out.Role.RoleLastUsed; lu == nil || lu.LastUsedDate == nil || lu.Region != nil {
					t.Errorf("RoleLastUsed %+v; moto used to send a LastUsedDate and no Region", lu)
				}
			},
		},
		{
			name: "times have microseconds",
			aws: "IAM sends whole seconds (2019-05-22T16:37:13Z). moto sends microseconds; the product reads both " +
				"and prints whole seconds.",
			check: func(t *testing.T) {
				body := lastResponse(t, func() error {
					_, err := env.IAM.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("diff-a")})
					return err
				})
				if !regexp.MustCompile(`<CreateDate>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z</CreateDate>`).Match(body) {
					t.Errorf("no CreateDate with microseconds in:\n%s", clip(body, 2<<10))
				}
			},
		},
		{
			name: "service-linked roles: names and policies",
			aws: "IAM names the role after the service (AWSServiceRoleForElasticLoadBalancing) and attaches its " +
				"service-linked policy. moto builds the name from the service principal and attaches nothing; " +
				"the product knows service-linked roles by their path, /aws-service-role/, so either way they are exempt.",
			check: func(t *testing.T) {
				r, err := seedServiceLinkedRole(ctx, env.IAM, "elasticloadbalancing.amazonaws.com", "")
				if err != nil {
					t.Fatal(err)
				}
				got, err := readRole(ctx, env.IAM, r.Spec.Name)
				if err != nil {
					t.Fatal(err)
				}
				if got.Name != "AWSServiceRoleForelasticloadbalancing" || got.Path != "/aws-service-role/elasticloadbalancing.amazonaws.com/" || len(got.AttachedPolicies) != 0 {
					t.Errorf("service-linked role %s%s with policies %v", got.Path, got.Name, got.AttachedPolicies)
				}
			},
		},
		{
			name: "signatures are not checked",
			aws: "IAM refuses a request signed with the wrong secret (SignatureDoesNotMatch), an unknown or inactive key " +
				"(InvalidClientTokenId) or without permission (AccessDenied). moto checks nothing until its authentication is " +
				"turned on (TestScan_motoAuth), and even then accepts inactive keys and answers refusals in an envelope " +
				"the SDK cannot decode (UnknownError).",
			check: func(t *testing.T) {
				c := iam.NewFromConfig(env.with("AKIAIOSFODNN7EXAMPLE", "wrong", ""))
				if _, err := c.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("diff-a")}); err != nil {
					t.Errorf("a request signed with unknown keys: %v; moto used to accept it", err)
				}
			},
		},
		{
			name: "numeric condition values are malformed",
			aws: `IAM accepts JSON numbers and booleans as condition values ("quotation marks are optional for numeric and ` +
				`Boolean values"). moto rejects numbers (in identity policies and in UpdateAssumeRolePolicy), so the seeded ` +
				`policies quote them.`,
			check: func(t *testing.T) {
				doc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}`
				_, err := env.IAM.PutRolePolicy(ctx, &iam.PutRolePolicyInput{RoleName: aws.String("diff-a"), PolicyName: aws.String("numeric"), PolicyDocument: aws.String(doc)})
				if code := apiCode(err); code != "MalformedPolicyDocument" {
					t.Errorf("PutRolePolicy with a numeric condition value: %s; moto used to answer MalformedPolicyDocument", code)
				}
				trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::` + motoAccount + `:root"},"Action":"sts:AssumeRole","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600}}}]}`
				_, err = env.IAM.UpdateAssumeRolePolicy(ctx, &iam.UpdateAssumeRolePolicyInput{RoleName: aws.String("diff-b"), PolicyDocument: aws.String(trust)})
				if code := apiCode(err); code != "MalformedPolicyDocument" {
					t.Errorf("UpdateAssumeRolePolicy with a numeric condition value: %s; moto used to answer MalformedPolicyDocument", code)
				}
			},
		},
		{
			name: "CreateRole does not check the trust policy",
			aws: "IAM refuses a malformed trust policy (MalformedPolicyDocument), in CreateRole as in UpdateAssumeRolePolicy. " +
				"moto's CreateRole stores any text: a restore tested against moto cannot learn that a trust policy it wrote is malformed.",
			check: func(t *testing.T) {
				_, err := env.IAM.CreateRole(ctx, &iam.CreateRoleInput{RoleName: aws.String("diff-malformed"), AssumeRolePolicyDocument: aws.String(`{"Version":"2012-10-17"}`)})
				if err != nil {
					t.Errorf("CreateRole with a trust policy without statements: %v; moto used to accept it", err)
				}
			},
		},
		{
			name: "unique IDs of users, groups and instance profiles",
			aws: "IAM's IDs start with their kind (AIDA users, AGPA groups, AIPA instance profiles) followed by 17 " +
				"upper-case letters and digits; moto's are 20 random lower-case ones (its role IDs, AROA..., are right). " +
				"The product passes IDs through (principal_id) and judges nothing by them.",
			check: func(t *testing.T) {
				u, err := seedUser(ctx, env.IAM, userSpec{Name: "diff-user"})
				if err != nil {
					t.Fatal(err)
				}
				r, err := seedRole(ctx, env.IAM, roleSpec{Name: "diff-profiled", Trust: trustEC2, InstanceProfiles: []profileSpec{{Name: "diff-profile"}}})
				if err != nil {
					t.Fatal(err)
				}
				if !lowerID.MatchString(u.ID) || !lowerID.MatchString(r.Profiles[0].ID) || !strings.HasPrefix(r.ID, "AROA") {
					t.Errorf("user ID %q, instance profile ID %q, role ID %q", u.ID, r.Profiles[0].ID, r.ID)
				}
			},
		},
		{
			name: "the credential report is dated 2015",
			aws: "GetCredentialReport's GeneratedTime is when IAM built the report (at most 4 hours old unless asked " +
				"again). moto always says 2015-02-02T20:02:02Z: anything that judges the report's age must not run against moto.",
			check: func(t *testing.T) {
				// moto answers STARTED, then COMPLETE: no wait needed.
				for i := 0; ; i++ {
					out, err := env.IAM.GenerateCredentialReport(ctx, &iam.GenerateCredentialReportInput{})
					if err != nil {
						t.Fatal(err)
					}
					if out.State == iamtypes.ReportStateTypeComplete {
						break
					}
					if i == 3 {
						t.Fatalf("credential report still %s", out.State)
					}
				}
				out, err := env.IAM.GetCredentialReport(ctx, &iam.GetCredentialReportInput{})
				if err != nil {
					t.Fatal(err)
				}
				if want := time.Date(2015, 2, 2, 20, 2, 2, 0, time.UTC); !aws.ToTime(out.GeneratedTime).Equal(want) {
					t.Errorf("GeneratedTime %v; moto used to say %v", aws.ToTime(out.GeneratedTime), want)
				}
			},
		},
		{
			name: "service last accessed data is not implemented",
			aws: "IAM runs GenerateServiceLastAccessedDetails jobs and answers GetServiceLastAccessedDetails with the services a " +
				"principal's policies allow and their last use, the evidence of iamsweep refine. moto implements neither (HTTP 500): " +
				"the job runner (awsapi.Client.AccessReports) is tested against internal/fakeaws only.",
			check: func(t *testing.T) {
				_, err := env.IAM.GenerateServiceLastAccessedDetails(ctx, &iam.GenerateServiceLastAccessedDetailsInput{
					Arn: aws.String("arn:aws:iam::123456789012:role/diff-a"), Granularity: iamtypes.AccessAdvisorUsageGranularityTypeActionLevel,
				})
				if err == nil {
					t.Error("moto now answers GenerateServiceLastAccessedDetails: test the job runner against it")
				}
				_, err = env.IAM.GetServiceLastAccessedDetails(ctx, &iam.GetServiceLastAccessedDetailsInput{JobId: aws.String("00000000-0000-4000-a000-000000000000")})
				if err == nil {
					t.Error("moto now answers GetServiceLastAccessedDetails")
				}
				t.Logf("moto: %s", apiCode(err))
			},
		},
	}
	// The credential report's (users_test.go) and Organizations' and STS's
	// (org_test.go).
	tests = append(tests, reportDifferences(env)...)
	tests = append(tests, orgDifferences(env)...)
	// The remediation calls' (remediate_moto_gaps_test.go).
	tests = append(tests, remediateDifferences(env)...)
	// Security Hub's (securityhub_test.go).
	tests = append(tests, securityHubDifferences(env)...)
	// SES's and SNS's (notify_test.go).
	tests = append(tests, notifyDifferences(t)...)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env.Rec.watch(t)
			tt.check(t)
			if t.Failed() {
				t.Logf("AWS: %s", tt.aws)
			}
		})
	}
}

// difference is one way moto differs from AWS, checked against moto.
type difference struct {
	name string
	// aws is what AWS does, and how the product copes with moto.
	aws   string
	check func(t *testing.T)
}
