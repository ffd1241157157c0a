package fakeaws

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
)

// AWS Lambda, as far as iamsweep refs reads it, over REST-JSON (API
// version 2015-03-31):
//
//   - ListFunctions: GET /2015-03-31/functions/ with Marker and MaxItems
//     (1 to 10,000; Lambda returns at most 50 a page), the functions of
//     the Region called, each with its execution role (Role).
//   - GetPolicy: GET /2015-03-31/functions/{FunctionName}/policy, by name
//     or ARN; a function without a policy, or that does not exist, is a
//     ResourceNotFoundException (HTTP 404).

const lambdaPrefix = "/2015-03-31/functions/"

func (s *Server) serveLambda(w http.ResponseWriter, req *request) {
	path := req.http.URL.Path
	switch {
	case req.http.Method == http.MethodGet && (path == lambdaPrefix || path+"/" == lambdaPrefix):
		req.action = "ListFunctions"
		s.restOp(w, req, func(acct *Account) (any, *apiError) { return s.listFunctions(acct, req) }, s.writeREST)
	case req.http.Method == http.MethodGet && strings.HasPrefix(path, lambdaPrefix) && strings.HasSuffix(path, "/policy"):
		req.action = "GetPolicy"
		name := strings.TrimSuffix(strings.TrimPrefix(path, lambdaPrefix), "/policy")
		s.restOp(w, req, func(acct *Account) (any, *apiError) { return getFunctionPolicy(acct, req, name) }, s.writeREST)
	default:
		req.action = req.http.Method + " " + path
		e := errorf(404, "UnknownOperationException", "fakeaws does not implement Lambda's %s %s", req.http.Method, path)
		s.record(req, e)
		s.writeRESTError(w, e)
	}
}

// writeREST writes a REST-JSON answer: out as JSON, or the error.
func (s *Server) writeREST(w http.ResponseWriter, out any, e *apiError) {
	if e != nil {
		s.writeRESTError(w, e)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		s.writeRESTError(w, errorf(500, "ServiceException", "fakeaws: encode response: %v", err))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("X-Amzn-RequestId", s.requestID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

type lambdaFunction struct {
	FunctionName string `json:"FunctionName"`
	FunctionArn  string `json:"FunctionArn"`
	Role         string `json:"Role"`
	Runtime      string `json:"Runtime"`
}

func functionARN(acct *Account, f Function) string {
	return "arn:aws:lambda:" + f.Region + ":" + acct.ID + ":function:" + f.Name
}

func (s *Server) listFunctions(acct *Account, req *request) (any, *apiError) {
	q := req.http.URL.Query()
	limit := 50
	if v := q.Get("MaxItems"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return nil, errorf(400, "InvalidParameterValueException", "MaxItems must be between 1 and 10000")
		}
		limit = min(n, 50)
	}
	var fns []Function
	if acct.Resources != nil {
		fns = inRegion(acct.Resources.Functions, req.region, func(f Function) string { return f.Region })
	}
	items, next, e := resourcePage(s, fns, q.Get("Marker"), limit)
	if e != nil {
		return nil, e
	}
	out := struct {
		Functions  []lambdaFunction `json:"Functions"`
		NextMarker string           `json:"NextMarker,omitempty"`
	}{Functions: []lambdaFunction{}, NextMarker: next}
	for _, f := range items {
		out.Functions = append(out.Functions, lambdaFunction{FunctionName: f.Name, FunctionArn: functionARN(acct, f), Role: f.Role, Runtime: "python3.12"})
	}
	return out, nil
}

func getFunctionPolicy(acct *Account, req *request, name string) (any, *apiError) {
	if acct.Resources != nil {
		for _, f := range acct.Resources.Functions {
			if f.Region != req.region || (f.Name != name && functionARN(acct, f) != name) {
				continue
			}
			if f.Policy == "" {
				return nil, errorf(404, "ResourceNotFoundException", "The resource you requested does not exist.")
			}
			return map[string]string{"Policy": f.Policy, "RevisionId": "00000000-0000-0000-0000-000000000001"}, nil
		}
	}
	return nil, errorf(404, "ResourceNotFoundException", "Function not found: arn:aws:lambda:%s:%s:function:%s", req.region, acct.ID, name)
}
