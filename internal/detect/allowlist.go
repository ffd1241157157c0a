package detect

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/iamsweep/iamsweep"
)

// Pattern is one compiled allowlist pattern: a Unix shell pattern matched
// against a principal's path and name ("/service-role/my-role"), anchored
// at both ends.
//
// The language is that of Python's fnmatch, which the AWS Config rule this
// feature replaces used: "*" matches any run of characters, "/" included;
// "?" matches one character; "[abc]", "[a-z]" match one character of a set
// and "[!abc]" (or "[^abc]") one character outside it. Every other
// character, backslash included, matches itself; write "[*]" for a literal
// "*". Matching is case-sensitive.
type Pattern struct {
	text string
	re   *regexp.Regexp
}

// String returns the pattern as the user wrote it.
func (p Pattern) String() string { return p.text }

// Match reports whether pathName matches the whole pattern. The zero
// Pattern matches nothing.
func (p Pattern) Match(pathName string) bool { return p.re != nil && p.re.MatchString(pathName) }

// CompilePattern compiles one shell pattern. It fails on an empty pattern,
// an unclosed or empty "[...]" set, and a reversed range such as "[z-a]".
func CompilePattern(text string) (Pattern, error) {
	if text == "" {
		return Pattern{}, errors.New("empty pattern")
	}
	var b strings.Builder
	b.WriteString(`^(?s:`)
	for i := 0; i < len(text); {
		c := text[i]
		switch c {
		case '*':
			b.WriteString(`.*`)
			i++
		case '?':
			b.WriteString(`.`)
			i++
		case '[':
			set, n, err := translateSet(text[i:])
			if err != nil {
				return Pattern{}, fmt.Errorf("invalid pattern %s: %w", iamsweep.Quote(text), err)
			}
			b.WriteString(set)
			i += n
		default:
			// Copy a whole UTF-8 sequence so multi-byte characters stay intact.
			j := i + 1
			for j < len(text) && text[j]&0xC0 == 0x80 {
				j++
			}
			b.WriteString(regexp.QuoteMeta(text[i:j]))
			i = j
		}
	}
	b.WriteString(`)$`)
	re, err := regexp.Compile(b.String())
	if err != nil {
		return Pattern{}, fmt.Errorf("invalid pattern %s: %w", iamsweep.Quote(text), err)
	}
	return Pattern{text: text, re: re}, nil
}

// translateSet translates the "[...]" set at the start of s into a regexp
// character class and returns it with the number of bytes consumed.
func translateSet(s string) (string, int, error) {
	i := 1
	negate := false
	if i < len(s) && (s[i] == '!' || s[i] == '^') {
		negate = true
		i++
	}
	start := i
	// A "]" right after "[" or "[!" is a member, as in fnmatch and the shell.
	if i < len(s) && s[i] == ']' {
		i++
	}
	for i < len(s) && s[i] != ']' {
		i++
	}
	if i >= len(s) {
		return "", 0, errors.New("unclosed '[' (write [[] for a literal '[')")
	}
	body := s[start:i]
	if body == "" {
		return "", 0, errors.New("empty '[]' set")
	}
	var b strings.Builder
	b.WriteByte('[')
	if negate {
		b.WriteByte('^')
	}
	for j := 0; j < len(body); j++ {
		c := body[j]
		if c == '-' && j > 0 && j < len(body)-1 {
			lo, hi := body[j-1], body[j+1]
			if lo > hi {
				return "", 0, fmt.Errorf("reversed range %c-%c in set [%s]", lo, hi, body)
			}
			b.WriteByte('-')
			continue
		}
		switch c {
		case '\\', ']', '[', '^', '-':
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	b.WriteByte(']')
	return b.String(), i + 1, nil
}

// SplitPatterns splits one allowlist value into its patterns. A value may
// hold several patterns separated by "|", the form of the AWS Config rule's
// RolePatternWhitelist parameter ("/breakglass-role|/security-*"). "|"
// cannot occur in an IAM path or name, so it is never part of a pattern.
func SplitPatterns(value string) []string { return strings.Split(value, "|") }

// Allowlist is an ordered set of patterns. The zero value matches nothing.
type Allowlist struct {
	patterns []Pattern
}

// NewAllowlist compiles values, each of which may hold several
// "|"-separated patterns. On error it returns an *AllowlistError naming the
// value and pattern that failed.
func NewAllowlist(values []string) (Allowlist, error) {
	var a Allowlist
	for i, v := range values {
		for _, text := range SplitPatterns(v) {
			p, err := CompilePattern(text)
			if err != nil {
				return Allowlist{}, &AllowlistError{Index: i, Value: v, Err: err}
			}
			a.patterns = append(a.patterns, p)
		}
	}
	return a, nil
}

// Patterns returns the compiled patterns in order.
func (a Allowlist) Patterns() []Pattern { return a.patterns }

// Match returns the first pattern that matches pathName.
func (a Allowlist) Match(pathName string) (Pattern, bool) {
	for _, p := range a.patterns {
		if p.Match(pathName) {
			return p, true
		}
	}
	return Pattern{}, false
}

// AllowlistError reports which allowlist value failed to compile.
type AllowlistError struct {
	// Index is the position of the value in the list given to NewAllowlist.
	Index int
	// Value is the whole value, which may hold several patterns.
	Value string
	Err   error
}

func (e *AllowlistError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *AllowlistError) Unwrap() error { return e.Err }
