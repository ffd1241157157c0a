package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/iamsweep/iamsweep"
)

// Parse parses a policy document given as JSON text. It accepts every shape
// IAM stores: "Statement" as one object or a list; Action, Resource and
// principal values as a single string or a list; condition values as
// strings, booleans or numbers, single or listed. Unknown elements are
// skipped; a repeated element keeps its last value, as IAM does.
func Parse(data []byte) (iamsweep.PolicyDocument, error) {
	dec := decoders.Get().(*jsontext.Decoder)
	defer decoders.Put(dec)
	dec.Reset(bytes.NewBuffer(data), jsontext.AllowDuplicateNames(true))
	doc, err := Read(dec)
	if err != nil {
		return doc, err
	}
	if dec.PeekKind() != 0 {
		return doc, fmt.Errorf("invalid policy document: unexpected data after the document at byte %d", dec.InputOffset())
	}
	return doc, nil
}

// decoders are reused: a scan parses several documents per principal.
var decoders = sync.Pool{New: func() any { return jsontext.NewDecoder(bytes.NewBuffer(nil)) }}

// Unescape returns the JSON text of a policy document as IAM's query APIs
// return it: URL-encoded (RFC 3986), which the AWS SDK for Go leaves as it
// is. It decodes exactly once, as url.PathUnescape does (a '+' stays a
// '+', as in botocore's decoding). Text that already starts with '{' is
// taken as JSON, so a document decoded upstream (the AWS CLI's output, or
// an emulator that does not encode) is not decoded twice.
func Unescape(text string) (string, error) {
	if strings.HasPrefix(strings.TrimLeft(text, " \t\r\n"), "{") {
		return text, nil
	}
	decoded, err := url.PathUnescape(text)
	if err != nil {
		return "", fmt.Errorf("URL-decode policy document: %w", err)
	}
	return decoded, nil
}

// Decode parses a policy document as IAM's query APIs return it (see
// Unescape).
func Decode(encoded string) (iamsweep.PolicyDocument, error) {
	text, err := Unescape(encoded)
	if err != nil {
		return iamsweep.PolicyDocument{}, err
	}
	return Parse([]byte(text))
}

// Read parses the policy document that is the next value of dec, in one
// pass over its tokens. Errors name the JSON path inside the document.
func Read(dec *jsontext.Decoder) (iamsweep.PolicyDocument, error) {
	r := reader{dec: dec, base: len(dec.StackPointer()), depth: dec.StackDepth()}
	doc, err := r.document()
	if err != nil {
		return doc, r.wrap(err)
	}
	return doc, nil
}

type reader struct {
	dec *jsontext.Decoder
	// base is the length of the decoder's JSON pointer where the document
	// starts, so errors name paths relative to the document.
	base int
	// depth is the decoder's stack depth where the document starts.
	depth int
	// at is the pointer of the value being read when an error occurred.
	at string
}

func (r *reader) wrap(err error) error {
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid policy document: %w", err)
	}
	where := r.at
	if where == "" {
		where = "/"
	}
	return fmt.Errorf("invalid policy document at %s: %w", where, err)
}

// fail records where the reader is and returns err.
func (r *reader) fail(err error) error {
	p := string(r.dec.StackPointer())
	if len(p) >= r.base {
		p = p[r.base:]
	}
	r.at = p
	return err
}

// failNext is fail for an error found by peeking at the next value, before
// reading it. Inside a list the decoder's pointer still names the list or
// its previous element, so the index of the next element is put in its
// place.
//
// Where a value must follow, anything but the start of a value (nothing,
// the end of a container, an invalid character) means the text is not
// JSON; the decoder's own error then says where and why.
func (r *reader) failNext(err error) error {
	switch r.dec.PeekKind() {
	case 'n', 'f', 't', '"', '0', '{', '[':
	default:
		if _, synErr := r.dec.ReadToken(); synErr != nil && !errors.Is(synErr, io.EOF) {
			return r.fail(synErr)
		}
	}
	err = r.fail(err)
	if r.dec.StackDepth() <= r.depth {
		return err
	}
	if kind, n := r.dec.StackIndex(r.dec.StackDepth()); kind == '[' {
		if i := strings.LastIndexByte(r.at, '/'); n > 0 && i >= 0 {
			r.at = r.at[:i]
		}
		r.at += "/" + strconv.FormatInt(n, 10)
	}
	return err
}

func (r *reader) token() (jsontext.Token, error) {
	tok, err := r.dec.ReadToken()
	if err != nil {
		return tok, r.fail(err)
	}
	return tok, nil
}

func (r *reader) expect(kind jsontext.Kind, what string) error {
	if k := r.dec.PeekKind(); k != kind {
		return r.failNext(fmt.Errorf("want %s, got %s", what, kindName(k)))
	}
	_, err := r.token()
	return err
}

func (r *reader) str() (string, error) {
	if k := r.dec.PeekKind(); k != '"' {
		return "", r.failNext(fmt.Errorf("want a string, got %s", kindName(k)))
	}
	tok, err := r.token()
	return tok.String(), err
}

func (r *reader) skip() error {
	if err := r.dec.SkipValue(); err != nil {
		return r.fail(err)
	}
	return nil
}

func (r *reader) document() (iamsweep.PolicyDocument, error) {
	var doc iamsweep.PolicyDocument
	if err := r.expect('{', "a policy document object"); err != nil {
		return doc, err
	}
	for r.dec.PeekKind() != '}' {
		name, err := r.str()
		if err != nil {
			return doc, err
		}
		switch name {
		case "Version":
			doc.Version, err = r.str()
		case "Id":
			doc.ID, err = r.str()
		case "Statement":
			doc.Statements, err = r.statements()
		default:
			err = r.skip()
		}
		if err != nil {
			return doc, err
		}
	}
	_, err := r.token()
	return doc, err
}

func (r *reader) statements() ([]iamsweep.Statement, error) {
	switch k := r.dec.PeekKind(); k {
	case 'n':
		_, err := r.token()
		return nil, err
	case '{':
		s, err := r.statement()
		if err != nil {
			return nil, err
		}
		return []iamsweep.Statement{s}, nil
	case '[':
		if _, err := r.token(); err != nil {
			return nil, err
		}
		out := make([]iamsweep.Statement, 0, 2)
		for r.dec.PeekKind() != ']' {
			s, err := r.statement()
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		_, err := r.token()
		return out, err
	default:
		return nil, r.failNext(fmt.Errorf("want an object or a list of statements, got %s", kindName(k)))
	}
}

func (r *reader) statement() (iamsweep.Statement, error) {
	var s iamsweep.Statement
	if err := r.expect('{', "a statement object"); err != nil {
		return s, err
	}
	for r.dec.PeekKind() != '}' {
		name, err := r.str()
		if err != nil {
			return s, err
		}
		switch name {
		case "Sid":
			s.Sid, err = r.str()
		case "Effect":
			s.Effect, err = r.str()
		case "Principal":
			s.Principal, err = r.principals()
		case "NotPrincipal":
			s.NotPrincipal, err = r.principals()
		case "Action":
			s.Actions, err = r.strings()
		case "NotAction":
			s.NotActions, err = r.strings()
		case "Resource":
			s.Resources, err = r.strings()
		case "NotResource":
			s.NotResources, err = r.strings()
		case "Condition":
			s.Conditions, err = r.conditions()
		default:
			err = r.skip()
		}
		if err != nil {
			return s, err
		}
	}
	_, err := r.token()
	return s, err
}

// strings reads a string or a list of strings; null gives nil.
func (r *reader) strings() ([]string, error) {
	switch k := r.dec.PeekKind(); k {
	case 'n':
		_, err := r.token()
		return nil, err
	case '"':
		tok, err := r.token()
		return []string{tok.String()}, err
	case '[':
		if _, err := r.token(); err != nil {
			return nil, err
		}
		out := make([]string, 0, 4)
		for r.dec.PeekKind() != ']' {
			s, err := r.str()
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		_, err := r.token()
		return out, err
	default:
		return nil, r.failNext(fmt.Errorf("want a string or a list of strings, got %s", kindName(k)))
	}
}

func (r *reader) principals() (*iamsweep.Principals, error) {
	switch k := r.dec.PeekKind(); k {
	case 'n':
		_, err := r.token()
		return nil, err
	case '"':
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		if s != "*" {
			return nil, r.fail(fmt.Errorf("a principal given as a string must be \"*\", got %s", iamsweep.Quote(s)))
		}
		return &iamsweep.Principals{Wildcard: true}, nil
	case '{':
		if _, err := r.token(); err != nil {
			return nil, err
		}
		p := &iamsweep.Principals{ByType: make(map[string][]string, 1)}
		for r.dec.PeekKind() != '}' {
			kind, err := r.str()
			if err != nil {
				return nil, err
			}
			vals, err := r.strings()
			if err != nil {
				return nil, err
			}
			p.ByType[kind] = vals
		}
		_, err := r.token()
		return p, err
	default:
		return nil, r.failNext(fmt.Errorf("want \"*\" or an object of principals, got %s", kindName(k)))
	}
}

func (r *reader) conditions() ([]iamsweep.Condition, error) {
	if r.dec.PeekKind() == 'n' {
		_, err := r.token()
		return nil, err
	}
	if err := r.expect('{', "an object of condition operators"); err != nil {
		return nil, err
	}
	var out []iamsweep.Condition
	for r.dec.PeekKind() != '}' {
		op, err := r.str()
		if err != nil {
			return nil, err
		}
		// A repeated operator keeps its last value, like any repeated element.
		out = slices.DeleteFunc(out, func(c iamsweep.Condition) bool { return c.Operator == op })
		if err := r.expect('{', "an object of condition keys"); err != nil {
			return nil, err
		}
		for r.dec.PeekKind() != '}' {
			key, err := r.str()
			if err != nil {
				return nil, err
			}
			vals, err := r.conditionValues()
			if err != nil {
				return nil, err
			}
			out = slices.DeleteFunc(out, func(c iamsweep.Condition) bool { return c.Operator == op && c.Key == key })
			out = append(out, iamsweep.Condition{Operator: op, Key: key, Values: vals})
		}
		if _, err := r.token(); err != nil {
			return nil, err
		}
	}
	if _, err := r.token(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Operator != out[j].Operator {
			return out[i].Operator < out[j].Operator
		}
		return out[i].Key < out[j].Key
	})
	return out, nil
}

// conditionValues reads a condition value: a string, boolean or number, or
// a list of them, each kept in its JSON text form.
func (r *reader) conditionValues() ([]string, error) {
	if r.dec.PeekKind() != '[' {
		s, err := r.scalar()
		if err != nil {
			return nil, err
		}
		return []string{s}, nil
	}
	if _, err := r.token(); err != nil {
		return nil, err
	}
	out := make([]string, 0, 2)
	for r.dec.PeekKind() != ']' {
		s, err := r.scalar()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	_, err := r.token()
	return out, err
}

func (r *reader) scalar() (string, error) {
	switch k := r.dec.PeekKind(); k {
	case '"', 't', 'f', '0':
		tok, err := r.token()
		return tok.String(), err
	default:
		return "", r.failNext(fmt.Errorf("want a string, boolean or number condition value, got %s", kindName(k)))
	}
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
	case ']', '}':
		return "the end of a container"
	default:
		return "nothing"
	}
}
