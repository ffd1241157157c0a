package refs

import (
	"regexp"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep/internal/policy"
)

// FuzzGlob checks glob against a regular expression built from the same
// pattern: '*' is ".*", '?' is ".", everything else literal.
func FuzzGlob(f *testing.F) {
	for _, seed := range [][2]string{{"a*c", "abbbc"}, {"*a*b", "xaxxb"}, {"a?c", "ac"}, {"**", ""}, {"arn:aws:iam::*:role/x", "arn:aws:iam::1:role/x"}} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		if len(pattern) > 64 || len(s) > 64 {
			return
		}
		var re strings.Builder
		re.WriteString(`(?s)^`)
		for _, r := range pattern {
			switch r {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(string(r)))
			}
		}
		re.WriteString("$")
		want := regexp.MustCompile(re.String()).MatchString(s)
		// glob works on bytes, the regexp on runes: compare on ASCII.
		for i := 0; i < len(pattern)+len(s); i++ {
			var c byte
			if i < len(pattern) {
				c = pattern[i]
			} else {
				c = s[i-len(pattern)]
			}
			if c >= 0x80 {
				return
			}
		}
		if got := glob(pattern, s); got != want {
			t.Errorf("glob(%q, %q) = %v, want %v", pattern, s, got, want)
		}
	})
}

// FuzzIndex indexes any policy the parser accepts as a trust policy and as
// a bucket policy, and looks a role up: nothing panics, and a reference
// found is filed under the right kinds.
func FuzzIndex(f *testing.F) {
	f.Add(`{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/x"},"Action":"*"}}`)
	f.Add(`{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"StringNotLike":{"aws:userid":"AROAEXAMPLEETL0000001:*"}}}}`)
	f.Add(`{"Statement":[{"Effect":"Allow","NotPrincipal":{"AWS":["arn:aws:sts::111122223333:assumed-role/x/s","*"]},"Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/?"}}}]}`)
	f.Fuzz(func(t *testing.T, text string) {
		doc, err := policy.Parse([]byte(text))
		if err != nil {
			return
		}
		x := NewIndex()
		x.AddRole(roleWithTrust("other", &doc))
		x.AddRole(roleWithTrust("x", nil))
		got, err := x.Lookup("arn:aws:iam::111122223333:role/x")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range got.References {
			if r.Kind != "trust-policy" || r.Name != "other" {
				t.Errorf("reference %+v from a trust policy of role other", r)
			}
		}
	})
}
