package fakeaws

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// jsonContentType is the media type of JSON 1.1 requests and responses.
const jsonContentType = "application/x-amz-json-1.1"

// jsonAction answers one action of a JSON 1.1 service. It runs with the
// server lock held and returns the response document, which
// encoding/json marshals.
type jsonAction func(s *Server, acct *Account, req *request) (any, *apiError)

// serveJSON answers a JSON 1.1 request: POST / with the action named in
// X-Amz-Target ("<targetPrefix>.<Action>") and the input as a JSON
// document.
func (s *Server) serveJSON(w http.ResponseWriter, req *request, actions map[string]jsonAction, targetPrefix string) {
	target := req.http.Header.Get("X-Amz-Target")
	name, ok := strings.CutPrefix(target, targetPrefix+".")
	req.action = name
	if !ok {
		req.action = target
	}
	handler := actions[req.action]
	if !ok || handler == nil {
		e := errorf(400, "UnknownOperationException", "Unknown operation %s", target)
		s.record(req, e)
		s.wait(req)
		s.writeJSONError(w, e)
		return
	}
	if e := s.before(req); e != nil {
		s.record(req, e)
		s.wait(req)
		s.writeJSONError(w, e)
		return
	}
	s.mu.Lock()
	out, e := handler(s, s.accounts[req.accountID], req)
	s.mu.Unlock()
	s.record(req, e)
	if e != nil {
		s.wait(req)
		s.writeJSONError(w, e)
		return
	}
	body, err := json.Marshal(out)
	if err != nil {
		e := errorf(500, "InternalFailure", "fakeaws: encode %s response: %v", req.action, err)
		s.wait(req)
		s.writeJSONError(w, e)
		return
	}
	s.wait(req)
	w.Header().Set("Content-Type", req.jsonContentType())
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.Header().Set("X-Amzn-RequestId", s.requestID())
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// writeJSONError writes the JSON protocol's error document. The code goes
// in both places a client may read it: the X-Amzn-ErrorType header and the
// body's __type member.
func (s *Server) writeJSONError(w http.ResponseWriter, e *apiError) {
	doc := map[string]string{"__type": e.code, "Message": e.message}
	if e.reason != "" {
		doc["Reason"] = e.reason
	}
	body, _ := json.Marshal(doc)                    // a map of strings always encodes
	w.Header().Set("Content-Type", jsonContentType) // 1.1 and 1.0 clients read both
	w.Header().Set("X-Amzn-ErrorType", e.code)
	w.Header().Set("X-Amzn-RequestId", s.requestID())
	w.WriteHeader(e.status)
	_, _ = w.Write(body)
}

// jsonContentType is the media type of the request's JSON protocol:
// JSON 1.0 for SQS, 1.1 for the others.
func (req *request) jsonContentType() string {
	if req.service == "sqs" {
		return "application/x-amz-json-1.0"
	}
	return jsonContentType
}

// decodeInput decodes the request document into v. An empty body is an
// empty input.
func decodeInput(req *request, v any) *apiError {
	if len(bytes.TrimSpace(req.body)) == 0 {
		return nil
	}
	if err := json.Unmarshal(req.body, v); err != nil {
		return errorf(400, "SerializationException", "Could not parse the request document: %v", err)
	}
	return nil
}

// epochSeconds is a timestamp as the JSON protocols write it by default:
// seconds since the Unix epoch, as a number with milliseconds.
type epochSeconds time.Time

func (t epochSeconds) MarshalJSON() ([]byte, error) {
	ms := time.Time(t).UnixMilli()
	return []byte(strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)), nil
}
