package detect

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The expectations below agree with Python's fnmatch.fnmatchcase, which
// the AWS Config rule used, except where a case says otherwise.
func TestPattern_Match(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		in      string
		want    bool
	}{
		{name: "issue example", pattern: "/service-role/*", in: "/service-role/aws-codestar-service-role", want: true},
		{name: "star matches slash", pattern: "/service-role/*", in: "/service-role/a/b", want: true},
		{name: "star matches nothing", pattern: "/service-role/*", in: "/service-role/", want: true},
		{name: "case-sensitive", pattern: "/service-role/*", in: "/Service-role/x", want: false},
		{name: "case-sensitive name", pattern: "/Role", in: "/role", want: false},
		{name: "anchored at the start", pattern: "/service-role/*", in: "/other/service-role/x", want: false},
		{name: "anchored at the end", pattern: "*-role", in: "/a/my-role-2", want: false},
		{name: "leading star", pattern: "*-role", in: "/a/my-role", want: true},
		{name: "star alone matches root", pattern: "*", in: "/", want: true},
		{name: "star alone matches any path", pattern: "*", in: "/anything/x", want: true},
		{name: "star alone matches empty", pattern: "*", in: "", want: true},
		{name: "star matches a newline", pattern: "/a*", in: "/a\nb", want: true},
		{name: "literal", pattern: "/breakglass-role", in: "/breakglass-role", want: true},
		{name: "literal is not a prefix", pattern: "/breakglass-role", in: "/breakglass-role2", want: false},
		{name: "literal is not a suffix", pattern: "/breakglass-role", in: "/x/breakglass-role", want: false},
		{name: "question mark one character", pattern: "/?", in: "/a", want: true},
		{name: "question mark not two", pattern: "/?", in: "/ab", want: false},
		{name: "question mark not zero", pattern: "/?", in: "/", want: false},
		{name: "question mark one multibyte character", pattern: "/?", in: "/ü", want: true},
		{name: "question marks are characters not bytes", pattern: "/??", in: "/ü", want: false},
		{name: "question mark matches slash", pattern: "/a?c", in: "/a/c", want: true},
		{name: "set member", pattern: "/[abc]", in: "/b", want: true},
		{name: "set non-member", pattern: "/[abc]", in: "/d", want: false},
		{name: "range member", pattern: "/[a-z]x", in: "/mx", want: true},
		{name: "range is case-sensitive", pattern: "/[a-z]x", in: "/Mx", want: false},
		{name: "negated set with bang, outside", pattern: "/[!abc]", in: "/d", want: true},
		{name: "negated set with bang, inside", pattern: "/[!abc]", in: "/a", want: false},
		// Python's fnmatch reads "[^abc]" as a set holding '^'; iamsweep
		// documents it as a negation, like the shell.
		{name: "negated set with caret, outside", pattern: "/[^abc]", in: "/d", want: true},
		{name: "negated set with caret, inside", pattern: "/[^abc]", in: "/a", want: false},
		{name: "caret not first is a member", pattern: "/[a^]", in: "/^", want: true},
		{name: "close bracket first is a member", pattern: "/[]]", in: "/]", want: true},
		{name: "close bracket first then more", pattern: "/[]a]", in: "/a", want: true},
		{name: "close bracket first then more, bracket", pattern: "/[]a]", in: "/]", want: true},
		{name: "close bracket after bang is a member, outside", pattern: "/[!]]", in: "/x", want: true},
		{name: "close bracket after bang is a member, inside", pattern: "/[!]]", in: "/]", want: false},
		{name: "close bracket first as range start", pattern: "/[]-a]", in: "/_", want: true},
		{name: "backslash is literal", pattern: `/a\b`, in: `/a\b`, want: true},
		{name: "backslash does not escape", pattern: `/a\b`, in: "/ab", want: false},
		{name: "backslash before star", pattern: `/a\*`, in: `/a\xyz`, want: true},
		{name: "backslash before star needs the backslash", pattern: `/a\*`, in: "/axyz", want: false},
		{name: "backslash in a set", pattern: `/[\]`, in: `/\`, want: true},
		{name: "literal star in a set", pattern: "/[*]", in: "/*", want: true},
		{name: "set star is not a wildcard", pattern: "/[*]", in: "/x", want: false},
		{name: "literal question mark in a set", pattern: "/[?]", in: "/?", want: true},
		{name: "literal question mark in a set only", pattern: "/[?]", in: "/a", want: false},
		{name: "literal open bracket in a set", pattern: "/[[]x", in: "/[x", want: true},
		{name: "trailing hyphen in a set", pattern: "/[a-]", in: "/-", want: true},
		{name: "trailing hyphen is not a range", pattern: "/[a-]", in: "/b", want: false},
		{name: "leading hyphen in a set", pattern: "/[-a]", in: "/-", want: true},
		{name: "chained ranges keep the hyphen", pattern: "/[a-c-e]", in: "/-", want: true},
		{name: "regexp dot is literal", pattern: "/a.b", in: "/aXb", want: false},
		{name: "regexp dot matches a dot", pattern: "/a.b", in: "/a.b", want: true},
		{name: "regexp plus is literal", pattern: "/a+b", in: "/a+b", want: true},
		{name: "regexp plus does not repeat", pattern: "/a+b", in: "/aab", want: false},
		{name: "regexp groups are literal", pattern: "/a(b)", in: "/a(b)", want: true},
		{name: "regexp anchors are literal", pattern: "/^a$", in: "/^a$", want: true},
		{name: "regexp braces are literal", pattern: "/a{1}", in: "/a{1}", want: true},
		{name: "IAM name characters", pattern: "/a=b,c.d@e+f-g_h", in: "/a=b,c.d@e+f-g_h", want: true},
		{name: "unicode path", pattern: "/tëam/ü/*", in: "/tëam/ü/role", want: true},
		{name: "unicode path differs in accent", pattern: "/tëam/ü/*", in: "/team/u/role", want: false},
		{name: "question mark over unicode path element", pattern: "/tëam/?/*", in: "/tëam/ü/role", want: true},
		{name: "unicode set member", pattern: "/[ü]", in: "/ü", want: true},
		{name: "unicode set non-member shares a byte", pattern: "/[ü]", in: "/û", want: false},
		{name: "unicode range", pattern: "/[a-ü]", in: "/é", want: true},
		{name: "ascii outside unicode range", pattern: "/[é-ü]", in: "/a", want: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := CompilePattern(tt.pattern)
			if err != nil {
				t.Fatalf("CompilePattern(%q): %v", tt.pattern, err)
			}
			if got := p.Match(tt.in); got != tt.want {
				t.Errorf("CompilePattern(%q).Match(%q) = %v, want %v", tt.pattern, tt.in, got, tt.want)
			}
			if got := p.String(); got != tt.pattern {
				t.Errorf("String() = %q, want %q", got, tt.pattern)
			}
		})
	}
}

func TestCompilePattern_errors(t *testing.T) {
	tests := []struct {
		name    string
		pattern string
		want    string
		// prefix is set when the message ends with the regexp package's
		// own words; want is then only its start.
		prefix bool
	}{
		{name: "empty pattern", pattern: "", want: "empty pattern"},
		{name: "unclosed bracket alone", pattern: "[", want: `invalid pattern "[": unclosed '[' (write [[] for a literal '[')`},
		{name: "unclosed bracket at the end", pattern: "/abc[", want: `invalid pattern "/abc[": unclosed '[' (write [[] for a literal '[')`},
		{name: "unclosed set", pattern: "/[abc", want: `invalid pattern "/[abc": unclosed '[' (write [[] for a literal '[')`},
		// A ']' right after '[' is a member, so "[]" is an unclosed set.
		{name: "empty set", pattern: "/[]", want: `invalid pattern "/[]": unclosed '[' (write [[] for a literal '[')`},
		{name: "empty negated set with bang", pattern: "/[!]", want: `invalid pattern "/[!]": unclosed '[' (write [[] for a literal '[')`},
		{name: "empty negated set with caret", pattern: "/[^]", want: `invalid pattern "/[^]": unclosed '[' (write [[] for a literal '[')`},
		{name: "reversed range", pattern: "[z-a]", want: `invalid pattern "[z-a]": reversed range z-a in set [z-a]`},
		{name: "reversed range inside a pattern", pattern: "/team-[0-9b-a]*", want: `invalid pattern "/team-[0-9b-a]*": reversed range b-a in set [0-9b-a]`},
		{name: "reversed range in the second set", pattern: "/[a-z][9-0]", want: `invalid pattern "/[a-z][9-0]": reversed range 9-0 in set [9-0]`},
		{name: "reversed unicode range", pattern: "/[ü-é]", want: `invalid pattern "/[ü-é]": `, prefix: true},
		{name: "invalid UTF-8", pattern: "/a\xff", want: `invalid pattern "/a\xff": `, prefix: true},
		{name: "invalid UTF-8 in a set", pattern: "/[\xff]", want: `invalid pattern "/[\xff]": `, prefix: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := CompilePattern(tt.pattern)
			if err == nil {
				t.Fatalf("CompilePattern(%q) = %q, want error %q", tt.pattern, p.String(), tt.want)
			}
			got := err.Error()
			if tt.prefix {
				if !strings.HasPrefix(got, tt.want) {
					t.Errorf("CompilePattern(%q) error = %q, want prefix %q", tt.pattern, got, tt.want)
				}
				return
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("CompilePattern(%q) error mismatch (-want +got):\n%s", tt.pattern, diff)
			}
		})
	}
}

func TestSplitPatterns(t *testing.T) {
	tests := []struct {
		name  string
		value string
		want  []string
	}{
		{name: "AWS Config rule form", value: "/breakglass-role|/security-*", want: []string{"/breakglass-role", "/security-*"}},
		{name: "one pattern", value: "/service-role/*", want: []string{"/service-role/*"}},
		{name: "three patterns", value: "/a|/b*|[!x]*", want: []string{"/a", "/b*", "[!x]*"}},
		{name: "empty value", value: "", want: []string{""}},
		{name: "empty middle pattern", value: "/a||/b", want: []string{"/a", "", "/b"}},
		{name: "trailing separator", value: "/a|", want: []string{"/a", ""}},
		{name: "bar inside a set still splits", value: "/[a|b]", want: []string{"/[a", "b]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, SplitPatterns(tt.value)); diff != "" {
				t.Errorf("SplitPatterns(%q) mismatch (-want +got):\n%s", tt.value, diff)
			}
		})
	}
}

func allowlistTexts(ps []Pattern) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func TestNewAllowlist(t *testing.T) {
	tests := []struct {
		name   string
		values []string
		want   []string
	}{
		{name: "nil", values: nil, want: nil},
		{name: "empty", values: []string{}, want: nil},
		{name: "one value", values: []string{"/service-role/*"}, want: []string{"/service-role/*"}},
		{
			name:   "split values kept in order",
			values: []string{"/breakglass-role|/security-*", "/service-role/*", "*-ci|*-cd"},
			want:   []string{"/breakglass-role", "/security-*", "/service-role/*", "*-ci", "*-cd"},
		},
		{name: "duplicates kept", values: []string{"/a", "/a"}, want: []string{"/a", "/a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewAllowlist(tt.values)
			if err != nil {
				t.Fatalf("NewAllowlist: %v", err)
			}
			if diff := cmp.Diff(tt.want, allowlistTexts(a.Patterns())); diff != "" {
				t.Errorf("Patterns mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewAllowlist_errors(t *testing.T) {
	tests := []struct {
		name      string
		values    []string
		wantIndex int
		wantValue string
		wantMsg   string
	}{
		{name: "empty value", values: []string{""}, wantIndex: 0, wantValue: "", wantMsg: "empty pattern"},
		{name: "second value bad", values: []string{"/ok", "/ok2|[z-a]", "[also bad"}, wantIndex: 1, wantValue: "/ok2|[z-a]", wantMsg: `invalid pattern "[z-a]": reversed range z-a in set [z-a]`},
		{name: "trailing separator", values: []string{"/a*", "/b*", "/c|"}, wantIndex: 2, wantValue: "/c|", wantMsg: "empty pattern"},
		{name: "empty pattern between separators", values: []string{"/a||/b"}, wantIndex: 0, wantValue: "/a||/b", wantMsg: "empty pattern"},
		{name: "unclosed set", values: []string{"/x", "/[abc"}, wantIndex: 1, wantValue: "/[abc", wantMsg: `invalid pattern "/[abc": unclosed '[' (write [[] for a literal '[')`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewAllowlist(tt.values)
			if err == nil {
				t.Fatalf("NewAllowlist(%q) succeeded, want error", tt.values)
			}
			if got := a.Patterns(); got != nil {
				t.Errorf("NewAllowlist returned patterns %q with its error, want none", allowlistTexts(got))
			}
			var ae *AllowlistError
			if !errors.As(err, &ae) {
				t.Fatalf("error %v (%T) is not an *AllowlistError", err, err)
			}
			if ae.Index != tt.wantIndex || ae.Value != tt.wantValue {
				t.Errorf("AllowlistError{Index: %d, Value: %q}, want {Index: %d, Value: %q}", ae.Index, ae.Value, tt.wantIndex, tt.wantValue)
			}
			if got := err.Error(); got != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", got, tt.wantMsg)
			}
			if got := errors.Unwrap(err); got != ae.Err || got == nil {
				t.Errorf("Unwrap() = %v, want the underlying error %v", got, ae.Err)
			}
		})
	}
}

func TestAllowlist_Match(t *testing.T) {
	values := []string{"/app/*|/breakglass-role", "/app/deploy-*", "*"}
	tests := []struct {
		name     string
		values   []string
		pathName string
		want     string
		wantOK   bool
	}{
		{name: "first matching pattern wins", values: values, pathName: "/app/deploy-prod", want: "/app/*", wantOK: true},
		{name: "second pattern of a split value", values: values, pathName: "/breakglass-role", want: "/breakglass-role", wantOK: true},
		{name: "falls through to the catch-all", values: values, pathName: "/other/x", want: "*", wantOK: true},
		{name: "no match", values: []string{"/app/*", "/security-*"}, pathName: "/ops/x", wantOK: false},
		{name: "empty allowlist", values: nil, pathName: "/app/x", wantOK: false},
		{name: "empty list of values", values: []string{}, pathName: "/", wantOK: false},
		{name: "issue example", values: []string{"/service-role/*"}, pathName: "/service-role/aws-codestar-service-role", want: "/service-role/*", wantOK: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := NewAllowlist(tt.values)
			if err != nil {
				t.Fatal(err)
			}
			p, ok := a.Match(tt.pathName)
			if ok != tt.wantOK || p.String() != tt.want {
				t.Errorf("Match(%q) = %q, %v; want %q, %v", tt.pathName, p.String(), ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestAllowlist_zeroValue(t *testing.T) {
	var a Allowlist
	if p, ok := a.Match("/any/role"); ok || p.String() != "" {
		t.Errorf("zero Allowlist Match = %q, %v; want no match", p.String(), ok)
	}
	if got := a.Patterns(); got != nil {
		t.Errorf("zero Allowlist Patterns = %q, want nil", allowlistTexts(got))
	}
}
