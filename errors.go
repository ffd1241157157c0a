package iamsweep

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Errors the adapters map AWS error codes to, so that services and entry
// points can classify failures without knowing the SDK. Test with errors.Is.
var (
	// ErrAccessDenied: the caller lacks a permission (AccessDenied,
	// AccessDeniedException, UnauthorizedOperation).
	ErrAccessDenied = errors.New("access denied")
	// ErrNotFound: the entity does not exist (NoSuchEntity).
	ErrNotFound = errors.New("not found")
	// ErrDeleteConflict: the entity still has subordinate entities
	// (DeleteConflict).
	ErrDeleteConflict = errors.New("delete conflict")
	// ErrThrottled: AWS kept throttling after every retry (Throttling).
	ErrThrottled = errors.New("throttled")
	// ErrNotDelivered: a notice was certainly not delivered: refused before
	// anything was sent (a channel not set up, an invalid address, a
	// canceled wait for the rate limit), or refused outright by the
	// service (an HTTP 4xx answer such as SES's MessageRejected). Unlike
	// an error that may have delivered it, it is safe to send again.
	ErrNotDelivered = errors.New("not delivered")
	// ErrNoCredentials: no AWS credentials could be found or they are invalid.
	ErrNoCredentials = errors.New("no valid AWS credentials")
	// ErrNoCredentialReport: the source holds no credential report, so the
	// use of users' passwords and access keys is unknown.
	ErrNoCredentialReport = errors.New("no credential report")
)

// InputError reports bad input from a user: a malformed file, an invalid
// pattern, a bad flag or config value. Entry points map it to exit status 2
// and write no output.
type InputError struct {
	// Source names the input: a file path, "--allow", "config.yaml".
	Source string
	// Line is the 1-based line in Source, or 0 when not known.
	Line int
	// Offset is the byte offset in Source, or -1 when not known or when Line
	// is given.
	Offset int64
	// Field is the path to the bad value inside Source
	// ("RoleDetailList[3].CreateDate", "allow[1]"), or "".
	Field string
	// Err says what is wrong.
	Err error
}

// Error formats the error as "source:line: field: message" or
// "source: byte N: field: message", omitting the parts that are unknown.
// A field path longer than 160 bytes keeps its start and its end around
// an ellipsis, and a message longer than 1,024 bytes is cut with an
// ellipsis: a deeply nested or huge input never gives a huge error line.
// (Parsers quote values with Quote, which bounds them far more tightly.)
func (e *InputError) Error() string {
	var b strings.Builder
	b.WriteString(e.Source)
	switch {
	case e.Line > 0:
		fmt.Fprintf(&b, ":%d", e.Line)
	case e.Offset >= 0:
		fmt.Fprintf(&b, ": byte %d", e.Offset)
	}
	if e.Field != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(middleOut(e.Field, maxFieldHead, maxFieldTail))
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Err != nil {
		msg := e.Err.Error()
		if len(msg) > maxMessage {
			msg = fmt.Sprintf("%s… (%d bytes in all)", msg[:runeStart(msg, maxMessage)], len(msg))
		}
		b.WriteString(msg)
	}
	return b.String()
}

// The bounds of what an InputError prints.
const (
	// maxFieldHead and maxFieldTail are the bytes of a long field path
	// shown before and after the ellipsis.
	maxFieldHead = 100
	maxFieldTail = 60
	// maxMessage is the most bytes of the message shown.
	maxMessage = 1024
	// maxQuoted is the most characters of a value Quote shows.
	maxQuoted = 80
)

// middleOut returns s when it is at most head+tail bytes long, else its
// first head and last tail bytes (on character boundaries) joined by an
// ellipsis.
func middleOut(s string, head, tail int) string {
	if len(s) <= head+tail {
		return s
	}
	end := runeStart(s, head)
	start := len(s) - tail
	for start < len(s) && !utf8.RuneStart(s[start]) {
		start++
	}
	return s[:end] + "…" + s[start:]
}

// runeStart returns the largest index i <= n (and <= len(s)) at which a
// character of s starts, so that s[:i] does not end in a partial one.
func runeStart(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// Quote returns s quoted for an error message, as %q quotes it, with at
// most its first 80 characters: a longer value is cut with an ellipsis
// ("xxxx…"). Messages about bad input quote values with it, so input is
// never echoed without bound.
func Quote(s string) string {
	n, i := 0, 0
	for i < len(s) && n < maxQuoted {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	if i == len(s) {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:i] + "…")
}

// Unwrap returns the underlying error.
func (e *InputError) Unwrap() error { return e.Err }

// NewInputError returns an InputError for source and field with no known
// position.
func NewInputError(source, field string, err error) *InputError {
	return &InputError{Source: source, Offset: -1, Field: field, Err: err}
}

// IsInputError reports whether err is or wraps an *InputError.
func IsInputError(err error) bool {
	var ie *InputError
	return errors.As(err, &ie)
}
