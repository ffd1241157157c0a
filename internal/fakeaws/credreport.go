package fakeaws

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"strconv"
	"time"
)

// reportLifetime is how long IAM keeps serving a credential report: "If the
// most recent report is older than four hours ... IAM generates a new one",
// and GetCredentialReport answers ReportExpired after that.
const reportLifetime = 4 * time.Hour

// credentialReport is an account's one stored credential report.
type credentialReport struct {
	// pending counts the GenerateCredentialReport calls still to answer
	// INPROGRESS before the report is complete.
	pending   int
	generated time.Time
	content   []byte
}

// WithReportDelay makes a credential report take n further
// GenerateCredentialReport calls to complete after the one that started it
// (STARTED, then INPROGRESS n-1 times, then COMPLETE). The default is 1;
// 0 completes at once, as when a fresh report exists.
func WithReportDelay(n int) Option {
	return func(s *Server) error { s.reportDelay = n; return nil }
}

// WithReportGenerated gives every seeded account a credential report
// generated when the server starts, as if one were generated a moment
// before: GetCredentialReport serves it at once.
func WithReportGenerated() Option {
	return func(s *Server) error { s.reportAtStart = true; return nil }
}

// generateCredentialReport answers GenerateCredentialReport.
func (s *Server) generateCredentialReport(acct *Account, req *request, x *xmlw) *apiError {
	now := s.now()
	r := acct.report
	switch {
	case r == nil || (r.pending == 0 && now.Sub(r.generated) > reportLifetime):
		acct.report = &credentialReport{pending: s.reportDelay}
		if s.reportDelay == 0 {
			s.completeReport(acct, now)
			x.elem("State", "COMPLETE")
			return nil
		}
		x.elem("State", "STARTED")
		x.elem("Description", "No report exists. Starting a new report generation task")
	case r.pending > 0:
		r.pending--
		if r.pending == 0 {
			s.completeReport(acct, now)
			x.elem("State", "COMPLETE")
			return nil
		}
		x.elem("State", "INPROGRESS")
	default:
		x.elem("State", "COMPLETE")
	}
	return nil
}

// getCredentialReport answers GetCredentialReport with the stored report,
// base64-encoded as the blob member Content is on the wire.
func (s *Server) getCredentialReport(acct *Account, req *request, x *xmlw) *apiError {
	r := acct.report
	switch {
	case r == nil:
		return errorf(410, "ReportNotPresent", "Credential report not present. Use GenerateCredentialReport to generate a report.")
	case r.pending > 0:
		return errorf(404, "ReportInProgress", "Credential report is still being generated.")
	case s.now().Sub(r.generated) > reportLifetime:
		return errorf(410, "ReportExpired", "Credential report is expired. Use GenerateCredentialReport to generate a new report.")
	}
	x.elem("Content", base64.StdEncoding.EncodeToString(r.content))
	x.elem("ReportFormat", "text/csv")
	x.time("GeneratedTime", r.generated)
	return nil
}

// completeReport takes the snapshot a credential report is: the state of
// every user at generation time, in IAM's columns.
func (s *Server) completeReport(acct *Account, now time.Time) {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	_ = w.Write([]string{
		"user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed",
		"password_next_rotation", "mfa_active",
		"access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region", "access_key_1_last_used_service",
		"access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date", "access_key_2_last_used_region", "access_key_2_last_used_service",
		"cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated", "additional_credentials_info",
	})
	rootLast := "no_information"
	if !acct.RootPasswordLastUsed.IsZero() {
		rootLast = csvTime(acct.RootPasswordLastUsed)
	}
	root := []string{"<root_account>", "arn:aws:iam::" + acct.ID + ":root", csvTime(acct.Created),
		"not_supported", rootLast, "not_supported", "not_supported", "true"}
	_ = w.Write(append(append(root, keyColumns(acct.RootKeys)...), "false", "N/A", "false", "N/A", "N/A"))
	for _, u := range acct.Users {
		row := []string{u.Name, u.ARN(acct.ID), csvTime(u.Created)}
		if u.Password == nil {
			row = append(row, "false", "N/A", "N/A", "N/A")
		} else {
			last := "no_information"
			if t := u.lastSignIn(); !t.IsZero() {
				last = csvTime(t)
			}
			row = append(row, "true", last, csvTime(u.Password.Created), "N/A")
		}
		row = append(row, strconv.FormatBool(u.MFA))
		row = append(row, keyColumns(u.AccessKeys)...)
		row = append(row, certColumns(u.SigningCertificates)...)
		_ = w.Write(append(row, "N/A"))
	}
	w.Flush()
	acct.report.pending = 0
	acct.report.generated = now
	acct.report.content = b.Bytes()
}

// keyColumns renders the two access key slots of a report row.
func keyColumns(keys []*AccessKey) []string {
	var out []string
	for slot := 0; slot < 2; slot++ {
		if slot >= len(keys) {
			out = append(out, "false", "N/A", "N/A", "N/A", "N/A")
			continue
		}
		k := keys[slot]
		out = append(out, strconv.FormatBool(!k.Inactive), csvTime(k.Created))
		if k.LastUsed.IsZero() {
			out = append(out, "N/A", "N/A", "N/A")
			continue
		}
		region, service := k.LastUsedRegion, k.LastUsedService
		if region == "" {
			region = "N/A"
		}
		if service == "" {
			service = "N/A"
		}
		out = append(out, csvTime(k.LastUsed), region, service)
	}
	return out
}

// certColumns renders the two signing certificate slots of a report row.
func certColumns(certs []*SigningCertificate) []string {
	var out []string
	for slot := 0; slot < 2; slot++ {
		if slot >= len(certs) {
			out = append(out, "false", "N/A")
			continue
		}
		out = append(out, strconv.FormatBool(!certs[slot].Inactive), csvTime(certs[slot].Uploaded))
	}
	return out
}

func csvTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05+00:00") }
