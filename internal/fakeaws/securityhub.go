package fakeaws

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/time/rate"
)

// Security Hub, as far as a finding provider sees it: BatchImportFindings
// and GetFindings over REST-JSON (POST /findings/import, POST /findings),
// with the rules of the Security Hub User Guide ("BatchImportFindings for
// finding providers") and the API reference:
//
//   - Security Hub is enabled per account and Region (WithSecurityHub).
//     Where it is not, GetFindings fails with InvalidAccessException and
//     BatchImportFindings returns every finding in FailedFindings with
//     ErrorCode InvalidAccess.
//   - A call imports 1 to 100 findings in at most 6 MB; a finding takes
//     at most 240 KB and must hold the required ASFF attributes within
//     their limits, else it fails with InvalidInput.
//   - With the default product ARN, an account imports only its own
//     findings: ProductArn must be the caller's default product in the
//     Region called, and AwsAccountId the caller's account; else the
//     finding fails with AccessDeniedException (the fake's model: the
//     guide says only that the call must come from that account).
//   - A finding is keyed by ProductArn and Id. An update whose UpdatedAt
//     is not after the held finding's is ignored (it counts as a
//     success). An update never changes Workflow, Note,
//     UserDefinedFields or VerificationState, which are the customer's;
//     Security Hub resets a NOTIFIED or RESOLVED workflow to NEW when the
//     record state goes from ARCHIVED to ACTIVE or the compliance status
//     from PASSED to FAILED, WARNING or NOT_AVAILABLE.
//   - GetFindings takes StringFilters on a few attributes (an unknown one
//     is an InvalidInputException, never ignored), MaxResults 1 to 100
//     and NextToken; findings come in the order they were created.

// hubKey keys the Security Hub state of an account in a Region.
func hubKey(account, region string) string { return account + "|" + region }

// hub is Security Hub's state in one account and Region.
type hub struct {
	findings map[string]*hubFinding // by ProductArn + "\x00" + Id
	order    []*hubFinding          // creation order
}

// hubFinding is a finding Security Hub holds: the document GetFindings
// returns.
type hubFinding struct {
	doc       map[string]any
	updatedAt time.Time
}

// WithSecurityHub enables Security Hub in the given accounts in region.
// Accounts and Regions not named have it disabled, as a new account has.
func WithSecurityHub(region string, accounts ...string) Option {
	return func(s *Server) error {
		for _, a := range accounts {
			s.hubs[hubKey(a, region)] = &hub{findings: map[string]*hubFinding{}}
		}
		return nil
	}
}

// WithSecurityHubRateLimit throttles BatchImportFindings above perSecond
// calls per second (a token bucket of burst calls) per account and Region,
// with LimitExceededException, as Security Hub's documented limit (10 per
// second, burst 30) does.
func WithSecurityHubRateLimit(perSecond float64, burst int) Option {
	return func(s *Server) error {
		s.hubRate, s.hubBurst = rate.Limit(perSecond), burst
		return nil
	}
}

// WithFailedFinding makes BatchImportFindings return the finding with the
// given Id in FailedFindings with code, the next times times it is sent
// (every time when times < 0), as Security Hub does with a finding it
// cannot take now.
func WithFailedFinding(id, code string, times int) Option {
	return func(s *Server) error {
		if s.hubFailures == nil {
			s.hubFailures = map[string]*hubFailure{}
		}
		s.hubFailures[id] = &hubFailure{code: code, left: times}
		return nil
	}
}

// hubFailure is a failure WithFailedFinding set.
type hubFailure struct {
	code string
	left int
}

// SecurityHubFindings returns the findings Security Hub holds in account
// and region, in creation order, as GetFindings would (a deep copy, for
// assertions); nil when Security Hub is not enabled there.
func (s *Server) SecurityHubFindings(account, region string) []map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hubs[hubKey(account, region)]
	if h == nil {
		return nil
	}
	out := make([]map[string]any, 0, len(h.order))
	for _, f := range h.order {
		out = append(out, copyDoc(f.doc))
	}
	return out
}

// SetWorkflowStatus sets the workflow status of a finding as a customer
// does (BatchUpdateFindings), for tests that check a provider's import
// leaves it alone. It reports whether the finding exists.
func (s *Server) SetWorkflowStatus(account, region, id, status string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	h := s.hubs[hubKey(account, region)]
	if h == nil {
		return false
	}
	for _, f := range h.order {
		if f.doc["Id"] == id {
			f.doc["Workflow"] = map[string]any{"Status": status}
			f.doc["WorkflowState"] = status
			return true
		}
	}
	return false
}

func copyDoc(d map[string]any) map[string]any {
	b, _ := json.Marshal(d) // decoded from JSON: always encodes
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// hubOps are the Security Hub operations the fake answers, by method and
// path.
var hubOps = restOps{
	"POST /findings/import": {"BatchImportFindings", (*Server).batchImportFindings},
	"POST /findings":        {"GetFindings", (*Server).getFindings},
}

// serveSecurityHub answers a REST-JSON request of Security Hub.
func (s *Server) serveSecurityHub(w http.ResponseWriter, req *request) {
	s.serveRESTOps(w, req, "Security Hub", hubOps)
}

// restOps are the operations of a REST-JSON service the fake answers, by
// method and path ("POST /findings"): the operation's name and its
// handler.
type restOps map[string]struct {
	name string
	fn   func(s *Server, req *request) (any, *apiError)
}

// serveRESTOps answers a REST-JSON request of service (its name in the
// error for an operation the fake lacks) from ops: the checks every call
// passes (before), the handler under the server's lock, the record of the
// call and the answer.
func (s *Server) serveRESTOps(w http.ResponseWriter, req *request, service string, ops restOps) {
	op, ok := ops[req.http.Method+" "+req.http.URL.Path]
	req.action = op.name
	if !ok {
		req.action = req.http.Method + " " + req.http.URL.Path
		e := errorf(404, "UnknownOperationException", "fakeaws does not implement %s's %s %s", service, req.http.Method, req.http.URL.Path)
		s.record(req, e)
		s.wait(req)
		s.writeRESTError(w, e)
		return
	}
	if e := s.before(req); e != nil {
		s.record(req, e)
		s.wait(req)
		s.writeRESTError(w, e)
		return
	}
	s.mu.Lock()
	out, e := op.fn(s, req)
	s.mu.Unlock()
	s.record(req, e)
	s.wait(req)
	s.writeREST(w, out, e)
}

// writeRESTError writes a REST-JSON error: the code in X-Amzn-ErrorType
// and in the body's Code, with its Message.
func (s *Server) writeRESTError(w http.ResponseWriter, e *apiError) {
	body, _ := json.Marshal(map[string]string{"Code": e.code, "Message": e.message})
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.Header().Set("X-Amzn-RequestId", s.requestID())
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// The limits of BatchImportFindings.
const (
	hubMaxBatch        = 100
	hubMaxBatchBytes   = 6 << 20
	hubMaxFindingBytes = 240 << 10
)

type importFailure struct {
	ID           string `json:"Id"`
	ErrorCode    string `json:"ErrorCode"`
	ErrorMessage string `json:"ErrorMessage"`
}

type importOutput struct {
	FailedCount    int             `json:"FailedCount"`
	SuccessCount   int             `json:"SuccessCount"`
	FailedFindings []importFailure `json:"FailedFindings"`
}

func (s *Server) batchImportFindings(req *request) (any, *apiError) {
	if len(req.body) > hubMaxBatchBytes {
		return nil, errorf(400, "InvalidInputException", "The request is %d bytes, over the 6 MB a BatchImportFindings call takes", len(req.body))
	}
	var in struct {
		Findings []json.RawMessage `json:"Findings"`
	}
	if err := json.Unmarshal(req.body, &in); err != nil {
		return nil, errorf(400, "InvalidInputException", "Could not parse the request: %v", err)
	}
	if len(in.Findings) < 1 || len(in.Findings) > hubMaxBatch {
		return nil, errorf(400, "InvalidInputException", "Findings holds %d findings; a call takes 1 to %d", len(in.Findings), hubMaxBatch)
	}
	if s.hubRate > 0 {
		key := "securityhub|" + hubKey(req.accountID, req.region)
		l := s.limiters[key]
		if l == nil {
			l = rate.NewLimiter(s.hubRate, s.hubBurst)
			s.limiters[key] = l
		}
		if !l.AllowN(s.now(), 1) {
			return nil, req.proto.throttling()
		}
	}
	h := s.hubs[hubKey(req.accountID, req.region)]
	out := importOutput{FailedFindings: []importFailure{}}
	fail := func(id, code, format string, args ...any) {
		out.FailedCount++
		out.FailedFindings = append(out.FailedFindings, importFailure{ID: id, ErrorCode: code, ErrorMessage: fmt.Sprintf(format, args...)})
	}
	product := "arn:aws:securityhub:" + req.region + ":" + req.accountID + ":product/" + req.accountID + "/default"
	for _, raw := range in.Findings {
		var doc map[string]any
		if err := json.Unmarshal(raw, &doc); err != nil {
			fail("", "InvalidInput", "Could not parse the finding: %v", err)
			continue
		}
		id, _ := doc["Id"].(string)
		if f := s.hubFailures[id]; f != nil && f.left != 0 {
			f.left--
			fail(id, f.code, "injected failure")
			continue
		}
		if h == nil {
			fail(id, "InvalidAccess", "Account %s is not subscribed to AWS Security Hub in %s", req.accountID, req.region)
			continue
		}
		if len(raw) > hubMaxFindingBytes {
			fail(id, "InvalidInput", "The finding is %d bytes, over the 240 KB a finding may take", len(raw))
			continue
		}
		if msg := validateFinding(doc); msg != "" {
			fail(id, "InvalidInput", "%s", msg)
			continue
		}
		if doc["ProductArn"] != product || doc["AwsAccountId"] != req.accountID {
			fail(id, "AccessDeniedException", "Account %s may import only its own findings (AwsAccountId %s) with its default product %s, not %v for %v",
				req.accountID, req.accountID, product, doc["ProductArn"], doc["AwsAccountId"])
			continue
		}
		h.put(doc, req.region, s.now())
		out.SuccessCount++
	}
	return out, nil
}

// put creates or updates a finding by the rules in the package comment.
func (h *hub) put(doc map[string]any, region string, now time.Time) {
	updated, _ := parseHubTime(doc["UpdatedAt"].(string)) // validated
	key := doc["ProductArn"].(string) + "\x00" + doc["Id"].(string)
	old := h.findings[key]
	if old != nil && !updated.After(old.updatedAt) {
		return // not newer: ignored
	}
	doc["Region"] = region
	doc["ProcessedAt"] = now.UTC().Format(time.RFC3339Nano)
	if _, ok := doc["FindingProviderFields"]; !ok {
		fpf := map[string]any{}
		for _, k := range []string{"Confidence", "Criticality", "RelatedFindings", "Severity", "Types"} {
			if v, ok := doc[k]; ok {
				fpf[k] = v
			}
		}
		doc["FindingProviderFields"] = fpf
	}
	fields, _ := doc["ProductFields"].(map[string]any)
	if fields == nil {
		fields = map[string]any{}
	}
	for k, v := range map[string]string{"ProductName": "Default", "CompanyName": "Personal"} {
		if _, ok := doc[k]; !ok {
			doc[k] = v
		}
		fields["aws/securityhub/"+k] = doc[k]
	}
	fields["aws/securityhub/FindingId"] = doc["ProductArn"].(string) + "/" + doc["Id"].(string)
	doc["ProductFields"] = fields
	if _, ok := doc["RecordState"]; !ok {
		doc["RecordState"] = "ACTIVE"
	}
	customer := []string{"Workflow", "WorkflowState", "Note", "UserDefinedFields", "VerificationState"}
	if old == nil {
		if _, ok := doc["Workflow"]; !ok {
			doc["Workflow"] = map[string]any{"Status": "NEW"}
			doc["WorkflowState"] = "NEW"
		}
		f := &hubFinding{doc: doc, updatedAt: updated}
		h.findings[key] = f
		h.order = append(h.order, f)
		return
	}
	for _, k := range customer {
		delete(doc, k)
		if v, ok := old.doc[k]; ok {
			doc[k] = v
		}
	}
	wasArchived := old.doc["RecordState"] == "ARCHIVED"
	wasPassed := complianceStatus(old.doc) == "PASSED"
	status := complianceStatus(doc)
	if (wasArchived && doc["RecordState"] == "ACTIVE") || (wasPassed && (status == "FAILED" || status == "WARNING" || status == "NOT_AVAILABLE")) {
		if wf, _ := doc["Workflow"].(map[string]any); wf != nil && (wf["Status"] == "NOTIFIED" || wf["Status"] == "RESOLVED") {
			doc["Workflow"] = map[string]any{"Status": "NEW"}
			doc["WorkflowState"] = "NEW"
		}
	}
	old.doc, old.updatedAt = doc, updated
}

func complianceStatus(doc map[string]any) string {
	c, _ := doc["Compliance"].(map[string]any)
	s, _ := c["Status"].(string)
	return s
}

// hubTime matches the timestamps ASFF takes: seconds, up to nine digits
// of fraction, and Z or an offset (+HH:MM, -HHMM).
var hubTime = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})$`)

func parseHubTime(s string) (time.Time, bool) {
	if !hubTime.MatchString(s) {
		return time.Time{}, false
	}
	if len(s) >= 5 && (s[len(s)-5] == '+' || s[len(s)-5] == '-') { // -HHMM
		s = s[:len(s)-2] + ":" + s[len(s)-2:]
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

// The enumerations ASFF checks.
var (
	severityLabels    = []string{"INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"}
	recordStates      = []string{"ACTIVE", "ARCHIVED"}
	complianceValues  = []string{"PASSED", "WARNING", "FAILED", "NOT_AVAILABLE"}
	typeNamespaces    = []string{"Software and Configuration Checks", "TTPs", "Effects", "Unusual Behaviors", "Sensitive Data Identifications"}
	accessKeyStatuses = []string{"Active", "Inactive"}
)

// validateFinding checks the required attributes of a finding and the
// limits of those iamsweep sets; it returns what is wrong, or "".
func validateFinding(doc map[string]any) string {
	str := func(k string) (string, bool) { v, ok := doc[k].(string); return v, ok }
	if v, _ := str("SchemaVersion"); v != "2018-10-08" {
		return fmt.Sprintf("SchemaVersion must be 2018-10-08, got %q", v)
	}
	for _, f := range []struct {
		name     string
		min, max int
	}{{"Id", 1, 512}, {"ProductArn", 12, 2048}, {"GeneratorId", 1, 512}, {"AwsAccountId", 12, 12}, {"Title", 1, 256}, {"Description", 1, 1024}} {
		v, ok := str(f.name)
		if n := utf8.RuneCountInString(v); !ok || strings.TrimSpace(v) == "" || n < f.min || n > f.max {
			return fmt.Sprintf("%s is required: %d to %d characters, not blank", f.name, f.min, f.max)
		}
	}
	for _, k := range []string{"CreatedAt", "UpdatedAt"} {
		v, _ := str(k)
		if _, ok := parseHubTime(v); !ok {
			return fmt.Sprintf("%s must be a timestamp such as 2019-01-31T23:00:00Z, got %q", k, v)
		}
	}
	if msg := checkSeverity(doc["Severity"], "Severity", true); msg != "" {
		return msg
	}
	if msg := checkTypes(doc["Types"], "Types"); msg != "" {
		return msg
	}
	if fpf, ok := doc["FindingProviderFields"].(map[string]any); ok {
		if msg := checkSeverity(fpf["Severity"], "FindingProviderFields.Severity", false); msg != "" {
			return msg
		}
		if msg := checkTypes(fpf["Types"], "FindingProviderFields.Types"); msg != "" {
			return msg
		}
	}
	res, _ := doc["Resources"].([]any)
	if len(res) < 1 || len(res) > 32 {
		return fmt.Sprintf("Resources must hold 1 to 32 resources, got %d", len(res))
	}
	for i, r := range res {
		m, _ := r.(map[string]any)
		typ, _ := m["Type"].(string)
		id, _ := m["Id"].(string)
		if typ == "" || len(typ) > 256 || id == "" {
			return fmt.Sprintf("Resources[%d] needs a Type (1 to 256 characters) and an Id", i)
		}
		if tags, _ := m["Tags"].(map[string]any); len(tags) > 50 {
			return fmt.Sprintf("Resources[%d].Tags holds %d tags, over 50", i, len(tags))
		}
		if d, _ := m["Details"].(map[string]any); d != nil {
			if k, _ := d["AwsIamAccessKey"].(map[string]any); k != nil {
				if st, ok := k["Status"].(string); ok && !slices.Contains(accessKeyStatuses, st) {
					return fmt.Sprintf("Resources[%d].Details.AwsIamAccessKey.Status must be Active or Inactive, got %q", i, st)
				}
			}
		}
	}
	if pf, ok := doc["ProductFields"].(map[string]any); ok {
		if len(pf) > 50 {
			return fmt.Sprintf("ProductFields holds %d pairs, over 50", len(pf))
		}
		for k, v := range pf {
			s, _ := v.(string)
			if utf8.RuneCountInString(k) > 128 || utf8.RuneCountInString(s) > 2048 {
				return fmt.Sprintf("ProductFields %q: keys take 128 characters and values 2,048", k)
			}
		}
	}
	if v, ok := doc["RecordState"]; ok && !slices.Contains(recordStates, fmt.Sprint(v)) {
		return fmt.Sprintf("RecordState must be ACTIVE or ARCHIVED, got %v", v)
	}
	if c, ok := doc["Compliance"].(map[string]any); ok {
		if v, ok := c["Status"]; ok && !slices.Contains(complianceValues, fmt.Sprint(v)) {
			return fmt.Sprintf("Compliance.Status must be PASSED, WARNING, FAILED or NOT_AVAILABLE, got %v", v)
		}
	}
	if rem, ok := doc["Remediation"].(map[string]any); ok {
		rec, _ := rem["Recommendation"].(map[string]any)
		if t, _ := rec["Text"].(string); utf8.RuneCountInString(t) > 512 {
			return "Remediation.Recommendation.Text takes 512 characters"
		}
	}
	return ""
}

// checkSeverity checks a Severity object: a known Label or a Normalized
// 0-100 (required at the top level), and an Original of 1 to 64.
func checkSeverity(v any, name string, required bool) string {
	m, ok := v.(map[string]any)
	if !ok {
		if required || v != nil {
			return name + " is required: a Label or a Normalized value"
		}
		return ""
	}
	label, hasLabel := m["Label"].(string)
	norm, hasNorm := m["Normalized"].(float64)
	switch {
	case hasLabel && !slices.Contains(severityLabels, label):
		return fmt.Sprintf("%s.Label must be one of %s, got %q", name, strings.Join(severityLabels, ", "), label)
	case !hasLabel && !hasNorm:
		return name + " needs a Label or a Normalized value"
	case hasNorm && (norm < 0 || norm > 100):
		return name + ".Normalized must be 0 to 100"
	}
	if o, ok := m["Original"].(string); ok && (o == "" || utf8.RuneCountInString(o) > 64) {
		return name + ".Original takes 1 to 64 characters"
	}
	return ""
}

// checkTypes checks a Types list: at most 50 of namespace/category/
// classifier, in a known namespace.
func checkTypes(v any, name string) string {
	if v == nil {
		return ""
	}
	l, ok := v.([]any)
	if !ok || len(l) > 50 {
		return name + " must be a list of at most 50 types"
	}
	for _, t := range l {
		s, _ := t.(string)
		parts := strings.Split(s, "/")
		if len(parts) < 1 || len(parts) > 3 || !slices.Contains(typeNamespaces, parts[0]) {
			return fmt.Sprintf("%s: %q is not namespace/category/classifier in a known namespace", name, s)
		}
	}
	return ""
}

// getFindings answers GetFindings.
func (s *Server) getFindings(req *request) (any, *apiError) {
	h := s.hubs[hubKey(req.accountID, req.region)]
	if h == nil {
		return nil, errorf(401, "InvalidAccessException", "Account %s is not subscribed to AWS Security Hub in %s", req.accountID, req.region)
	}
	var in struct {
		Filters      map[string]json.RawMessage `json:"Filters"`
		SortCriteria json.RawMessage            `json:"SortCriteria"`
		MaxResults   *int                       `json:"MaxResults"`
		NextToken    *string                    `json:"NextToken"`
	}
	if len(bytes.TrimSpace(req.body)) > 0 {
		if err := json.Unmarshal(req.body, &in); err != nil {
			return nil, errorf(400, "InvalidInputException", "Could not parse the request: %v", err)
		}
	}
	if len(in.SortCriteria) > 0 && string(in.SortCriteria) != "null" {
		return nil, errorf(400, "InvalidInputException", "fakeaws does not implement SortCriteria")
	}
	limit := 100
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 100 {
			return nil, errorf(400, "InvalidInputException", "MaxResults must be 1 to 100, got %d", *in.MaxResults)
		}
		limit = *in.MaxResults
	}
	if s.maxPageItems > 0 && limit > s.maxPageItems {
		limit = s.maxPageItems
	}
	match, e := compileFilters(in.Filters)
	if e != nil {
		return nil, e
	}
	// A token holds the offset and a checksum of the filters it belongs
	// to. (Marshalling a map sorts its keys.)
	raw, _ := json.Marshal(in.Filters)
	filterSum := fmt.Sprintf("%08x", crc(raw))
	start := 0
	if in.NextToken != nil {
		off, sum, ok := strings.Cut(*in.NextToken, ".")
		n, err := strconv.Atoi(off)
		if !ok || err != nil || n < 0 || sum != filterSum {
			return nil, errorf(400, "InvalidInputException", "The NextToken is not valid for this request")
		}
		start = n
	}
	var found []map[string]any
	for _, f := range h.order {
		if match(f.doc) {
			found = append(found, f.doc)
		}
	}
	out := struct {
		Findings  []map[string]any `json:"Findings"`
		NextToken *string          `json:"NextToken,omitempty"`
	}{Findings: []map[string]any{}}
	end := min(start+limit, len(found))
	if start < end {
		out.Findings = found[start:end]
	}
	if end < len(found) {
		tok := strconv.Itoa(end) + "." + filterSum
		out.NextToken = &tok
	}
	return out, nil
}

// crc is a small checksum (FNV-1a) of b.
func crc(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

// hubFilterFields reads the attributes GetFindings may filter on.
var hubFilterFields = map[string]func(doc map[string]any) []string{
	"Id":               topString("Id"),
	"ProductArn":       topString("ProductArn"),
	"GeneratorId":      topString("GeneratorId"),
	"AwsAccountId":     topString("AwsAccountId"),
	"RecordState":      topString("RecordState"),
	"Title":            topString("Title"),
	"ProductName":      topString("ProductName"),
	"CompanyName":      topString("CompanyName"),
	"Region":           topString("Region"),
	"ComplianceStatus": func(doc map[string]any) []string { return []string{complianceStatus(doc)} },
	"SeverityLabel": func(doc map[string]any) []string {
		sev, _ := doc["Severity"].(map[string]any)
		l, _ := sev["Label"].(string)
		return []string{l}
	},
	"WorkflowStatus": func(doc map[string]any) []string {
		wf, _ := doc["Workflow"].(map[string]any)
		st, _ := wf["Status"].(string)
		return []string{st}
	},
	"Type": func(doc map[string]any) []string {
		var out []string
		l, _ := doc["Types"].([]any)
		for _, t := range l {
			s, _ := t.(string)
			out = append(out, s)
		}
		return out
	},
	"ResourceId":   resourceString("Id"),
	"ResourceType": resourceString("Type"),
}

func topString(k string) func(map[string]any) []string {
	return func(doc map[string]any) []string {
		s, _ := doc[k].(string)
		return []string{s}
	}
}

func resourceString(k string) func(map[string]any) []string {
	return func(doc map[string]any) []string {
		var out []string
		l, _ := doc["Resources"].([]any)
		for _, r := range l {
			m, _ := r.(map[string]any)
			s, _ := m[k].(string)
			out = append(out, s)
		}
		return out
	}
}

type stringFilter struct {
	Comparison string `json:"Comparison"`
	Value      string `json:"Value"`
}

// compileFilters turns GetFindings' Filters into a predicate. Within one
// attribute, EQUALS, PREFIX and CONTAINS filters are ORed and NOT_EQUALS,
// PREFIX_NOT_EQUALS and NOT_CONTAINS ANDed; attributes are ANDed. A
// multi-valued attribute (Type, the resources') matches when one of its
// values does.
func compileFilters(filters map[string]json.RawMessage) (func(map[string]any) bool, *apiError) {
	type field struct {
		get      func(map[string]any) []string
		pos, neg []stringFilter
	}
	var fields []field
	for name, raw := range filters {
		get, ok := hubFilterFields[name]
		if !ok {
			return nil, errorf(400, "InvalidInputException", "fakeaws does not implement the GetFindings filter %s", name)
		}
		var list []stringFilter
		if err := json.Unmarshal(raw, &list); err != nil {
			return nil, errorf(400, "InvalidInputException", "Filters.%s must be a list of StringFilter: %v", name, err)
		}
		f := field{get: get}
		seen := map[string]bool{}
		for _, sf := range list {
			seen[sf.Comparison] = true
			switch sf.Comparison {
			case "EQUALS", "PREFIX", "CONTAINS":
				f.pos = append(f.pos, sf)
			case "NOT_EQUALS", "PREFIX_NOT_EQUALS", "NOT_CONTAINS":
				f.neg = append(f.neg, sf)
			default:
				return nil, errorf(400, "InvalidInputException", "Filters.%s: unknown Comparison %q", name, sf.Comparison)
			}
		}
		if (seen["CONTAINS"] && seen["NOT_CONTAINS"]) || (seen["EQUALS"] && (seen["NOT_EQUALS"] || seen["PREFIX_NOT_EQUALS"])) {
			return nil, errorf(400, "InvalidInputException", "Filters.%s combines comparisons that cannot be combined on one field", name)
		}
		fields = append(fields, f)
	}
	one := func(sf stringFilter, v string) bool {
		switch sf.Comparison {
		case "EQUALS", "NOT_EQUALS":
			return v == sf.Value
		case "PREFIX", "PREFIX_NOT_EQUALS":
			return strings.HasPrefix(v, sf.Value)
		default:
			return strings.Contains(v, sf.Value)
		}
	}
	return func(doc map[string]any) bool {
		for _, f := range fields {
			values := f.get(doc)
			if len(f.pos) > 0 && !slices.ContainsFunc(values, func(v string) bool {
				return slices.ContainsFunc(f.pos, func(sf stringFilter) bool { return one(sf, v) })
			}) {
				return false
			}
			for _, sf := range f.neg {
				if slices.ContainsFunc(values, func(v string) bool { return one(sf, v) }) {
					return false
				}
			}
		}
		return true
	}, nil
}
