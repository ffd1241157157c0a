package fakeaws

import (
	"bytes"
	"encoding/xml"
	"net/http"
	"strconv"
	"time"
)

// queryAction answers one action of a query-protocol service. It runs with
// the server lock held and writes the members of the <ActionResult>
// element.
type queryAction func(s *Server, acct *Account, req *request, x *xmlw) *apiError

// serveQuery answers a query-protocol request (form-encoded Action=...,
// XML response) for a service whose actions and XML namespace are given.
func (s *Server) serveQuery(w http.ResponseWriter, req *request, actions map[string]queryAction, namespace, version string) {
	handler, ok := actions[req.action]
	if !ok || req.form.Get("Version") != version {
		e := errorf(400, "InvalidAction", "Could not find operation %s for version %s", req.action, req.form.Get("Version"))
		s.record(req, e)
		s.wait(req)
		writeQueryError(w, namespace, e)
		return
	}
	if e := s.before(req); e != nil {
		s.record(req, e)
		s.wait(req)
		writeQueryError(w, namespace, e)
		return
	}
	x := &xmlw{}
	x.raw(`<` + req.action + `Response xmlns="` + namespace + `">`)
	result := x.b.Len()
	x.open(req.action + "Result")
	members := x.b.Len()
	s.mu.Lock()
	e := handler(s, s.accounts[req.accountID], req, x)
	s.mu.Unlock()
	s.record(req, e)
	if e != nil {
		s.wait(req)
		writeQueryError(w, namespace, e)
		return
	}
	if x.b.Len() == members && !emptyOutput[req.action] {
		// An action without an output shape (DeleteRole...) answers
		// with ResponseMetadata only, as IAM does.
		x.b.Truncate(result)
	} else {
		x.close(req.action + "Result")
	}
	x.open("ResponseMetadata")
	x.elem("RequestId", s.requestID())
	x.close("ResponseMetadata")
	x.raw(`</` + req.action + `Response>`)
	s.wait(req)
	w.Header().Set("Content-Type", "text/xml")
	w.Header().Set("Content-Length", strconv.Itoa(x.b.Len()))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(x.b.Bytes())
}

// emptyOutput names the actions whose output shape is a structure without
// members: they answer with an empty <ActionResult/>, which the SDK's
// deserializer requires, where actions without an output shape answer with
// none.
var emptyOutput = map[string]bool{"UpdateRole": true}

// writeQueryError writes the query protocol's error document.
func writeQueryError(w http.ResponseWriter, namespace string, e *apiError) {
	if namespace == "" {
		namespace = iamNamespace
	}
	x := &xmlw{}
	x.raw(`<ErrorResponse xmlns="` + namespace + `">`)
	x.open("Error")
	if e.sender {
		x.elem("Type", "Sender")
	} else {
		x.elem("Type", "Receiver")
	}
	x.elem("Code", e.code)
	x.elem("Message", e.message)
	x.close("Error")
	x.elem("RequestId", "00000000-0000-0000-0000-000000000000")
	x.raw(`</ErrorResponse>`)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	_, _ = w.Write(x.b.Bytes())
}

// xmlw builds an XML document.
type xmlw struct{ b bytes.Buffer }

func (x *xmlw) raw(s string)      { x.b.WriteString(s) }
func (x *xmlw) open(name string)  { x.b.WriteString("<" + name + ">") }
func (x *xmlw) close(name string) { x.b.WriteString("</" + name + ">") }
func (x *xmlw) empty(name string) { x.b.WriteString("<" + name + "/>") }

// in renders the element name with the members that members renders.
func (x *xmlw) in(name string, members func()) {
	x.open(name)
	members()
	x.close(name)
}

func (x *xmlw) elem(name, text string) {
	x.open(name)
	x.text(text)
	x.close(name)
}

func (x *xmlw) text(s string) {
	_ = xml.EscapeText(&x.b, []byte(s)) // a bytes.Buffer never fails
}

func (x *xmlw) time(name string, t time.Time) {
	x.elem(name, t.UTC().Format("2006-01-02T15:04:05Z"))
}

func (x *xmlw) boolean(name string, v bool) { x.elem(name, strconv.FormatBool(v)) }

// policyText URL-encodes a policy document as IAM's query APIs return it
// (RFC 3986: every byte but the unreserved characters percent-encoded).
func policyText(doc string) string {
	const hex = "0123456789ABCDEF"
	var b bytes.Buffer
	b.Grow(len(doc) * 2)
	for i := 0; i < len(doc); i++ {
		c := doc[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}
