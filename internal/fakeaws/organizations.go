package fakeaws

import (
	"encoding/base64"
	"strconv"
	"strings"
)

// orgTargetPrefix is Organizations' JSON 1.1 service name, the prefix of
// X-Amz-Target.
const orgTargetPrefix = "AWSOrganizationsV20161128"

// orgActions are the Organizations actions the fake answers.
var orgActions = map[string]jsonAction{
	"DescribeOrganization":             (*Server).describeOrganization,
	"DescribeAccount":                  (*Server).describeAccount,
	"ListAccounts":                     (*Server).listAccounts,
	"ListAccountsForParent":            (*Server).listAccountsForParent,
	"ListOrganizationalUnitsForParent": (*Server).listOrganizationalUnitsForParent,
}

// Organizations' wire shapes. Member names are the model's; timestamps are
// epoch seconds.
type (
	orgAccountJSON struct {
		Arn             string       `json:"Arn"`
		Email           string       `json:"Email"`
		ID              string       `json:"Id"`
		JoinedMethod    string       `json:"JoinedMethod"`
		JoinedTimestamp epochSeconds `json:"JoinedTimestamp"`
		Name            string       `json:"Name"`
		Paths           []string     `json:"Paths"`
		State           string       `json:"State"`
		Status          string       `json:"Status"`
	}
	orgUnitJSON struct {
		Arn  string `json:"Arn"`
		ID   string `json:"Id"`
		Name string `json:"Name"`
		Path string `json:"Path"`
	}
	policyTypeJSON struct {
		Status string `json:"Status"`
		Type   string `json:"Type"`
	}
	organizationJSON struct {
		Arn                  string           `json:"Arn"`
		AvailablePolicyTypes []policyTypeJSON `json:"AvailablePolicyTypes"`
		FeatureSet           string           `json:"FeatureSet"`
		ID                   string           `json:"Id"`
		MasterAccountArn     string           `json:"MasterAccountArn"`
		MasterAccountEmail   string           `json:"MasterAccountEmail"`
		MasterAccountID      string           `json:"MasterAccountId"`
	}
	// listInput is the input of the List actions (ParentId only for the
	// ...ForParent ones).
	listInput struct {
		ParentID   *string `json:"ParentId"`
		NextToken  *string `json:"NextToken"`
		MaxResults *int    `json:"MaxResults"`
	}
	accountsPage struct {
		Accounts  []orgAccountJSON `json:"Accounts"`
		NextToken string           `json:"NextToken,omitempty"`
	}
	unitsPage struct {
		OrganizationalUnits []orgUnitJSON `json:"OrganizationalUnits"`
		NextToken           string        `json:"NextToken,omitempty"`
	}
)

// arn returns the ARN of a resource of the organization
// ("account/o-.../<account ID>").
func (idx *orgIndex) arn(resource string) string {
	return "arn:aws:organizations::" + idx.org.ManagementAccount + ":" + resource
}

// accountJSON renders an account as the Account shape.
func (idx *orgIndex) accountJSON(m *orgMember) orgAccountJSON {
	a := m.acct
	method := "CREATED"
	if a.ID == idx.org.ManagementAccount {
		method = "INVITED" // the account that created the organization
	}
	return orgAccountJSON{
		Arn:             idx.arn("account/" + idx.org.ID + "/" + a.ID),
		Email:           a.Email,
		ID:              a.ID,
		JoinedMethod:    method,
		JoinedTimestamp: epochSeconds(a.Joined),
		Name:            a.Name,
		Paths:           []string{m.parentPath + a.ID + "/"},
		State:           a.Status,
		Status:          a.Status,
	}
}

// member checks that the caller's account is in the organization.
func (s *Server) member(req *request) (*orgIndex, *apiError) {
	if s.org == nil || s.org.byID[req.accountID] == nil {
		return nil, errorf(400, "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
	}
	return s.org, nil
}

// management checks that the caller's account is the organization's
// management account (delegated administrators are not modelled).
func (s *Server) management(req *request) (*orgIndex, *apiError) {
	idx, e := s.member(req)
	if e != nil {
		return nil, e
	}
	if req.accountID != idx.org.ManagementAccount {
		return nil, errorf(400, "AccessDeniedException", "You don't have permissions to access this resource.")
	}
	return idx, nil
}

// describeOrganization answers DescribeOrganization, which any member
// account may call.
func (s *Server) describeOrganization(_ *Account, req *request) (any, *apiError) {
	idx, e := s.member(req)
	if e != nil {
		return nil, e
	}
	o := idx.org
	return map[string]organizationJSON{"Organization": {
		Arn:                  idx.arn("organization/" + o.ID),
		AvailablePolicyTypes: []policyTypeJSON{{Status: "ENABLED", Type: "SERVICE_CONTROL_POLICY"}},
		FeatureSet:           "ALL",
		ID:                   o.ID,
		MasterAccountArn:     idx.arn("account/" + o.ID + "/" + o.ManagementAccount),
		MasterAccountEmail:   idx.byID[o.ManagementAccount].acct.Email,
		MasterAccountID:      o.ManagementAccount,
	}}, nil
}

// describeAccount answers DescribeAccount.
func (s *Server) describeAccount(_ *Account, req *request) (any, *apiError) {
	idx, e := s.management(req)
	if e != nil {
		return nil, e
	}
	var in struct {
		AccountID *string `json:"AccountId"`
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	if in.AccountID == nil {
		return nil, inputError("INPUT_REQUIRED", "You must specify a value for AccountId.")
	}
	m := idx.byID[*in.AccountID]
	if m == nil {
		return nil, errorf(400, "AccountNotFoundException", "You specified an account that doesn't exist.")
	}
	return map[string]orgAccountJSON{"Account": idx.accountJSON(m)}, nil
}

// listAccounts answers ListAccounts: every account of the organization.
func (s *Server) listAccounts(_ *Account, req *request) (any, *apiError) {
	idx, e := s.management(req)
	if e != nil {
		return nil, e
	}
	var in listInput
	if e := decodeInput(req, &in); e != nil {
		return nil, e
	}
	start, end, next, e := s.page(in, "ListAccounts", len(idx.accounts))
	if e != nil {
		return nil, e
	}
	out := accountsPage{Accounts: []orgAccountJSON{}, NextToken: next}
	for _, m := range idx.accounts[start:end] {
		out.Accounts = append(out.Accounts, idx.accountJSON(m))
	}
	return out, nil
}

// listAccountsForParent answers ListAccountsForParent: the accounts
// directly under the root or an OU.
func (s *Server) listAccountsForParent(_ *Account, req *request) (any, *apiError) {
	idx, in, p, e := s.parent(req)
	if e != nil {
		return nil, e
	}
	start, end, next, e := s.page(in, "ListAccountsForParent/"+*in.ParentID, len(p.accounts))
	if e != nil {
		return nil, e
	}
	out := accountsPage{Accounts: []orgAccountJSON{}, NextToken: next}
	for _, m := range p.accounts[start:end] {
		out.Accounts = append(out.Accounts, idx.accountJSON(m))
	}
	return out, nil
}

// listOrganizationalUnitsForParent answers
// ListOrganizationalUnitsForParent: the OUs directly under the root or an
// OU.
func (s *Server) listOrganizationalUnitsForParent(_ *Account, req *request) (any, *apiError) {
	idx, in, p, e := s.parent(req)
	if e != nil {
		return nil, e
	}
	start, end, next, e := s.page(in, "ListOrganizationalUnitsForParent/"+*in.ParentID, len(p.ous))
	if e != nil {
		return nil, e
	}
	out := unitsPage{OrganizationalUnits: []orgUnitJSON{}, NextToken: next}
	for _, ou := range p.ous[start:end] {
		out.OrganizationalUnits = append(out.OrganizationalUnits, orgUnitJSON{
			Arn:  idx.arn("ou/" + idx.org.ID + "/" + ou.ID),
			ID:   ou.ID,
			Name: ou.Name,
			Path: idx.parents[ou.ID].path,
		})
	}
	return out, nil
}

// parent reads the input of a ...ForParent action and finds its parent.
func (s *Server) parent(req *request) (*orgIndex, listInput, *orgParent, *apiError) {
	var in listInput
	idx, e := s.management(req)
	if e != nil {
		return nil, in, nil, e
	}
	if e := decodeInput(req, &in); e != nil {
		return nil, in, nil, e
	}
	if in.ParentID == nil {
		return nil, in, nil, inputError("INPUT_REQUIRED", "You must specify a value for ParentId.")
	}
	id := *in.ParentID
	if !rootIDPattern.MatchString(id) && !ouIDPattern.MatchString(id) {
		return nil, in, nil, inputError("INVALID_PATTERN_TARGET_ID", "You specified a target that doesn't match the pattern of a root or OU ID.")
	}
	p := idx.parents[id]
	if p == nil {
		return nil, in, nil, errorf(400, "ParentNotFoundException", "We can't find a root or OU with the ParentId that you specified.")
	}
	return idx, in, p, nil
}

// Page sizes of the List actions: MaxResults is 1..20, and 20 when absent.
const (
	maxResultsLimit   = 20
	defaultMaxResults = 20
)

// page resolves MaxResults and NextToken over a listing of total items,
// returning the items' range and the token of the next page ("" for the
// last).
func (s *Server) page(in listInput, listing string, total int) (start, end int, next string, e *apiError) {
	limit := defaultMaxResults
	if in.MaxResults != nil {
		switch n := *in.MaxResults; {
		case n < 1:
			return 0, 0, "", inputError("MIN_VALUE_EXCEEDED", "You provided a value that is smaller than the minimum allowed value of 1 for MaxResults.")
		case n > maxResultsLimit:
			return 0, 0, "", inputError("MAX_VALUE_EXCEEDED", "You provided a value that exceeds the maximum allowed value of 20 for MaxResults.")
		default:
			limit = n
		}
	}
	if s.maxPageItems > 0 && limit > s.maxPageItems {
		limit = s.maxPageItems
	}
	if in.NextToken != nil && *in.NextToken != "" {
		n, ok := fromToken(*in.NextToken, listing)
		if !ok || n > total {
			return 0, 0, "", inputError("INVALID_NEXT_TOKEN", "The specified NextToken is not valid. You must get the value from the response to a previous call to the API.")
		}
		start = n
	}
	end = min(start+limit, total)
	if end < total {
		next = marker(listing, end)
	}
	return start, end, next, nil
}

// fromToken decodes a NextToken made by marker for the same listing.
func fromToken(token, listing string) (int, bool) {
	raw, err := base64.StdEncoding.DecodeString(token)
	if err != nil {
		return 0, false
	}
	rest, ok := strings.CutPrefix(string(raw), "fakeaws|"+listing+"|")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// inputError is Organizations' InvalidInputException with its reason.
func inputError(reason, message string) *apiError {
	e := errorf(400, "InvalidInputException", "%s", message)
	e.reason = reason
	return e
}
