package fakeaws

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// configTargetPrefix is AWS Config's JSON 1.1 service name, the prefix of
// X-Amz-Target.
const configTargetPrefix = "StarlingDoveService"

// configActions are the AWS Config actions the fake answers: those of a
// custom rule's Lambda function.
var configActions = map[string]jsonAction{
	"PutEvaluations":                   (*Server).putEvaluations,
	"GetComplianceDetailsByConfigRule": (*Server).getComplianceDetailsByConfigRule,
}

// Limits of the two actions, from the service model.
const (
	maxEvaluations        = 100 // Evaluations: 0 to 100 members
	maxAnnotation         = 256 // Annotation: 1 to 256 characters
	maxConfigResourceID   = 768 // ComplianceResourceId: 1 to 768
	maxConfigResourceType = 256 // ComplianceResourceType: 1 to 256
	maxComplianceLimit    = 100 // GetComplianceDetailsByConfigRule Limit: 0 to 100
	defaultComplianceLim  = 10  // "The default is 10"
)

// ConfigRule is an AWS Config rule of a fake account: its name and the
// evaluation results AWS Config holds for it.
type ConfigRule struct {
	Name string
	// Results are the results recorded so far, one per resource.
	Results []ConfigResult
}

// ConfigResult is the result AWS Config holds for one resource of a rule:
// the evaluation with the latest ordering timestamp it was given.
type ConfigResult struct {
	ResourceType   string
	ResourceID     string
	ComplianceType string
	// Annotation is "" when the evaluation had none.
	Annotation        string
	OrderingTimestamp time.Time
	// Recorded is when the fake recorded it (its clock).
	Recorded time.Time
}

// configRule is a rule's state: its results by resource type and ID.
type configRule struct {
	name    string
	results map[[2]string]ConfigResult
}

// resultToken is what a result token the fake issued stands for.
type resultToken struct{ account, rule string }

// WithConfigRule creates an AWS Config custom rule in the account, with
// the results it holds already (the evaluations of earlier runs).
// PutEvaluations records evaluations only for the rule of a token
// ResultToken issued; GetComplianceDetailsByConfigRule answers for it.
func WithConfigRule(accountID string, rule ConfigRule) Option {
	return func(s *Server) error {
		if rule.Name == "" {
			return fmt.Errorf("fakeaws: config rule without a name in account %s", accountID)
		}
		r := &configRule{name: rule.Name, results: map[[2]string]ConfigResult{}}
		for _, res := range rule.Results {
			r.results[[2]string{res.ResourceType, res.ResourceID}] = res
		}
		if s.configRules == nil {
			s.configRules = map[string]map[string]*configRule{}
		}
		if s.configRules[accountID] == nil {
			s.configRules[accountID] = map[string]*configRule{}
		}
		s.configRules[accountID][rule.Name] = r
		return nil
	}
}

// ResultToken issues a result token for an invocation of the account's
// rule, as AWS Config puts one in every event it sends the rule's
// function. Each call issues a new one.
func (s *Server) ResultToken(accountID, rule string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.tokens == nil {
		s.tokens = map[string]resultToken{}
	}
	s.tokenSeq++
	token := fmt.Sprintf("fakeaws-result-token-%s-%s-%d", accountID, rule, s.tokenSeq)
	s.tokens[token] = resultToken{account: accountID, rule: rule}
	return token
}

// ConfigResults returns the results the account's rule holds, sorted by
// resource type and ID; nil when there is no such rule.
func (s *Server) ConfigResults(accountID, rule string) []ConfigResult {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.configRules[accountID][rule]
	if r == nil {
		return nil
	}
	return r.sorted()
}

func (r *configRule) sorted() []ConfigResult {
	out := make([]ConfigResult, 0, len(r.results))
	for _, res := range r.results {
		out = append(out, res)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ResourceType != out[j].ResourceType {
			return out[i].ResourceType < out[j].ResourceType
		}
		return out[i].ResourceID < out[j].ResourceID
	})
	return out
}

// FailEvaluations makes PutEvaluations fail the next n evaluations it is
// given (in any call, test mode or not): they are not recorded and come
// back in FailedEvaluations, as evaluations AWS Config could not record
// do.
func (s *Server) FailEvaluations(n int) {
	s.mu.Lock()
	s.failEvaluations = n
	s.mu.Unlock()
}

// AWS Config's wire shapes. Timestamps are epoch seconds.
type (
	evaluationJSON struct {
		Annotation             *string          `json:"Annotation,omitempty"`
		ComplianceResourceID   *string          `json:"ComplianceResourceId"`
		ComplianceResourceType *string          `json:"ComplianceResourceType"`
		ComplianceType         *string          `json:"ComplianceType"`
		OrderingTimestamp      *json.RawMessage `json:"OrderingTimestamp"`
	}
	evaluationOutJSON struct {
		Annotation             string       `json:"Annotation,omitempty"`
		ComplianceResourceID   string       `json:"ComplianceResourceId"`
		ComplianceResourceType string       `json:"ComplianceResourceType"`
		ComplianceType         string       `json:"ComplianceType"`
		OrderingTimestamp      epochSeconds `json:"OrderingTimestamp"`
	}
	evaluationResultJSON struct {
		Annotation                 string       `json:"Annotation,omitempty"`
		ComplianceType             string       `json:"ComplianceType"`
		ConfigRuleInvokedTime      epochSeconds `json:"ConfigRuleInvokedTime"`
		EvaluationResultIdentifier struct {
			EvaluationResultQualifier struct {
				ConfigRuleName string `json:"ConfigRuleName"`
				EvaluationMode string `json:"EvaluationMode"`
				ResourceID     string `json:"ResourceId"`
				ResourceType   string `json:"ResourceType"`
			} `json:"EvaluationResultQualifier"`
			OrderingTimestamp epochSeconds `json:"OrderingTimestamp"`
		} `json:"EvaluationResultIdentifier"`
		ResultRecordedTime epochSeconds `json:"ResultRecordedTime"`
	}
)

// complianceTypes are the values of the ComplianceType enum.
var complianceTypes = []string{"COMPLIANT", "NON_COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"}

// jsonViolations collects constraint violations and reports them as the
// services built on the same framework do: a ValidationException whose
// message counts them and lists each with its value and member path.
type jsonViolations []string

func (v *jsonViolations) add(value, path, constraint string) {
	*v = append(*v, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: %s", value, path, constraint))
}

func (v jsonViolations) err() *apiError {
	switch len(v) {
	case 0:
		return nil
	case 1:
		return errorf(400, "ValidationException", "1 jsonViolations error detected: %s", v[0])
	default:
		return errorf(400, "ValidationException", "%d jsonViolations errors detected: %s", len(v), strings.Join(v, "; "))
	}
}

// quoted is a value as jsonViolations messages show it.
func quoted(s string) string { return "'" + s + "'" }

// putEvaluations answers PutEvaluations. It checks the request as AWS
// Config does (the model's constraints, the compliance types a rule may
// report, the result token), then records each evaluation unless its
// resource holds one with a later ordering timestamp. In test mode any
// result token that is not empty passes and nothing is recorded.
func (s *Server) putEvaluations(_ *Account, req *request) (any, *apiError) {
	var in struct {
		Evaluations []evaluationJSON `json:"Evaluations"`
		ResultToken *string          `json:"ResultToken"`
		TestMode    bool             `json:"TestMode"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	var v jsonViolations
	if in.ResultToken == nil {
		v.add("null", "resultToken", "Member must not be null")
	}
	if len(in.Evaluations) > maxEvaluations {
		v.add(fmt.Sprintf("'[%d evaluations]'", len(in.Evaluations)), "evaluations", fmt.Sprintf("Member must have length less than or equal to %d", maxEvaluations))
	}
	type parsed struct {
		out  evaluationOutJSON
		time time.Time
	}
	evals := make([]parsed, 0, len(in.Evaluations))
	for i, ev := range in.Evaluations {
		path := fmt.Sprintf("evaluations.%d.member.", i+1)
		var p parsed
		switch {
		case ev.ComplianceResourceType == nil:
			v.add("null", path+"complianceResourceType", "Member must not be null")
		case *ev.ComplianceResourceType == "" || utf8.RuneCountInString(*ev.ComplianceResourceType) > maxConfigResourceType:
			v.add(quoted(*ev.ComplianceResourceType), path+"complianceResourceType", fmt.Sprintf("Member must have length between 1 and %d", maxConfigResourceType))
		default:
			p.out.ComplianceResourceType = *ev.ComplianceResourceType
		}
		switch {
		case ev.ComplianceResourceID == nil:
			v.add("null", path+"complianceResourceId", "Member must not be null")
		case *ev.ComplianceResourceID == "" || utf8.RuneCountInString(*ev.ComplianceResourceID) > maxConfigResourceID:
			v.add(quoted(*ev.ComplianceResourceID), path+"complianceResourceId", fmt.Sprintf("Member must have length between 1 and %d", maxConfigResourceID))
		default:
			p.out.ComplianceResourceID = *ev.ComplianceResourceID
		}
		switch {
		case ev.ComplianceType == nil:
			v.add("null", path+"complianceType", "Member must not be null")
		case !slices.Contains(complianceTypes, *ev.ComplianceType):
			v.add(quoted(*ev.ComplianceType), path+"complianceType", "Member must satisfy enum value set: ["+strings.Join(complianceTypes, ", ")+"]")
		default:
			p.out.ComplianceType = *ev.ComplianceType
		}
		if ev.Annotation != nil {
			if n := utf8.RuneCountInString(*ev.Annotation); n < 1 || n > maxAnnotation {
				v.add(quoted(*ev.Annotation), path+"annotation", fmt.Sprintf("Member must have length between 1 and %d", maxAnnotation))
			} else {
				p.out.Annotation = *ev.Annotation
			}
		}
		if ev.OrderingTimestamp == nil {
			v.add("null", path+"orderingTimestamp", "Member must not be null")
		} else if t, ok := parseEpoch(*ev.OrderingTimestamp); !ok {
			return nil, errorf(400, "SerializationException", "OrderingTimestamp of evaluation %d is not a timestamp: %s", i+1, string(*ev.OrderingTimestamp))
		} else {
			p.time = t
			p.out.OrderingTimestamp = epochSeconds(t)
		}
		evals = append(evals, p)
	}
	if e := v.err(); e != nil {
		return nil, e
	}
	for _, p := range evals {
		if p.out.ComplianceType == "INSUFFICIENT_DATA" {
			return nil, errorf(400, "InvalidParameterValueException", "The compliance type INSUFFICIENT_DATA is not supported for evaluations a rule reports; use COMPLIANT, NON_COMPLIANT or NOT_APPLICABLE.")
		}
	}
	token := *in.ResultToken
	var rule *configRule
	if !in.TestMode {
		ref, ok := s.tokens[token]
		if !ok || ref.account != req.accountID {
			return nil, errorf(400, "InvalidResultTokenException", "The resultToken provided is invalid")
		}
		if rule = s.configRules[ref.account][ref.rule]; rule == nil {
			return nil, errorf(400, "NoSuchConfigRuleException", "The ConfigRule '%s' provided in the request is invalid. Please check the configRule name.", ref.rule)
		}
	} else if token == "" {
		return nil, errorf(400, "InvalidResultTokenException", "The resultToken provided is invalid")
	}
	failed := []evaluationOutJSON{}
	for _, p := range evals {
		if s.failEvaluations > 0 {
			s.failEvaluations--
			failed = append(failed, p.out)
			continue
		}
		if rule == nil {
			continue // test mode: nothing is recorded
		}
		key := [2]string{p.out.ComplianceResourceType, p.out.ComplianceResourceID}
		if old, ok := rule.results[key]; ok && old.OrderingTimestamp.After(p.time) {
			continue // AWS Config keeps the latest evaluation
		}
		rule.results[key] = ConfigResult{
			ResourceType:      key[0],
			ResourceID:        key[1],
			ComplianceType:    p.out.ComplianceType,
			Annotation:        p.out.Annotation,
			OrderingTimestamp: p.time,
			Recorded:          s.now().UTC(),
		}
	}
	return map[string]any{"FailedEvaluations": failed}, nil
}

// parseEpoch reads a timestamp as the JSON protocol writes it: seconds
// since the epoch, a number with a fraction.
func parseEpoch(raw json.RawMessage) (time.Time, bool) {
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return time.Time{}, false
	}
	sec, frac := math.Modf(f)
	return time.Unix(int64(sec), int64(math.Round(frac*1e3))*int64(time.Millisecond)).UTC(), true
}

// getComplianceDetailsByConfigRule answers GetComplianceDetailsByConfigRule:
// the rule's results, filtered by compliance type and paginated (Limit 0
// to 100, 0 meaning the default 10). Without a filter it returns the
// COMPLIANT and NON_COMPLIANT results (AWS does not document its default;
// iamsweep always passes the filter).
func (s *Server) getComplianceDetailsByConfigRule(_ *Account, req *request) (any, *apiError) {
	var in struct {
		ConfigRuleName  *string  `json:"ConfigRuleName"`
		ComplianceTypes []string `json:"ComplianceTypes"`
		Limit           *int     `json:"Limit"`
		NextToken       *string  `json:"NextToken"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	var v jsonViolations
	if in.ConfigRuleName == nil {
		v.add("null", "configRuleName", "Member must not be null")
	}
	limit := defaultComplianceLim
	if in.Limit != nil {
		switch {
		case *in.Limit < 0 || *in.Limit > maxComplianceLimit:
			v.add(fmt.Sprint(*in.Limit), "limit", fmt.Sprintf("Member must have value between 0 and %d", maxComplianceLimit))
		case *in.Limit > 0:
			limit = *in.Limit
		}
	}
	for i, c := range in.ComplianceTypes {
		if !slices.Contains(complianceTypes, c) {
			v.add(quoted(c), fmt.Sprintf("complianceTypes.%d.member", i+1), "Member must satisfy enum value set: ["+strings.Join(complianceTypes, ", ")+"]")
		}
	}
	if e := v.err(); e != nil {
		return nil, e
	}
	want := in.ComplianceTypes
	if len(want) == 0 {
		want = []string{"COMPLIANT", "NON_COMPLIANT"}
	}
	if slices.Contains(want, "INSUFFICIENT_DATA") {
		return nil, errorf(400, "InvalidParameterValueException", "INSUFFICIENT_DATA cannot be used as a ComplianceType for filtering results.")
	}
	rule := s.configRules[req.accountID][*in.ConfigRuleName]
	if rule == nil {
		return nil, errorf(400, "NoSuchConfigRuleException", "The ConfigRule '%s' provided in the request is invalid. Please check the configRule name.", *in.ConfigRuleName)
	}
	var results []ConfigResult
	for _, r := range rule.sorted() {
		if slices.Contains(want, r.ComplianceType) {
			results = append(results, r)
		}
	}
	if s.maxPageItems > 0 && limit > s.maxPageItems {
		limit = s.maxPageItems
	}
	listing := "GetComplianceDetailsByConfigRule/" + rule.name + "/" + strings.Join(want, ",")
	start := 0
	if in.NextToken != nil && *in.NextToken != "" {
		n, ok := fromToken(*in.NextToken, listing)
		if !ok || n > len(results) {
			return nil, errorf(400, "InvalidNextTokenException", "The nextToken provided is invalid")
		}
		start = n
	}
	end := min(start+limit, len(results))
	out := struct {
		EvaluationResults []evaluationResultJSON `json:"EvaluationResults"`
		NextToken         string                 `json:"NextToken,omitempty"`
	}{EvaluationResults: []evaluationResultJSON{}}
	if end < len(results) {
		out.NextToken = marker(listing, end)
	}
	for _, r := range results[start:end] {
		var e evaluationResultJSON
		e.Annotation = r.Annotation
		e.ComplianceType = r.ComplianceType
		e.ConfigRuleInvokedTime = epochSeconds(r.Recorded)
		e.ResultRecordedTime = epochSeconds(r.Recorded)
		q := &e.EvaluationResultIdentifier.EvaluationResultQualifier
		q.ConfigRuleName, q.EvaluationMode, q.ResourceID, q.ResourceType = rule.name, "DETECTIVE", r.ResourceID, r.ResourceType
		e.EvaluationResultIdentifier.OrderingTimestamp = epochSeconds(r.OrderingTimestamp)
		out.EvaluationResults = append(out.EvaluationResults, e)
	}
	return out, nil
}
