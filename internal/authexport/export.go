package authexport

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/iamsweep/iamsweep"
)

// Summary describes an export after it has been read.
type Summary struct {
	// Roles and Users are the numbers of roles and users read.
	Roles int
	Users int
	// Policies is the number of managed policies read (with a Policy
	// handler only).
	Policies int
	// Truncated is true when the export says IsTruncated: it holds only the
	// first page(s) of a paginated listing, exported with --no-paginate or
	// --max-items.
	Truncated bool
}

// Handlers receive the principals of an export as it is read. A nil
// handler skips its list (it is still checked to be a list).
type Handlers struct {
	Role func(iamsweep.Role) error
	User func(iamsweep.User) error
	// Policy receives the managed policies of the Policies list (customer
	// managed, and the AWS managed ones attached in the account), each with
	// its default version's document.
	Policy func(iamsweep.ManagedPolicy) error
}

// ReadRoles decodes the export in r and calls fn for every role, in file
// order. source names the input in errors. Malformed input yields an
// *iamsweep.InputError naming the byte offset and the JSON path of the
// problem; an error from fn is returned unchanged.
func ReadRoles(ctx context.Context, r io.Reader, source string, fn func(iamsweep.Role) error) (Summary, error) {
	return Read(ctx, r, source, Handlers{Role: fn})
}

// Read decodes the export in r in one pass and hands every role and user
// to h, in file order (the AWS CLI prints users before roles). Errors are
// as for ReadRoles.
func Read(ctx context.Context, r io.Reader, source string, h Handlers) (Summary, error) {
	var sum Summary
	var head []byte
	if buf, ok := r.(*bytes.Buffer); ok {
		head = buf.Bytes()
	} else {
		// The decoder reads 4 KiB at a time; batch the reads underneath it.
		br := bufio.NewReaderSize(r, 1<<20)
		r = br
		var err error
		head, err = br.Peek(len(utf8BOM))
		switch {
		case err == nil:
		case errors.Is(err, io.EOF):
			// Peek consumed the EOF, so the input is exactly head; do not
			// read r again (a terminal would wait for more).
			r = bytes.NewReader(head)
		default:
			return sum, &iamsweep.InputError{Source: source, Offset: 0, Err: err}
		}
	}
	if bytes.HasPrefix(head, utf8BOM) {
		return sum, &iamsweep.InputError{Source: source, Offset: 0,
			Err: errors.New("file starts with a UTF-8 byte order mark (BOM), which JSON does not allow: save it as UTF-8 without a BOM")}
	}
	lim := newLimiter(r)
	dec := jsontext.NewDecoder(lim, jsontext.AllowDuplicateNames(true))
	rd := &reader{dec: dec, lim: lim, source: source, opts: json.WithUnmarshalers(lim.unmarshalers())}
	fail := func(err error) (Summary, error) { return sum, rd.inputError(err) }

	if k := dec.PeekKind(); isValue(k) && k != '{' {
		return sum, &iamsweep.InputError{Source: source, Offset: rd.valueOffset(),
			Err: fmt.Errorf("want a JSON object (the output of aws iam get-account-authorization-details), got %s", kindName(k))}
	}
	start := rd.valueOffset()
	if _, err := dec.ReadToken(); err != nil {
		if errors.Is(err, io.EOF) {
			return sum, &iamsweep.InputError{Source: source, Offset: -1,
				Err: errors.New("file is empty: want the JSON output of aws iam get-account-authorization-details")}
		}
		return fail(err)
	}
	found := false
	var seen seen
	for dec.PeekKind() != '}' {
		nameTok, err := dec.ReadToken()
		if err != nil {
			return fail(err)
		}
		name := nameTok.String()
		switch name {
		case "RoleDetailList":
			found = true
			if h.Role == nil {
				if err := rd.skipList(name); err != nil {
					return sum, err
				}
				continue
			}
			n, err := readList(ctx, rd, name, (*wireRole).role, roleKey, &seen, h.Role)
			sum.Roles += n
			if err != nil {
				return sum, err
			}
		case "UserDetailList":
			found = true
			if h.User == nil {
				if err := rd.skipList(name); err != nil {
					return sum, err
				}
				continue
			}
			n, err := readList(ctx, rd, name, (*wireUser).user, userKey, &seen, h.User)
			sum.Users += n
			if err != nil {
				return sum, err
			}
		case "Policies":
			found = true
			if h.Policy == nil {
				if err := rd.skipList(name); err != nil {
					return sum, err
				}
				continue
			}
			n, err := readList(ctx, rd, name, (*wireManagedPolicy).policy, policyKey, &seen, h.Policy)
			sum.Policies += n
			if err != nil {
				return sum, err
			}
		case "GroupDetailList":
			found = true
			if err := rd.skipList(name); err != nil {
				return sum, err
			}
		case "IsTruncated":
			if k := dec.PeekKind(); isValue(k) && k != 't' && k != 'f' && k != 'n' {
				return sum, &iamsweep.InputError{Source: source, Offset: rd.valueOffset(), Field: name,
					Err: fmt.Errorf("want true or false, got %s", kindName(k))}
			}
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
		return sum, &iamsweep.InputError{Source: source, Offset: start,
			Err: errors.New("not an authorization-details export: it has none of RoleDetailList, UserDetailList, GroupDetailList, Policies (want the output of aws iam get-account-authorization-details)")}
	}
	end := lim.offset(dec.InputOffset())
	if _, err := dec.ReadToken(); !errors.Is(err, io.EOF) {
		return sum, &iamsweep.InputError{Source: source, Offset: end,
			Err: errors.New("unexpected data after the JSON object: want exactly one object, as the AWS CLI prints it")}
	}
	return sum, nil
}

// reader is the state of one Read: the decoder, the limiter underneath
// it, which converts its offsets into the input's, and the options that
// decode a role or user.
type reader struct {
	dec    *jsontext.Decoder
	lim    *limiter
	source string
	opts   json.Options
}

// skipList checks that the value of list is a list (or null) and skips it.
func (rd *reader) skipList(list string) error {
	if k := rd.dec.PeekKind(); isValue(k) && k != '[' && k != 'n' {
		return &iamsweep.InputError{Source: rd.source, Offset: rd.valueOffset(), Field: list,
			Err: fmt.Errorf("want a list, got %s", kindName(k))}
	}
	if err := rd.dec.SkipValue(); err != nil {
		return rd.inputError(err)
	}
	return nil
}

// position is where an element of a list was read.
type position struct {
	list   string
	index  int
	offset int64
}

func (p position) field() string { return fmt.Sprintf("%s[%d]", p.list, p.index) }

// seen holds the principals read so far, by key, to find one listed twice.
// It holds no more than it must: 50,000 roles are read in one pass.
type seen struct {
	at       map[iamsweep.PrincipalKey]position
	accounts map[string]string // one copy of each account ID
}

// add records the principal read at p, or returns the error that it was
// read before.
func (s *seen) add(kind, accountID, name, arn string, p position) error {
	if s.at == nil {
		s.at = map[iamsweep.PrincipalKey]position{}
		s.accounts = map[string]string{}
	}
	// An account ID is a slice of its ARN: keep a copy, not every ARN.
	acct, ok := s.accounts[accountID]
	if !ok {
		acct = strings.Clone(accountID)
		s.accounts[acct] = acct
	}
	key := iamsweep.NewPrincipalKey(acct, kind, name)
	if first, ok := s.at[key]; ok {
		return fmt.Errorf("%s %s is also %s (byte %d): an export lists each %s once (IAM %s names are unique regardless of case and path)",
			kind, iamsweep.Quote(arn), first.field(), first.offset, kind, kind)
	}
	s.at[key] = p
	return nil
}

func roleKey(r iamsweep.Role) (kind, accountID, name, arn string) {
	return "role", r.AccountID, r.Name, r.ARN
}

func policyKey(p iamsweep.ManagedPolicy) (kind, accountID, name, arn string) {
	a, _ := iamsweep.ParseARN(p.ARN) // checked by policy()
	return "policy", a.AccountID, p.Name, p.ARN
}

func userKey(u iamsweep.User) (kind, accountID, name, arn string) {
	return "user", u.AccountID, u.Name, u.ARN
}

// readList decodes the elements of list one at a time into a wire type W,
// converts each with conv and hands it to fn. An element that names a
// principal read before (see key and seen) is an error naming both.
func readList[W any, T any](ctx context.Context, rd *reader, list string,
	conv func(*W) (T, error), key func(T) (kind, accountID, name, arn string), seen *seen, fn func(T) error) (int, error) {
	dec := rd.dec
	switch k := dec.PeekKind(); {
	case k == 'n':
		_, err := dec.ReadToken()
		return 0, rd.inputError(err)
	case isValue(k) && k != '[':
		return 0, &iamsweep.InputError{Source: rd.source, Offset: rd.valueOffset(), Field: list,
			Err: fmt.Errorf("want a list, got %s", kindName(k))}
	}
	if _, err := dec.ReadToken(); err != nil {
		return 0, rd.inputError(err)
	}
	n := 0
	var w W
	var zero W
	for dec.PeekKind() != ']' {
		if n%256 == 0 {
			if err := ctx.Err(); err != nil {
				return n, err
			}
		}
		decoderStart := decoderOffset(dec)
		at := position{list: list, index: n, offset: rd.lim.offset(decoderStart)}
		w = zero
		if err := json.UnmarshalDecode(dec, &w, rd.opts); err != nil {
			return n, rd.inputError(err)
		}
		if _, ok := rd.lim.cutIn(decoderStart, dec.InputOffset()); ok {
			// A cut value is an error where a field reads it, not where the
			// decoder skipped it as a member iamsweep does not read.
			if path, value, ok := longString(reflect.ValueOf(&w), at.field(), int(rd.lim.max)); ok {
				return n, &iamsweep.InputError{Source: rd.source, Offset: at.offset, Field: path, Err: tooLong(0, value)}
			}
		}
		v, err := conv(&w)
		if err != nil {
			return n, &iamsweep.InputError{Source: rd.source, Offset: at.offset, Field: at.field(), Err: err}
		}
		kind, accountID, name, arn := key(v)
		if err := seen.add(kind, accountID, name, arn, at); err != nil {
			return n, &iamsweep.InputError{Source: rd.source, Offset: at.offset, Field: at.field(), Err: err}
		}
		n++
		if err := fn(v); err != nil {
			return n, err
		}
	}
	if _, err := dec.ReadToken(); err != nil {
		return n, rd.inputError(err)
	}
	return n, nil
}

// valueOffset returns the input offset of the value the decoder's
// PeekKind has just looked at.
func (rd *reader) valueOffset() int64 { return rd.lim.offset(decoderOffset(rd.dec)) }

// decoderOffset returns the decoder offset of the value dec.PeekKind has
// just looked at. InputOffset stops right after the previous token, before
// the whitespace and the ':' or ',' that lead to the value.
func decoderOffset(dec *jsontext.Decoder) int64 {
	rest := dec.UnreadBuffer()
	return dec.InputOffset() + int64(len(rest)-len(bytes.TrimLeft(rest, " \t\r\n:,")))
}

// isValue reports whether k, from PeekKind, starts a JSON value. At an
// invalid character PeekKind returns that byte, and 0 at an error or the end
// of the input; ReadToken or SkipValue then reports the problem itself.
func isValue(k jsontext.Kind) bool {
	switch k {
	case 'n', 'f', 't', '"', '0', '{', '[':
		return true
	}
	return false
}

// utf8BOM is the byte order mark some Windows editors and PowerShell's
// Out-File write at the start of a UTF-8 file.
var utf8BOM = []byte("\xef\xbb\xbf")

// inputError converts a decoding error into an *iamsweep.InputError with the
// input offset and a readable JSON path.
func (rd *reader) inputError(err error) error {
	if err == nil {
		return nil
	}
	ie := &iamsweep.InputError{Source: rd.source, Offset: rd.dec.InputOffset(), Err: err}
	var se *json.SemanticError
	var syn *jsontext.SyntacticError
	switch {
	case errors.As(err, &se):
		ie.Offset = se.ByteOffset
		ie.Field = readablePointer(string(se.JSONPointer))
		switch {
		case se.Err != nil:
			ie.Err = se.Err
		case se.JSONKind != 0 && se.GoType != nil:
			ie.Err = fmt.Errorf("want %s, got %s", goKind(se.GoType), kindName(se.JSONKind))
		default:
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
	ie.Offset = rd.lim.offset(ie.Offset) // the decoder's offsets are the limiter's output's
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

// goKind names what a Go type expects from JSON, in words.
func goKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map, reflect.Pointer:
		return "an object"
	default:
		return "another kind of value"
	}
}
