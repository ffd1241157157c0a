package policy

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/golden"
)

type (
	doc  = iamsweep.PolicyDocument
	stmt = iamsweep.Statement
	cond = iamsweep.Condition
)

func aws(arns ...string) *iamsweep.Principals {
	return &iamsweep.Principals{ByType: map[string][]string{"AWS": arns}}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want doc
	}{
		{
			name: "statement as a single object",
			in:   `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}}`,
			want: doc{Version: "2012-10-17", Statements: []stmt{{Effect: "Allow", Actions: []string{"s3:GetObject"}, Resources: []string{"*"}}}},
		},
		{
			name: "statement as a list",
			in: `{"Version":"2012-10-17","Statement":[
				{"Sid":"One","Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::b/*","arn:aws:s3:::b"]},
				{"Sid":"Two","Effect":"Deny","NotAction":"iam:*","NotResource":["arn:aws:iam::123456789012:role/x"]}]}`,
			want: doc{Version: "2012-10-17", Statements: []stmt{
				{Sid: "One", Effect: "Allow", Actions: []string{"s3:GetObject", "s3:PutObject"}, Resources: []string{"arn:aws:s3:::b/*", "arn:aws:s3:::b"}},
				{Sid: "Two", Effect: "Deny", NotActions: []string{"iam:*"}, NotResources: []string{"arn:aws:iam::123456789012:role/x"}},
			}},
		},
		{
			name: "empty statement list",
			in:   `{"Statement":[]}`,
			want: doc{Statements: []stmt{}},
		},
		{
			name: "no statement",
			in:   `{"Version":"2012-10-17"}`,
			want: doc{Version: "2012-10-17"},
		},
		{
			name: "null statement",
			in:   `{"Statement":null}`,
			want: doc{},
		},
		{
			name: "Id element",
			in:   `{"Id":"S3-Policy-1","Statement":[]}`,
			want: doc{ID: "S3-Policy-1", Statements: []stmt{}},
		},
		{
			name: "empty and null lists",
			in:   `{"Statement":{"Action":[],"Resource":null}}`,
			want: doc{Statements: []stmt{{Actions: []string{}}}},
		},
		{
			name: "wildcard principal",
			in:   `{"Statement":{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}}`,
			want: doc{Statements: []stmt{{Effect: "Allow", Principal: &iamsweep.Principals{Wildcard: true}, Actions: []string{"sts:AssumeRole"}}}},
		},
		{
			name: "AWS principal as a string",
			in:   `{"Statement":{"Principal":{"AWS":"arn:aws:iam::123456789012:root"}}}`,
			want: doc{Statements: []stmt{{Principal: aws("arn:aws:iam::123456789012:root")}}},
		},
		{
			name: "AWS wildcard inside an object is a value, not the wildcard",
			in:   `{"Statement":{"Principal":{"AWS":"*"}}}`,
			want: doc{Statements: []stmt{{Principal: aws("*")}}},
		},
		{
			name: "several principal types",
			in: `{"Statement":{"Principal":{"AWS":["arn:aws:iam::111111111111:root","222222222222"],
				"Service":"lambda.amazonaws.com","Federated":["cognito-identity.amazonaws.com"]}}}`,
			want: doc{Statements: []stmt{{Principal: &iamsweep.Principals{ByType: map[string][]string{
				"AWS":       {"arn:aws:iam::111111111111:root", "222222222222"},
				"Service":   {"lambda.amazonaws.com"},
				"Federated": {"cognito-identity.amazonaws.com"},
			}}}}},
		},
		{
			name: "empty principal object",
			in:   `{"Statement":{"Principal":{}}}`,
			want: doc{Statements: []stmt{{Principal: &iamsweep.Principals{ByType: map[string][]string{}}}}},
		},
		{
			name: "null principal value",
			in:   `{"Statement":{"Principal":{"AWS":null}}}`,
			want: doc{Statements: []stmt{{Principal: &iamsweep.Principals{ByType: map[string][]string{"AWS": nil}}}}},
		},
		{
			name: "null principal",
			in:   `{"Statement":{"Principal":null}}`,
			want: doc{Statements: []stmt{{}}},
		},
		{
			name: "NotPrincipal",
			in:   `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":["arn:aws:iam::123456789012:user/Bob"]},"Action":"s3:*"}}`,
			want: doc{Statements: []stmt{{Effect: "Deny", NotPrincipal: aws("arn:aws:iam::123456789012:user/Bob"), Actions: []string{"s3:*"}}}},
		},
		{
			name: "condition values of every type",
			in: `{"Statement":{"Condition":{
				"StringEquals":{"aws:PrincipalOrgID":"o-abc123"},
				"Bool":{"aws:SecureTransport":false,"aws:MultiFactorAuthPresent":true},
				"NumericLessThan":{"aws:MultiFactorAuthAge":3600},
				"ForAnyValue:StringLike":{"aws:TagKeys":["team-*","env",7,-1.5e3]}}}}`,
			want: doc{Statements: []stmt{{Conditions: []cond{
				{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}},
				{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"false"}},
				{Operator: "ForAnyValue:StringLike", Key: "aws:TagKeys", Values: []string{"team-*", "env", "7", "-1.5e3"}},
				{Operator: "NumericLessThan", Key: "aws:MultiFactorAuthAge", Values: []string{"3600"}},
				{Operator: "StringEquals", Key: "aws:PrincipalOrgID", Values: []string{"o-abc123"}},
			}}}},
		},
		{
			name: "condition operators and keys sorted",
			in:   `{"Statement":{"Condition":{"StringLike":{"z":"1","a":"2"},"Null":{"k":"true"},"ArnLike":{"aws:SourceArn":"arn:aws:sns:*"}}}}`,
			want: doc{Statements: []stmt{{Conditions: []cond{
				{Operator: "ArnLike", Key: "aws:SourceArn", Values: []string{"arn:aws:sns:*"}},
				{Operator: "Null", Key: "k", Values: []string{"true"}},
				{Operator: "StringLike", Key: "a", Values: []string{"2"}},
				{Operator: "StringLike", Key: "z", Values: []string{"1"}},
			}}}},
		},
		{
			name: "empty and null conditions",
			in:   `{"Statement":[{"Condition":{}},{"Condition":null},{"Condition":{"StringEquals":{}}},{"Condition":{"StringEquals":{"k":[]}}}]}`,
			want: doc{Statements: []stmt{{}, {}, {}, {Conditions: []cond{{Operator: "StringEquals", Key: "k", Values: []string{}}}}}},
		},
		{
			name: "unknown elements skipped",
			in: `{"Version":"2012-10-17","Comment":{"nested":[1,{"x":null}]},"Statement":{"Sid":"S","Extra":[true],
				"Effect":"Allow","Action":"s3:ListBucket","Foo":"bar"},"Tail":3}`,
			want: doc{Version: "2012-10-17", Statements: []stmt{{Sid: "S", Effect: "Allow", Actions: []string{"s3:ListBucket"}}}},
		},
		{
			name: "duplicate document elements: last wins",
			in:   `{"Version":"2008-10-17","Statement":{"Sid":"first"},"Version":"2012-10-17","Statement":[{"Sid":"second"}]}`,
			want: doc{Version: "2012-10-17", Statements: []stmt{{Sid: "second"}}},
		},
		{
			name: "duplicate statement elements: last wins",
			in:   `{"Statement":{"Effect":"Allow","Action":["a:A","a:B"],"Effect":"Deny","Action":"a:C","Principal":"*","Principal":{"AWS":"x"}}}`,
			want: doc{Statements: []stmt{{Effect: "Deny", Actions: []string{"a:C"}, Principal: aws("x")}}},
		},
		{
			name: "duplicate principal type: last wins",
			in:   `{"Statement":{"Principal":{"AWS":"first","AWS":["second","third"]}}}`,
			want: doc{Statements: []stmt{{Principal: aws("second", "third")}}},
		},
		{
			name: "duplicate condition key: last wins",
			in:   `{"Statement":{"Condition":{"StringEquals":{"a":"1","b":"x","a":"2"}}}}`,
			want: doc{Statements: []stmt{{Conditions: []cond{
				{Operator: "StringEquals", Key: "a", Values: []string{"2"}},
				{Operator: "StringEquals", Key: "b", Values: []string{"x"}},
			}}}},
		},
		{
			name: "duplicate condition operator: last wins",
			in:   `{"Statement":{"Condition":{"StringEquals":{"a":"1","b":"2"},"Bool":{"c":true},"StringEquals":{"d":"4"}}}}`,
			want: doc{Statements: []stmt{{Conditions: []cond{
				{Operator: "Bool", Key: "c", Values: []string{"true"}},
				{Operator: "StringEquals", Key: "d", Values: []string{"4"}},
			}}}},
		},
		{
			name: "escapes and unicode in strings",
			in:   `{"Statement":{"Sid":"caf\u00e9","Resource":"arn:aws:s3:::b/\"quoted\"/\\/tab\t/ü/+/%20"}}`,
			want: doc{Statements: []stmt{{Sid: "café", Resources: []string{"arn:aws:s3:::b/\"quoted\"/\\/tab\t/ü/+/%20"}}}},
		},
		{
			name: "surrounding white space",
			in:   " \n\t{\"Statement\":[]}\r\n ",
			want: doc{Statements: []stmt{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.in))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestParse_errors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "list document", in: `[]`, want: `invalid policy document at /: want a policy document object, got a list`},
		{name: "string document", in: `"{}"`, want: `invalid policy document at /: want a policy document object, got a string`},
		{name: "null document", in: `null`, want: `invalid policy document at /: want a policy document object, got null`},
		{name: "empty input", in: ``, want: `invalid policy document at /: want a policy document object, got nothing`},
		{name: "number version", in: `{"Version":2012}`, want: `invalid policy document at /Version: want a string, got a number`},
		{name: "object id", in: `{"Id":{}}`, want: `invalid policy document at /Id: want a string, got an object`},
		{name: "string statement", in: `{"Statement":"x"}`, want: `invalid policy document at /Statement: want an object or a list of statements, got a string`},
		{name: "first statement not an object", in: `{"Statement":["x"]}`, want: `invalid policy document at /Statement/0: want a statement object, got a string`},
		{name: "second statement not an object", in: `{"Statement":[{},3]}`, want: `invalid policy document at /Statement/1: want a statement object, got a number`},
		{name: "third statement not an object", in: `{"Statement":[{"Sid":"a"},{"Action":["x","y"]},[]]}`, want: `invalid policy document at /Statement/2: want a statement object, got a list`},
		{name: "string principal other than wildcard", in: `{"Statement":[{"Principal":"arn:aws:iam::123456789012:root"}]}`, want: `invalid policy document at /Statement/0/Principal: a principal given as a string must be "*", got "arn:aws:iam::123456789012:root"`},
		{name: "string principal in single statement", in: `{"Statement":{"Principal":"**"}}`, want: `invalid policy document at /Statement/Principal: a principal given as a string must be "*", got "**"`},
		{name: "string NotPrincipal", in: `{"Statement":[{},{"NotPrincipal":"x"}]}`, want: `invalid policy document at /Statement/1/NotPrincipal: a principal given as a string must be "*", got "x"`},
		{name: "list principal", in: `{"Statement":[{"Principal":["*"]}]}`, want: `invalid policy document at /Statement/0/Principal: want "*" or an object of principals, got a list`},
		{name: "number in principal list", in: `{"Statement":[{"Principal":{"AWS":["a",1]}}]}`, want: `invalid policy document at /Statement/0/Principal/AWS/1: want a string, got a number`},
		{name: "object principal value", in: `{"Statement":[{"Principal":{"Service":{}}}]}`, want: `invalid policy document at /Statement/0/Principal/Service: want a string or a list of strings, got an object`},
		{name: "number action", in: `{"Statement":[{"Action":3}]}`, want: `invalid policy document at /Statement/0/Action: want a string or a list of strings, got a number`},
		{name: "boolean in resource list", in: `{"Statement":[{"Resource":["a","b",true]}]}`, want: `invalid policy document at /Statement/0/Resource/2: want a string, got a boolean`},
		{name: "null in action list", in: `{"Statement":[{"NotAction":[null]}]}`, want: `invalid policy document at /Statement/0/NotAction/0: want a string, got null`},
		{name: "object NotResource", in: `{"Statement":[{"NotResource":{}}]}`, want: `invalid policy document at /Statement/0/NotResource: want a string or a list of strings, got an object`},
		{name: "number effect", in: `{"Statement":[{"Effect":1}]}`, want: `invalid policy document at /Statement/0/Effect: want a string, got a number`},
		{name: "null sid", in: `{"Statement":[{"Sid":null}]}`, want: `invalid policy document at /Statement/0/Sid: want a string, got null`},
		{name: "list condition", in: `{"Statement":[{"Condition":[]}]}`, want: `invalid policy document at /Statement/0/Condition: want an object of condition operators, got a list`},
		{name: "string condition operator value", in: `{"Statement":[{"Condition":{"Bool":"true"}}]}`, want: `invalid policy document at /Statement/0/Condition/Bool: want an object of condition keys, got a string`},
		{name: "object condition value", in: `{"Statement":[{"Condition":{"StringEquals":{"k":"a","j":{}}}}]}`, want: `invalid policy document at /Statement/0/Condition/StringEquals/j: want a string, boolean or number condition value, got an object`},
		{name: "null condition value", in: `{"Statement":[{"Condition":{"Null":{"k":null}}}]}`, want: `invalid policy document at /Statement/0/Condition/Null/k: want a string, boolean or number condition value, got null`},
		{name: "nested list condition value", in: `{"Statement":[{"Condition":{"StringLike":{"k":["a",["b"]]}}}]}`, want: `invalid policy document at /Statement/0/Condition/StringLike/k/1: want a string, boolean or number condition value, got a list`},
		{name: "slash in key escaped in path", in: `{"Statement":[{"Condition":{"StringEquals":{"aws:ResourceTag/team":{}}}}]}`, want: `invalid policy document at /Statement/0/Condition/StringEquals/aws:ResourceTag~1team: want a string, boolean or number condition value, got an object`},
		{name: "trailing object", in: `{"Statement":[]} {}`, want: `invalid policy document: unexpected data after the document at byte 16`},
		{name: "trailing garbage", in: `{"Statement":[]}x`, want: `invalid policy document: unexpected data after the document at byte 16`},
		{name: "trailing close brace", in: `{"Statement":[]}}`, want: `invalid policy document: unexpected data after the document at byte 16`},
		{name: "white space only", in: " \n", want: `invalid policy document at /: want a policy document object, got nothing`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			if err == nil {
				t.Fatalf("Parse(%s) succeeded, want error %q", tt.in, tt.want)
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Parse(%s) error mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

// TestParse_syntaxErrors checks that text that is not JSON is reported as
// such, with the decoder's *jsontext.SyntacticError (whose text names the
// byte offset), and not as a value of the wrong kind.
func TestParse_syntaxErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		offset string
	}{
		{name: "invalid character at the start", in: `%7B%22`, offset: ""},
		{name: "unquoted name", in: `{Statement:[]}`, offset: "after offset 1"},
		{name: "missing colon", in: `{"Statement" []}`, offset: "after offset 13"},
		{name: "trailing comma", in: `{"Statement":[],}`, offset: "after offset 15"},
		{name: "invalid UTF-8", in: "{\"Statement\":{\"Sid\":\"\xff\"}}", offset: "after offset 21"},
		{name: "invalid escape", in: `{"Statement":{"Sid":"\x"}}`, offset: "after offset 21"},
		{name: "mismatched bracket", in: `{"Statement":[{"Action":"a"}}`, offset: "after offset 28"},
		{name: "truncated after a value", in: `{"Statement":[{"Action":"a"`, offset: "after offset 27"},
		{name: "truncated in a list", in: `{"Statement":[{"Action":["a"`, offset: "after offset 28"},
		{name: "missing comma", in: `{"Statement":[{} {}]}`, offset: "after offset 17"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.in))
			var syn *jsontext.SyntacticError
			if !errors.As(err, &syn) {
				t.Fatalf("Parse(%s) error = %v, want a *jsontext.SyntacticError", tt.in, err)
			}
			const prefix = "invalid policy document: jsontext: "
			if msg := err.Error(); !strings.HasPrefix(msg, prefix) || !strings.HasSuffix(msg, tt.offset) {
				t.Errorf("Parse(%s) error = %q, want prefix %q and suffix %q", tt.in, msg, prefix, tt.offset)
			}
		})
	}
}

// TestParse_policyFile parses the scan policy the project ships, so the
// published document stays one the parser accepts and prints back the
// same. (Which actions it grants is internal/awsapi's test.)
func TestParse_policyFile(t *testing.T) {
	data, err := os.ReadFile("../../policies/iamsweep-scan.json")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	if len(got.Statements) == 0 || got.Version != "2012-10-17" {
		t.Errorf("parsed %+v, want a 2012-10-17 document with statements", got)
	}
	again, err := Parse(Marshal(got))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("Parse(Marshal) mismatch (-want +got):\n%s", diff)
	}
}

// TestParse_golden parses the inputs under testdata/TestParse_golden and
// compares its printed form with the .golden file beside it (-update
// rewrites it).
func TestParse_golden(t *testing.T) {
	tests := []struct {
		name string
		want doc
	}{
		{
			name: "trust-oidc",
			want: doc{Version: "2012-10-17", Statements: []stmt{{
				Effect:    "Allow",
				Principal: &iamsweep.Principals{ByType: map[string][]string{"Federated": {"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"}}},
				Actions:   []string{"sts:AssumeRoleWithWebIdentity"},
				Conditions: []cond{
					{Operator: "StringEquals", Key: "token.actions.githubusercontent.com:aud", Values: []string{"sts.amazonaws.com"}},
					{Operator: "StringLike", Key: "token.actions.githubusercontent.com:sub", Values: []string{"repo:octo-org/octo-repo:ref:refs/heads/main", "repo:octo-org/octo-repo:environment:prod"}},
				},
			}}},
		},
		{
			name: "s3-bucket",
			want: doc{Version: "2012-10-17", ID: "PolicyForBucket", Statements: []stmt{
				{
					Sid: "DenyInsecureTransport", Effect: "Deny", Principal: &iamsweep.Principals{Wildcard: true},
					Actions:    []string{"s3:*"},
					Resources:  []string{"arn:aws:s3:::example-bucket", "arn:aws:s3:::example-bucket/*"},
					Conditions: []cond{{Operator: "Bool", Key: "aws:SecureTransport", Values: []string{"false"}}},
				},
				{
					Sid: "AllowOrgRead", Effect: "Allow", Principal: aws("*"),
					Actions:   []string{"s3:GetObject", "s3:ListBucket"},
					Resources: []string{"arn:aws:s3:::example-bucket", "arn:aws:s3:::example-bucket/*"},
					Conditions: []cond{
						{Operator: "NumericLessThanEquals", Key: "aws:MultiFactorAuthAge", Values: []string{"3600"}},
						{Operator: "StringEquals", Key: "aws:PrincipalOrgID", Values: []string{"o-a1b2c3d4e5"}},
					},
				},
			}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := os.ReadFile("testdata/TestParse_golden/" + tt.name + ".json")
			if err != nil {
				t.Fatal(err)
			}
			got, err := Parse(in)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Parse mismatch (-want +got):\n%s", diff)
			}
			golden.Check(t, tt.name, string(Marshal(got))+"\n")
		})
	}
}

// TestRead reads documents embedded in a larger JSON value, as the export
// decoder does: the decoder goes on after the document, and error paths are
// relative to the document, not to the enclosing value.
func TestRead(t *testing.T) {
	in := `{"Roles":[{"Name":"a","Doc":{"Statement":{"Sid":"one"}}},{"Name":"b","Doc":{"Statement":[{},{"Principal":"x"}]}}]}`
	dec := jsontext.NewDecoder(strings.NewReader(in))
	var (
		got  []doc
		errs []string
	)
	for {
		tok, err := dec.ReadToken()
		if err != nil {
			t.Fatalf("ReadToken: %v", err)
		}
		if tok.Kind() == '"' && tok.String() == "Doc" {
			d, err := Read(dec)
			if err != nil {
				errs = append(errs, err.Error())
				break
			}
			got = append(got, d)
		}
	}
	if diff := cmp.Diff([]doc{{Statements: []stmt{{Sid: "one"}}}}, got); diff != "" {
		t.Errorf("documents mismatch (-want +got):\n%s", diff)
	}
	wantErrs := []string{`invalid policy document at /Statement/1/Principal: a principal given as a string must be "*", got "x"`}
	if diff := cmp.Diff(wantErrs, errs); diff != "" {
		t.Errorf("errors mismatch (-want +got):\n%s", diff)
	}
}

func TestRead_notAnObjectInList(t *testing.T) {
	// The document is the second element of a list; a wrong kind there is
	// reported at the document's root, not at an index of the outer list.
	dec := jsontext.NewDecoder(strings.NewReader(`[{"Statement":[]},"x"]`))
	if _, err := dec.ReadToken(); err != nil {
		t.Fatal(err)
	}
	d, err := Read(dec)
	if err != nil {
		t.Fatalf("Read first: %v", err)
	}
	if diff := cmp.Diff(doc{Statements: []stmt{}}, d); diff != "" {
		t.Errorf("first document mismatch (-want +got):\n%s", diff)
	}
	_, err = Read(dec)
	want := `invalid policy document at /: want a policy document object, got a string`
	if err == nil || err.Error() != want {
		t.Errorf("Read second error = %v, want %q", err, want)
	}
}

// rfc3986Encode percent-encodes every byte but the RFC 3986 unreserved
// characters, the way IAM encodes policy documents.
func rfc3986Encode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}

func TestRFC3986Encode(t *testing.T) {
	got := rfc3986Encode(`{"a":"b+c %20ü~"}`)
	want := `%7B%22a%22%3A%22b%2Bc%20%2520%C3%BC~%22%7D`
	if got != want {
		t.Errorf("rfc3986Encode = %q, want %q", got, want)
	}
}

func TestDecode(t *testing.T) {
	trust := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole",` +
		`"Condition":{"StringLike":{"aws:RequestTag/team":["a+b","x%20y","c d","100%"]}}}]}`
	wantTrust := doc{Version: "2012-10-17", Statements: []stmt{{
		Effect:     "Allow",
		Principal:  &iamsweep.Principals{ByType: map[string][]string{"Service": {"ec2.amazonaws.com"}}},
		Actions:    []string{"sts:AssumeRole"},
		Conditions: []cond{{Operator: "StringLike", Key: "aws:RequestTag/team", Values: []string{"a+b", "x%20y", "c d", "100%"}}},
	}}}
	tests := []struct {
		name string
		in   string
		want doc
	}{
		{name: "RFC 3986 encoded", in: rfc3986Encode(trust), want: wantTrust},
		{
			name: "plus left unencoded stays a plus",
			in:   `%7B%22Statement%22%3A%7B%22Sid%22%3A%22a+b%22%7D%7D`,
			want: doc{Statements: []stmt{{Sid: "a+b"}}},
		},
		{
			name: "lower-case hex digits",
			in:   `%7b%22Statement%22%3a%7b%22Sid%22%3a%22%c3%bc%22%7d%7d`,
			want: doc{Statements: []stmt{{Sid: "ü"}}},
		},
		{name: "plain JSON is not decoded", in: trust, want: wantTrust},
		{
			name: "plain JSON with escapes in values is not decoded",
			in:   `{"Statement":{"Sid":"%7B%41+"}}`,
			want: doc{Statements: []stmt{{Sid: "%7B%41+"}}},
		},
		{
			name: "plain JSON after white space",
			in:   " \r\n\t" + `{"Statement":{"Sid":"%41"}}`,
			want: doc{Statements: []stmt{{Sid: "%41"}}},
		},
		{
			name: "encoded white space before the document",
			in:   `%20%0A%7B%22Statement%22%3A%5B%5D%7D`,
			want: doc{Statements: []stmt{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode(tt.in)
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Decode mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecode_errors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
		// syntax is set when the decoded text is not JSON: the error is
		// the decoder's, and want is only its prefix.
		syntax bool
	}{
		{name: "bad hex digits", in: `%7B%zz%7D`, want: `URL-decode policy document: invalid URL escape "%zz"`},
		{name: "one hex digit at end", in: `%7B%7`, want: `URL-decode policy document: invalid URL escape "%7"`},
		{name: "percent at end", in: `%7B%22Statement%22%3A%5B%5D%7D%`, want: `URL-decode policy document: invalid URL escape "%"`},
		{name: "plus is not a hex digit", in: `%7B%+1`, want: `URL-decode policy document: invalid URL escape "%+1"`},
		{name: "decodes to a list", in: `%5B%5D`, want: `invalid policy document at /: want a policy document object, got a list`},
		{name: "empty", in: ``, want: `invalid policy document at /: want a policy document object, got nothing`},
		{name: "double encoded", in: rfc3986Encode(rfc3986Encode(`{"Statement":[]}`)), want: `invalid policy document: jsontext: `, syntax: true},
		{name: "encoded invalid JSON", in: `%7B%22Statement%22%7D`, want: `invalid policy document: jsontext: `, syntax: true},
		{name: "encoded principal error", in: rfc3986Encode(`{"Statement":[{"Principal":"x"}]}`), want: `invalid policy document at /Statement/0/Principal: a principal given as a string must be "*", got "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.in)
			if err == nil {
				t.Fatalf("Decode(%q) succeeded, want error %q", tt.in, tt.want)
			}
			if tt.syntax {
				var syn *jsontext.SyntacticError
				if !errors.As(err, &syn) || !strings.HasPrefix(err.Error(), tt.want) {
					t.Errorf("Decode(%q) error = %q, want a *jsontext.SyntacticError with prefix %q", tt.in, err, tt.want)
				}
				return
			}
			if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
				t.Errorf("Decode(%q) error mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}
