package refine

import (
	"sort"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

// size is the length IAM counts for a document: the characters of its
// JSON without white space, as policy.Marshal prints it. It adds up the
// lengths instead of printing when every string is plain printable ASCII
// (a refined document of thousands of actions is measured before it is
// kept), and prints the document otherwise; a test holds the two equal.
func size(doc iamsweep.PolicyDocument) int {
	n, ok := sizeOf(doc)
	if !ok {
		return len(policy.Marshal(doc))
	}
	return n
}

// object is the length of a JSON object of members of the given lengths.
type object struct{ n, members int }

func (o *object) member(name string, valueLen int) {
	o.n += len(name) + 3 + valueLen // "name":value
	o.members++
}

func (o object) len() int {
	if o.members == 0 {
		return 2
	}
	return 2 + o.n + o.members - 1
}

func sizeOf(doc iamsweep.PolicyDocument) (int, bool) {
	var o object
	ok := true
	str := func(s string) int {
		for i := 0; i < len(s); i++ {
			if c := s[i]; c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
				ok = false
			}
		}
		return len(s) + 2
	}
	values := func(vs []string) int {
		if len(vs) == 1 {
			return str(vs[0])
		}
		n := 2
		for i, v := range vs {
			if i > 0 {
				n++
			}
			n += str(v)
		}
		return n
	}
	if doc.Version != "" {
		o.member("Version", str(doc.Version))
	}
	if doc.ID != "" {
		o.member("Id", str(doc.ID))
	}
	if doc.Statements != nil {
		n := 2
		for i, s := range doc.Statements {
			if s.Principal != nil || s.NotPrincipal != nil {
				return 0, false
			}
			if i > 0 {
				n++
			}
			var so object
			if s.Sid != "" {
				so.member("Sid", str(s.Sid))
			}
			if s.Effect != "" {
				so.member("Effect", str(s.Effect))
			}
			for _, l := range []struct {
				name string
				vs   []string
			}{{"Action", s.Actions}, {"NotAction", s.NotActions}, {"Resource", s.Resources}, {"NotResource", s.NotResources}} {
				if l.vs != nil {
					so.member(l.name, values(l.vs))
				}
			}
			if len(s.Conditions) > 0 {
				conds := append([]iamsweep.Condition(nil), s.Conditions...)
				sort.SliceStable(conds, func(i, j int) bool { return conds[i].Operator < conds[j].Operator })
				var co object
				for i := 0; i < len(conds); {
					op := conds[i].Operator
					var ko object
					for ; i < len(conds) && conds[i].Operator == op; i++ {
						ko.member(conds[i].Key, values(conds[i].Values))
						str(conds[i].Key)
					}
					co.member(op, ko.len())
					str(op)
				}
				so.member("Condition", co.len())
			}
			n += so.len()
		}
		o.member("Statement", n)
	}
	return o.len(), ok
}
