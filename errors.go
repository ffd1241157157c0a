package iamsweep

import (
	"errors"
	"fmt"
	"strings"
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
		b.WriteString(e.Field)
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	}
	return b.String()
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
