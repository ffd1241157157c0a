package authexport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/iamsweep/iamsweep"
)

// Summary describes an export after it has been read.
type Summary struct {
	// Roles is the number of roles read.
	Roles int
	// Truncated is true when the export says IsTruncated: it holds only the
	// first page(s) of a paginated listing, exported with --no-paginate or
	// --max-items.
	Truncated bool
}

// ReadRoles decodes the export in r and calls fn for every role, in file
// order. source names the input in errors. Malformed input yields an
// *iamsweep.InputError naming the byte offset and the JSON path of the
// problem; an error from fn is returned unchanged.
func ReadRoles(ctx context.Context, r io.Reader, source string, fn func(iamsweep.Role) error) (Summary, error) {
	var sum Summary
	if _, ok := r.(*bytes.Buffer); !ok {
		// The decoder reads 4 KiB at a time; batch the reads underneath it.
		r = bufio.NewReaderSize(r, 1<<20)
	}
	dec := jsontext.NewDecoder(r, jsontext.AllowDuplicateNames(true))
	fail := func(err error) (Summary, error) { return sum, inputError(source, dec, err) }

	tok, err := dec.ReadToken()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return sum, &iamsweep.InputError{Source: source, Offset: -1,
				Err: errors.New("file is empty: want the JSON output of aws iam get-account-authorization-details")}
		}
		return fail(err)
	}
	if tok.Kind() != '{' {
		return sum, &iamsweep.InputError{Source: source, Offset: 0,
			Err: fmt.Errorf("want a JSON object (the output of aws iam get-account-authorization-details), got %s", kindName(tok.Kind()))}
	}
	found := false
	for dec.PeekKind() != '}' {
		nameTok, err := dec.ReadToken()
		if err != nil {
			return fail(err)
		}
		name := nameTok.String()
		switch name {
		case "RoleDetailList":
			found = true
			n, err := readRoles(ctx, dec, source, fn)
			sum.Roles += n
			if err != nil {
				return sum, err
			}
		case "UserDetailList", "GroupDetailList", "Policies":
			found = true
			if k := dec.PeekKind(); k != '[' && k != 'n' {
				return fail(fmt.Errorf("%s: want a list, got %s", name, kindName(k)))
			}
			if err := dec.SkipValue(); err != nil {
				return fail(err)
			}
		case "IsTruncated":
			tok, err := dec.ReadToken()
			if err != nil {
				return fail(err)
			}
			sum.Truncated = tok.Kind() == 't'
		default:
			// Marker and members a newer CLI may add carry nothing we need.
			if err := dec.SkipValue(); err != nil {
				return fail(err)
			}
		}
	}
	if _, err := dec.ReadToken(); err != nil { // the closing '}'
		return fail(err)
	}
	if !found {
		return sum, &iamsweep.InputError{Source: source, Offset: 0,
			Err: errors.New("not an authorization-details export: it has none of RoleDetailList, UserDetailList, GroupDetailList, Policies (want the output of aws iam get-account-authorization-details)")}
	}
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return sum, &iamsweep.InputError{Source: source, Offset: dec.InputOffset(),
			Err: errors.New("unexpected data after the JSON object: want exactly one object, as the AWS CLI prints it")}
	}
	return sum, nil
}

func readRoles(ctx context.Context, dec *jsontext.Decoder, source string, fn func(iamsweep.Role) error) (int, error) {
	switch dec.PeekKind() {
	case 'n':
		_, err := dec.ReadToken()
		return 0, inputError(source, dec, err)
	case '[':
	default:
		return 0, inputError(source, dec, fmt.Errorf("RoleDetailList: want a list, got %s", kindName(dec.PeekKind())))
	}
	if _, err := dec.ReadToken(); err != nil {
		return 0, inputError(source, dec, err)
	}
	n := 0
	var w wireRole
	for dec.PeekKind() != ']' {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		start := dec.InputOffset()
		w = wireRole{}
		if err := json.UnmarshalDecode(dec, &w); err != nil {
			return n, inputError(source, dec, err)
		}
		role, err := w.role()
		if err != nil {
			return n, &iamsweep.InputError{Source: source, Offset: start, Field: fmt.Sprintf("RoleDetailList[%d]", n), Err: err}
		}
		n++
		if err := fn(role); err != nil {
			return n, err
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return n, inputError(source, dec, err)
	}
	return n, nil
}

// inputError converts a decoding error into an *iamsweep.InputError with the
// byte offset and a readable JSON path.
func inputError(source string, dec *jsontext.Decoder, err error) error {
	if err == nil {
		return nil
	}
	ie := &iamsweep.InputError{Source: source, Offset: dec.InputOffset(), Err: err}
	var se *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &se):
		ie.Offset = se.ByteOffset
		ie.Field = readablePointer(string(se.JSONPointer))
		if se.Err != nil {
			ie.Err = se.Err
		} else {
			ie.Err = errors.New(strings.TrimPrefix(se.Error(), "json: "))
		}
	case errors.As(err, &syn):
		ie.Offset = syn.ByteOffset
		ie.Field = readablePointer(string(syn.JSONPointer))
		msg := syn.Err.Error()
		if errors.Is(syn.Err, io.ErrUnexpectedEOF) {
			msg = "file ends before the JSON is complete (truncated?)"
		}
		ie.Err = errors.New("invalid JSON: " + msg)
	case errors.Is(err, io.ErrUnexpectedEOF):
		ie.Err = errors.New("invalid JSON: file ends before the JSON is complete (truncated?)")
	}
	return ie
}

// readablePointer turns a JSON pointer ("/RoleDetailList/3/Tags/0/Key")
// into the path form users read ("RoleDetailList[3].Tags[0].Key").
func readablePointer(p string) string {
	if p == "" {
		return ""
	}
	var b strings.Builder
	for _, part := range strings.Split(strings.TrimPrefix(p, "/"), "/") {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		if _, err := strconv.Atoi(part); err == nil {
			b.WriteString("[" + part + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
	}
	return b.String()
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 'f', 't':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{':
		return "an object"
	case '[':
		return "a list"
	default:
		return "nothing"
	}
}
