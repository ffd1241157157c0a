package refine

import "strings"

// Action patterns follow IAM's matching rules: an action is
// "service:Name"; matching ignores case; "*" matches any run of
// characters (":" included) and "?" exactly one.

// MatchAction reports whether the IAM action pattern matches action,
// ignoring case as IAM does.
func MatchAction(pattern, action string) bool {
	return globFold(pattern, action)
}

// globFold matches name against the glob pattern (only "*" and "?" are
// special), comparing ASCII letters without regard to case. It runs in
// O(len(pattern)*len(name)) at worst, with the usual single backtrack
// point for the last "*".
func globFold(pattern, name string) bool {
	p, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case p < len(pattern) && pattern[p] == '*':
			star, mark = p, n
			p++
		case p < len(pattern) && (pattern[p] == '?' || lower(pattern[p]) == lower(name[n])):
			p++
			n++
		case star >= 0:
			p = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// hasWildcard reports whether s holds "*" or "?".
func hasWildcard(s string) bool { return strings.ContainsAny(s, "*?") }

// splitAction splits an action or action pattern at its first ":" into
// the service part and the name part. A pattern without ":" ("*") has the
// whole text as both: "*" matches any service and any name.
func splitAction(a string) (service, name string, ok bool) {
	service, name, ok = strings.Cut(a, ":")
	return service, name, ok
}
