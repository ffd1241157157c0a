package lastaccess

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iamsweep/iamsweep"
)

// maxFileSize bounds one saved report: a report of every AWS service with
// every tracked action is well under 1 MiB.
const maxFileSize = 16 << 20

// Parse reads one saved "aws iam get-service-last-accessed-details" output
// (AWS CLI v1 or v2; times in ISO 8601 or, with cli_timestamp_format none,
// as epoch seconds) as the report of the principal arn. source names the
// input in errors. The job must be COMPLETED and the output whole
// (IsTruncated false, no NextToken). Errors are *iamsweep.InputError
// naming source and the field.
func Parse(r io.Reader, source, arn string) (iamsweep.AccessReport, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxFileSize+1))
	if err != nil {
		return iamsweep.AccessReport{}, inputErr(source, "", -1, fmt.Errorf("read: %w", err))
	}
	if len(data) > maxFileSize {
		return iamsweep.AccessReport{}, inputErr(source, "", -1, fmt.Errorf("larger than %d bytes: not a saved report", maxFileSize))
	}
	p := parser{source: source, data: data}
	return p.report(arn)
}

type parser struct {
	source string
	data   []byte
}

func inputErr(source, field string, offset int64, err error) *iamsweep.InputError {
	return &iamsweep.InputError{Source: source, Field: field, Offset: offset, Err: err}
}

// fail returns an input error at field.
func (p *parser) fail(field string, format string, args ...any) error {
	return inputErr(p.source, field, -1, fmt.Errorf(format, args...))
}

// object decodes raw as a JSON object, keeping its members' raw text.
func (p *parser) object(raw json.RawMessage, field string) (map[string]json.RawMessage, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return nil, p.fail(field, "not a JSON object")
	}
	return m, nil
}

func (p *parser) str(m map[string]json.RawMessage, key, field string) (string, bool, error) {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return "", false, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false, p.fail(field+key, "not a string: %s", iamsweep.Quote(string(raw)))
	}
	return s, true, nil
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(bytes.TrimSpace(raw), []byte("null")) }

// when reads a time: an ISO 8601 string (the AWS CLI's default,
// "2026-11-30T10:00:00+00:00" or with fractions and Z) or epoch seconds
// (cli_timestamp_format none).
func (p *parser) when(m map[string]json.RawMessage, key, field string) (time.Time, error) {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return time.Time{}, nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		t, err := time.Parse(time.RFC3339Nano, strings.Replace(strings.TrimSpace(s), " ", "T", 1))
		if err != nil {
			return time.Time{}, p.fail(field+key, "not an ISO 8601 time: %s", iamsweep.Quote(s))
		}
		return t.UTC(), nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || f < 0 || f > 1e11 || math.IsNaN(f) {
		return time.Time{}, p.fail(field+key, "not a time: %s", iamsweep.Quote(string(raw)))
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e9))).UTC(), nil
}

func (p *parser) list(m map[string]json.RawMessage, key, field string) ([]json.RawMessage, error) {
	raw, ok := m[key]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var l []json.RawMessage
	if err := json.Unmarshal(raw, &l); err != nil {
		return nil, p.fail(field+key, "not a JSON array")
	}
	return l, nil
}

// window is how far back IAM's service last accessed data reaches.
const window = 400 * 24 * time.Hour

func (p *parser) report(arn string) (iamsweep.AccessReport, error) {
	var rep iamsweep.AccessReport
	if !json.Valid(p.data) {
		return rep, p.syntaxError()
	}
	top, err := p.object(p.data, "")
	if err != nil {
		return rep, err
	}
	status, _, err := p.str(top, "JobStatus", "")
	if err != nil {
		return rep, err
	}
	switch status {
	case "COMPLETED":
	case "":
		return rep, p.fail("JobStatus", "missing: not the output of get-service-last-accessed-details")
	case "IN_PROGRESS":
		return rep, p.fail("JobStatus", "IN_PROGRESS: the job had not finished when this was saved; run get-service-last-accessed-details again")
	case "FAILED":
		msg := "no reason given"
		if raw, ok := top["Error"]; ok && !isNull(raw) {
			if e, err := p.object(raw, "Error"); err == nil {
				code, _, _ := p.str(e, "Code", "Error.")
				text, _, _ := p.str(e, "Message", "Error.")
				msg = strings.TrimSpace(code + " " + text)
			}
		}
		return rep, p.fail("JobStatus", "FAILED: %s", iamsweep.Quote(msg))
	default:
		return rep, p.fail("JobStatus", "unknown status %s", iamsweep.Quote(status))
	}
	if raw, ok := top["IsTruncated"]; ok {
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return rep, p.fail("IsTruncated", "not a boolean")
		}
		if b {
			return rep, p.fail("IsTruncated", "true: the file holds only the first page; save it with --max-items 1000")
		}
	}
	if _, ok := top["NextToken"]; ok {
		return rep, p.fail("NextToken", "present: the file holds only part of the report; save it with --max-items 1000")
	}
	jobType, _, err := p.str(top, "JobType", "")
	if err != nil {
		return rep, err
	}
	switch jobType {
	case "", string(iamsweep.GranularityService):
		rep.Granularity = iamsweep.GranularityService
	case string(iamsweep.GranularityAction):
		rep.Granularity = iamsweep.GranularityAction
	default:
		return rep, p.fail("JobType", "unknown granularity %s", iamsweep.Quote(jobType))
	}
	if rep.Generated, err = p.when(top, "JobCompletionDate", ""); err != nil {
		return rep, err
	}
	if rep.Generated.IsZero() {
		return rep, p.fail("JobCompletionDate", "missing: the report's date is needed to know the window it covers")
	}
	rep.ARN = arn
	rep.Since = rep.Generated.Add(-window)
	services, err := p.list(top, "ServicesLastAccessed", "")
	if err != nil {
		return rep, err
	}
	if _, ok := top["ServicesLastAccessed"]; !ok {
		return rep, p.fail("ServicesLastAccessed", "missing: not the output of get-service-last-accessed-details")
	}
	seen := map[string]int{}
	for i, raw := range services {
		field := "ServicesLastAccessed[" + strconv.Itoa(i) + "]"
		svc, err := p.service(raw, field, rep.Granularity)
		if err != nil {
			return rep, err
		}
		if j, dup := seen[svc.Namespace]; dup {
			return rep, p.fail(field+".ServiceNamespace", "%s listed twice (also at [%d])", iamsweep.Quote(svc.Namespace), j)
		}
		seen[svc.Namespace] = i
		rep.Services = append(rep.Services, svc)
	}
	slices.SortFunc(rep.Services, func(a, b iamsweep.ServiceAccess) int { return strings.Compare(a.Namespace, b.Namespace) })
	return rep, nil
}

func (p *parser) service(raw json.RawMessage, field string, g iamsweep.AccessGranularity) (iamsweep.ServiceAccess, error) {
	var svc iamsweep.ServiceAccess
	m, err := p.object(raw, field)
	if err != nil {
		return svc, err
	}
	field += "."
	ns, ok, err := p.str(m, "ServiceNamespace", field)
	if err != nil {
		return svc, err
	}
	if !ok || !validNamespace(ns) {
		return svc, p.fail(field+"ServiceNamespace", "missing or not a service prefix: %s", iamsweep.Quote(ns))
	}
	svc.Namespace = ns
	if svc.Name, _, err = p.str(m, "ServiceName", field); err != nil {
		return svc, err
	}
	if svc.LastAccessed, err = p.when(m, "LastAuthenticated", field); err != nil {
		return svc, err
	}
	if svc.Region, _, err = p.str(m, "LastAuthenticatedRegion", field); err != nil {
		return svc, err
	}
	actions, err := p.list(m, "TrackedActionsLastAccessed", field)
	if err != nil {
		return svc, err
	}
	if len(actions) > 0 && g != iamsweep.GranularityAction {
		return svc, p.fail(field+"TrackedActionsLastAccessed", "present in a report whose JobType is not ACTION_LEVEL")
	}
	seen := map[string]bool{}
	for j, raw := range actions {
		af := field + "TrackedActionsLastAccessed[" + strconv.Itoa(j) + "]"
		am, err := p.object(raw, af)
		if err != nil {
			return svc, err
		}
		af += "."
		var a iamsweep.ActionAccess
		name, ok, err := p.str(am, "ActionName", af)
		if err != nil {
			return svc, err
		}
		if !ok || !validAction(name) {
			return svc, p.fail(af+"ActionName", "missing or not an action name: %s", iamsweep.Quote(name))
		}
		if seen[strings.ToLower(name)] {
			return svc, p.fail(af+"ActionName", "%s listed twice", iamsweep.Quote(name))
		}
		seen[strings.ToLower(name)] = true
		a.Name = name
		if a.LastAccessed, err = p.when(am, "LastAccessedTime", af); err != nil {
			return svc, err
		}
		if a.Region, _, err = p.str(am, "LastAccessedRegion", af); err != nil {
			return svc, err
		}
		svc.Actions = append(svc.Actions, a)
	}
	svc.ActionLevel = len(svc.Actions) > 0
	slices.SortFunc(svc.Actions, func(a, b iamsweep.ActionAccess) int { return strings.Compare(a.Name, b.Name) })
	return svc, nil
}

// validNamespace reports whether s looks like a service prefix: lower-case
// letters, digits and hyphens ("s3", "access-analyzer").
func validNamespace(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || '0' <= r && r <= '9' || r == '-') {
			return false
		}
	}
	return true
}

// validAction reports whether s looks like an action name without its
// prefix ("GetObject").
func validAction(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// syntaxError locates a JSON syntax error by line.
func (p *parser) syntaxError() error {
	var v any
	err := json.Unmarshal(p.data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line := 1 + bytes.Count(p.data[:min(int(se.Offset), len(p.data))], []byte("\n"))
		return &iamsweep.InputError{Source: p.source, Line: line, Offset: -1, Err: fmt.Errorf("invalid JSON: %w", err)}
	}
	return inputErr(p.source, "", -1, errors.New("invalid JSON"))
}
