package awsapi

import (
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	shtypes "github.com/aws/aws-sdk-go-v2/service/securityhub/types"

	"github.com/iamsweep/iamsweep/internal/report"
)

// toSDK converts a finding of iamsweep's ASFF type into the SDK's,
// field by field: only the fields report.ASFFFinding has are set, so that
// Workflow and the other fields of the customer never are.
func toSDK(a report.ASFFFinding) shtypes.AwsSecurityFinding {
	f := shtypes.AwsSecurityFinding{
		SchemaVersion: aws.String(a.SchemaVersion),
		Id:            aws.String(a.ID),
		ProductArn:    aws.String(a.ProductARN),
		ProductName:   optional(a.ProductName),
		CompanyName:   optional(a.CompanyName),
		GeneratorId:   aws.String(a.GeneratorID),
		AwsAccountId:  aws.String(a.AwsAccountID),
		Types:         a.Types,
		CreatedAt:     aws.String(asffTime(a.CreatedAt)),
		UpdatedAt:     aws.String(asffTime(a.UpdatedAt)),
		Severity:      &shtypes.Severity{Label: shtypes.SeverityLabel(a.Severity.Label), Original: optional(a.Severity.Original)},
		FindingProviderFields: &shtypes.FindingProviderFields{
			Severity: &shtypes.FindingProviderSeverity{
				Label:    shtypes.SeverityLabel(a.FindingProviderFields.Severity.Label),
				Original: optional(a.FindingProviderFields.Severity.Original),
			},
			Types: a.FindingProviderFields.Types,
		},
		Title:         aws.String(a.Title),
		Description:   aws.String(a.Description),
		ProductFields: a.ProductFields,
		Compliance:    &shtypes.Compliance{Status: shtypes.ComplianceStatus(a.Compliance.Status)},
		RecordState:   shtypes.RecordState(a.RecordState),
	}
	if a.Remediation != nil {
		f.Remediation = &shtypes.Remediation{Recommendation: &shtypes.Recommendation{Text: optional(a.Remediation.Recommendation.Text)}}
	}
	for _, r := range a.Resources {
		res := shtypes.Resource{Type: aws.String(r.Type), Id: aws.String(r.ID), Partition: shtypes.Partition(r.Partition), Tags: r.Tags}
		if d := r.Details; d != nil {
			res.Details = &shtypes.ResourceDetails{}
			if x := d.AwsIamRole; x != nil {
				res.Details.AwsIamRole = &shtypes.AwsIamRoleDetails{RoleName: optional(x.RoleName), RoleId: optional(x.RoleID),
					Path: optional(x.Path), CreateDate: optional(x.CreateDate)}
			}
			if x := d.AwsIamUser; x != nil {
				res.Details.AwsIamUser = &shtypes.AwsIamUserDetails{UserName: optional(x.UserName), UserId: optional(x.UserID),
					Path: optional(x.Path), CreateDate: optional(x.CreateDate)}
			}
			if x := d.AwsIamAccessKey; x != nil {
				res.Details.AwsIamAccessKey = &shtypes.AwsIamAccessKeyDetails{AccessKeyId: optional(x.AccessKeyID), AccountId: optional(x.AccountID),
					CreatedAt: optional(x.CreatedAt), PrincipalId: optional(x.PrincipalID), PrincipalName: optional(x.PrincipalName),
					PrincipalType: optional(x.PrincipalType), Status: shtypes.AwsIamAccessKeyStatus(x.Status)}
			}
		}
		f.Resources = append(f.Resources, res)
	}
	return f
}

// fromSDK converts a finding GetFindings returned into iamsweep's ASFF
// type, for the fields that type has. ProductFields that Security Hub
// adds ("aws/...") are dropped: they are not the provider's to send back.
func fromSDK(f shtypes.AwsSecurityFinding) (report.ASFFFinding, error) {
	created, err := parseASFFTime(aws.ToString(f.CreatedAt))
	if err != nil {
		return report.ASFFFinding{}, fmt.Errorf("finding %s: CreatedAt: %w", aws.ToString(f.Id), err)
	}
	updated, err := parseASFFTime(aws.ToString(f.UpdatedAt))
	if err != nil {
		return report.ASFFFinding{}, fmt.Errorf("finding %s: UpdatedAt: %w", aws.ToString(f.Id), err)
	}
	a := report.ASFFFinding{
		SchemaVersion: aws.ToString(f.SchemaVersion),
		ID:            aws.ToString(f.Id),
		ProductARN:    aws.ToString(f.ProductArn),
		ProductName:   aws.ToString(f.ProductName),
		CompanyName:   aws.ToString(f.CompanyName),
		GeneratorID:   aws.ToString(f.GeneratorId),
		AwsAccountID:  aws.ToString(f.AwsAccountId),
		Types:         f.Types,
		CreatedAt:     created,
		UpdatedAt:     updated,
		Title:         aws.ToString(f.Title),
		Description:   aws.ToString(f.Description),
		RecordState:   string(f.RecordState),
	}
	if f.Severity != nil {
		a.Severity = report.ASFFSeverity{Label: string(f.Severity.Label), Original: aws.ToString(f.Severity.Original)}
	}
	a.FindingProviderFields = report.ASFFProviderFields{Severity: a.Severity, Types: a.Types}
	if p := f.FindingProviderFields; p != nil {
		if p.Severity != nil {
			a.FindingProviderFields.Severity = report.ASFFSeverity{Label: string(p.Severity.Label), Original: aws.ToString(p.Severity.Original)}
		}
		if p.Types != nil {
			a.FindingProviderFields.Types = p.Types
		}
	}
	if f.Compliance != nil {
		a.Compliance.Status = string(f.Compliance.Status)
	}
	if r := f.Remediation; r != nil && r.Recommendation != nil && r.Recommendation.Text != nil {
		a.Remediation = &report.ASFFRemediation{Recommendation: report.ASFFRecommendation{Text: aws.ToString(r.Recommendation.Text)}}
	}
	for k, v := range f.ProductFields {
		if strings.HasPrefix(k, "aws/") {
			continue
		}
		if a.ProductFields == nil {
			a.ProductFields = map[string]string{}
		}
		a.ProductFields[k] = v
	}
	for _, r := range f.Resources {
		res := report.ASFFResource{Type: aws.ToString(r.Type), ID: aws.ToString(r.Id), Partition: string(r.Partition), Tags: r.Tags}
		if d := r.Details; d != nil && (d.AwsIamRole != nil || d.AwsIamUser != nil || d.AwsIamAccessKey != nil) {
			res.Details = &report.ASFFDetails{}
			if x := d.AwsIamRole; x != nil {
				res.Details.AwsIamRole = &report.ASFFIamRole{RoleName: aws.ToString(x.RoleName), RoleID: aws.ToString(x.RoleId),
					Path: aws.ToString(x.Path), CreateDate: aws.ToString(x.CreateDate)}
			}
			if x := d.AwsIamUser; x != nil {
				res.Details.AwsIamUser = &report.ASFFIamUser{UserName: aws.ToString(x.UserName), UserID: aws.ToString(x.UserId),
					Path: aws.ToString(x.Path), CreateDate: aws.ToString(x.CreateDate)}
			}
			if x := d.AwsIamAccessKey; x != nil {
				res.Details.AwsIamAccessKey = &report.ASFFIamAccessKey{AccessKeyID: aws.ToString(x.AccessKeyId), AccountID: aws.ToString(x.AccountId),
					CreatedAt: aws.ToString(x.CreatedAt), PrincipalID: aws.ToString(x.PrincipalId), PrincipalName: aws.ToString(x.PrincipalName),
					PrincipalType: aws.ToString(x.PrincipalType), Status: string(x.Status)}
			}
		}
		a.Resources = append(a.Resources, res)
	}
	return a, nil
}

// asffTime formats a timestamp as ASFF takes it: RFC 3339 in UTC, with
// at most nine digits of fraction.
func asffTime(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// parseASFFTime reads an ASFF timestamp: RFC 3339 with an optional
// fraction, and Z or an offset with or without its colon (-0700).
func parseASFFTime(s string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if t, err := time.Parse("2006-01-02T15:04:05.999999999-0700", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("not an ASFF timestamp: %q", s)
}
