package policy

import (
	"bytes"
	"sort"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/iamsweep/iamsweep"
)

// Marshal prints doc as compact JSON in IAM's element order (Version, Id,
// Statement; Sid, Effect, Principal, NotPrincipal, Action, NotAction,
// Resource, NotResource, Condition). A one-element list is printed as a
// single value, as IAM's own examples do; Parse(Marshal(d)) equals d.
func Marshal(doc iamsweep.PolicyDocument) []byte {
	var buf bytes.Buffer
	// Duplicate names and invalid UTF-8 can only come from a document built
	// by hand; they are printed (the latter as U+FFFD) rather than failing
	// half-way through the output.
	enc := jsontext.NewEncoder(&buf, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	p := printer{enc: enc}
	p.tok(jsontext.BeginObject)
	if doc.Version != "" {
		p.str("Version")
		p.str(doc.Version)
	}
	if doc.ID != "" {
		p.str("Id")
		p.str(doc.ID)
	}
	// Nil statements mean the element is absent, as for Statement's own
	// elements.
	if doc.Statements != nil {
		p.str("Statement")
		p.tok(jsontext.BeginArray)
		for _, s := range doc.Statements {
			p.statement(s)
		}
		p.tok(jsontext.EndArray)
	}
	p.tok(jsontext.EndObject)
	return bytes.TrimSpace(buf.Bytes())
}

type printer struct {
	enc *jsontext.Encoder
}

// Writing to a bytes.Buffer cannot fail and the token sequence is well
// formed by construction, so encoder errors are impossible here.
func (p printer) tok(t jsontext.Token) { _ = p.enc.WriteToken(t) }
func (p printer) str(s string)         { p.tok(jsontext.String(s)) }

func (p printer) list(name string, values []string) {
	if values == nil {
		return
	}
	p.str(name)
	p.values(values)
}

func (p printer) values(values []string) {
	if len(values) == 1 {
		p.str(values[0])
		return
	}
	p.tok(jsontext.BeginArray)
	for _, v := range values {
		p.str(v)
	}
	p.tok(jsontext.EndArray)
}

func (p printer) principals(name string, ps *iamsweep.Principals) {
	if ps == nil {
		return
	}
	p.str(name)
	if ps.Wildcard {
		p.str("*")
		return
	}
	keys := make([]string, 0, len(ps.ByType))
	for k := range ps.ByType {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	p.tok(jsontext.BeginObject)
	for _, k := range keys {
		p.str(k)
		if ps.ByType[k] == nil {
			// "AWS": null parses to a nil list; print it back as null.
			p.tok(jsontext.Null)
			continue
		}
		p.values(ps.ByType[k])
	}
	p.tok(jsontext.EndObject)
}

func (p printer) statement(s iamsweep.Statement) {
	p.tok(jsontext.BeginObject)
	if s.Sid != "" {
		p.str("Sid")
		p.str(s.Sid)
	}
	if s.Effect != "" {
		p.str("Effect")
		p.str(s.Effect)
	}
	p.principals("Principal", s.Principal)
	p.principals("NotPrincipal", s.NotPrincipal)
	p.list("Action", s.Actions)
	p.list("NotAction", s.NotActions)
	p.list("Resource", s.Resources)
	p.list("NotResource", s.NotResources)
	if len(s.Conditions) > 0 {
		conds := append([]iamsweep.Condition(nil), s.Conditions...)
		sort.SliceStable(conds, func(i, j int) bool { return conds[i].Operator < conds[j].Operator })
		p.str("Condition")
		p.tok(jsontext.BeginObject)
		for i := 0; i < len(conds); {
			op := conds[i].Operator
			p.str(op)
			p.tok(jsontext.BeginObject)
			for ; i < len(conds) && conds[i].Operator == op; i++ {
				p.str(conds[i].Key)
				p.values(conds[i].Values)
			}
			p.tok(jsontext.EndObject)
		}
		p.tok(jsontext.EndObject)
	}
	p.tok(jsontext.EndObject)
}
