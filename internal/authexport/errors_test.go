package authexport

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

// where is the part of an InputError that locates the problem.
type where struct {
	Source string
	Line   int
	Offset int64
	Field  string
}

func TestReadRoles_Errors(t *testing.T) {
	// r is a valid role without its closing brace, 56 bytes long. As the
	// first role of roleList it spans bytes 19 to 74, so a member appended
	// to it starts with its ',' at byte 75.
	const r = `{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/r"`
	if len(r) != 56 {
		t.Fatalf("len(r) = %d, offsets below assume 56", len(r))
	}
	tests := []struct {
		name    string
		in      string
		want    where
		wantMsg string
	}{
		// Not JSON, or not one JSON object.
		{name: "empty file", in: ``,
			want: where{Offset: -1}, wantMsg: "file is empty"},
		{name: "whitespace only", in: " \n\t\n",
			want: where{Offset: -1}, wantMsg: "file is empty"},
		{name: "not JSON", in: `RoleDetailList: []`,
			want: where{Offset: 0}, wantMsg: "invalid JSON: invalid character 'R'"},
		{name: "CSV credential report", in: "user,arn,user_creation_time\n",
			want: where{Offset: 0}, wantMsg: "invalid JSON"},
		{name: "array", in: `[{"RoleName":"r"}]`,
			want: where{Offset: 0}, wantMsg: "want a JSON object (the output of aws iam get-account-authorization-details), got a list"},
		{name: "array after whitespace", in: "\n  []",
			want: where{Offset: 3}, wantMsg: "got a list"},
		{name: "string", in: `"RoleDetailList"`,
			want: where{Offset: 0}, wantMsg: "got a string"},
		{name: "null", in: `null`,
			want: where{Offset: 0}, wantMsg: "got null"},
		{name: "list-roles output", in: `{"Roles": [{"RoleName":"r"}]}`,
			want: where{Offset: 0}, wantMsg: "not an authorization-details export: it has none of RoleDetailList"},
		{name: "get-role output after whitespace", in: ` {"Role": {"RoleName":"r"}}`,
			want: where{Offset: 1}, wantMsg: "not an authorization-details export"},
		{name: "empty object", in: `{}`,
			want: where{Offset: 0}, wantMsg: "not an authorization-details export"},
		{name: "lowercase key", in: `{"roleDetailList": []}`,
			want: where{Offset: 0}, wantMsg: "not an authorization-details export"},

		// Truncated: the offset is where the input ends.
		{name: "truncated in the role list", in: `{"RoleDetailList":[`,
			want: where{Offset: 19, Field: "RoleDetailList"}, wantMsg: "invalid JSON: file ends before the JSON is complete (truncated?)"},
		{name: "truncated in a role", in: `{"RoleDetailList":[{"RoleName":"r`,
			want: where{Offset: 33, Field: "RoleDetailList[0].RoleName"}, wantMsg: "truncated?"},
		{name: "truncated after a member name", in: `{"RoleDetailList":`,
			want: where{Offset: 18, Field: "RoleDetailList"}, wantMsg: "truncated?"},
		{name: "truncated before IsTruncated value", in: `{"RoleDetailList":[],"IsTruncated":`,
			want: where{Offset: 35, Field: "IsTruncated"}, wantMsg: "truncated?"},
		{name: "truncated after a user list", in: `{"UserDetailList":`,
			want: where{Offset: 18, Field: "UserDetailList"}, wantMsg: "truncated?"},
		{name: "missing closing brace", in: `{"RoleDetailList":[]`,
			want: where{Offset: 20}, wantMsg: "truncated?"},
		{name: "truncated in the users", in: `{"UserDetailList":[{"UserName":"u"`,
			want: where{Offset: 34, Field: "UserDetailList[0]"}, wantMsg: "truncated?"},

		// Invalid JSON inside.
		{name: "trailing comma", in: `{"RoleDetailList":[],}`,
			want: where{Offset: 20}, wantMsg: "invalid JSON: invalid character ','"},
		{name: "bare word for the role list", in: `{"RoleDetailList":roles}`,
			want: where{Offset: 18, Field: "RoleDetailList"}, wantMsg: "invalid JSON: invalid character 'r'"},
		{name: "bare word for the user list", in: `{"UserDetailList":users}`,
			want: where{Offset: 18, Field: "UserDetailList"}, wantMsg: "invalid JSON: invalid character 'u'"},
		{name: "capitalised True", in: `{"RoleDetailList":[],"IsTruncated":True}`,
			want: where{Offset: 35, Field: "IsTruncated"}, wantMsg: "invalid JSON: invalid character 'T'"},
		{name: "single quotes", in: `{'RoleDetailList':[]}`,
			want: where{Offset: 1}, wantMsg: "invalid JSON"},
		{name: "invalid UTF-8 in a name", in: roleList(`{"RoleName":"r` + "\xff" + `","Arn":"arn:aws:iam::123456789012:role/r"}`),
			want: where{Offset: 33, Field: "RoleDetailList[0].RoleName"}, wantMsg: "invalid JSON: invalid UTF-8"},

		// Data after the object.
		{name: "second object", in: `{"RoleDetailList":[]}{"RoleDetailList":[]}`,
			want: where{Offset: 21}, wantMsg: "unexpected data after the JSON object: want exactly one object"},
		{name: "text after the object", in: "{\"RoleDetailList\":[]}\n]\n",
			want: where{Offset: 21}, wantMsg: "unexpected data after the JSON object"},
		{name: "NUL after the object", in: "{\"RoleDetailList\":[]}\x00",
			want: where{Offset: 21}, wantMsg: "unexpected data after the JSON object"},

		// Wrong types at the top level.
		{name: "role list is an object", in: `{"RoleDetailList":{}}`,
			want: where{Offset: 18, Field: "RoleDetailList"}, wantMsg: "want a list, got an object"},
		{name: "role list is a string", in: `{"RoleDetailList": "[]"}`,
			want: where{Offset: 19, Field: "RoleDetailList"}, wantMsg: "want a list, got a string"},
		{name: "user list is a number", in: `{"UserDetailList":5}`,
			want: where{Offset: 18, Field: "UserDetailList"}, wantMsg: "want a list, got a number"},
		{name: "group list is an object", in: `{"RoleDetailList":[],"GroupDetailList":{}}`,
			want: where{Offset: 39, Field: "GroupDetailList"}, wantMsg: "want a list, got an object"},
		{name: "policies is a boolean", in: `{"Policies":true}`,
			want: where{Offset: 12, Field: "Policies"}, wantMsg: "want a list, got a boolean"},
		{name: "IsTruncated is a string", in: `{"RoleDetailList":[],"IsTruncated":"true"}`,
			want: where{Offset: 35, Field: "IsTruncated"}, wantMsg: "want true or false, got a string"},
		{name: "IsTruncated is a list", in: `{"RoleDetailList":[],"IsTruncated":[1,2]}`,
			want: where{Offset: 35, Field: "IsTruncated"}, wantMsg: "want true or false, got a list"},
		{name: "IsTruncated is an object", in: `{"RoleDetailList":[],"IsTruncated":{"a":1},"Marker":"m"}`,
			want: where{Offset: 35, Field: "IsTruncated"}, wantMsg: "want true or false, got an object"},

		// Wrong types inside a role: the offset is where the bad value starts.
		{name: "role is a number", in: `{"RoleDetailList":[5]}`,
			want: where{Offset: 19, Field: "RoleDetailList[0]"}, wantMsg: "number"},
		{name: "role is null", in: `{"RoleDetailList":[null]}`,
			want: where{Offset: 19, Field: "RoleDetailList[0]"}, wantMsg: "role has no RoleName"},
		{name: "RoleName is a number", in: roleList(r + `,"RoleName":5}`),
			want: where{Offset: 87, Field: "RoleDetailList[0].RoleName"}, wantMsg: "number"},
		{name: "Path is a list", in: roleList(r + `,"Path":["/"]}`),
			want: where{Offset: 83, Field: "RoleDetailList[0].Path"}, wantMsg: "a list"},
		{name: "Tags is an object", in: roleList(r + `,"Tags":{"Key":"k"}}`),
			want: where{Offset: 83, Field: "RoleDetailList[0].Tags"}, wantMsg: "object"},
		{name: "tag key is a number", in: roleList(r + `,"Tags":[{"Key":1,"Value":"v"}]}`),
			want: where{Offset: 91, Field: "RoleDetailList[0].Tags[0].Key"}, wantMsg: "number"},
		{name: "RoleLastUsed is a string", in: roleList(r + `,"RoleLastUsed":"2019-05-22T16:37:13Z"}`),
			want: where{Offset: 91, Field: "RoleDetailList[0].RoleLastUsed"}, wantMsg: "string"},
		{name: "attached policy ARN is a boolean", in: roleList(r + `,"AttachedManagedPolicies":[{"PolicyName":"p","PolicyArn":true}]}`),
			want: where{Offset: 133, Field: "RoleDetailList[0].AttachedManagedPolicies[0].PolicyArn"}, wantMsg: "boolean"},

		// Bad dates.
		{name: "date is a word", in: roleList(r + `,"CreateDate":"yesterday"}`),
			want: where{Offset: 89, Field: "RoleDetailList[0].CreateDate"}, wantMsg: `invalid timestamp "yesterday": want ISO 8601 such as 2019-05-22T16:37:13Z`},
		{name: "date without time", in: roleList(r + `,"CreateDate":"2019-05-22"}`),
			want: where{Offset: 89, Field: "RoleDetailList[0].CreateDate"}, wantMsg: `invalid timestamp "2019-05-22"`},
		{name: "date with bad month", in: roleList(r + `,"CreateDate":"2019-13-22T16:37:13Z"}`),
			want: where{Offset: 89, Field: "RoleDetailList[0].CreateDate"}, wantMsg: "invalid timestamp"},
		{name: "date is a boolean", in: roleList(r + `,"CreateDate":true}`),
			want: where{Offset: 89, Field: "RoleDetailList[0].CreateDate"}, wantMsg: "want a timestamp string, got a boolean"},
		{name: "date is an object", in: roleList(r + `,"CreateDate":{"$date":1}}`),
			want: where{Offset: 89, Field: "RoleDetailList[0].CreateDate"}, wantMsg: "want a timestamp string, got an object"},
		{name: "date is a list", in: roleList(r + `,"CreateDate":[2019,5,22]}`),
			want: where{Offset: 89, Field: "RoleDetailList[0].CreateDate"}, wantMsg: "want a timestamp string, got a list"},
		{name: "negative epoch", in: roleList(r + `,"CreateDate":-1}`),
			want: where{Offset: 89, Field: "RoleDetailList[0].CreateDate"}, wantMsg: "invalid timestamp -1: want epoch seconds"},
		{name: "epoch in milliseconds", in: roleList(r + `,"CreateDate":1558543033000}`),
			want: where{Offset: 89, Field: "RoleDetailList[0].CreateDate"}, wantMsg: "invalid timestamp 1558543033000: want epoch seconds"},
		{name: "epoch too large for float", in: roleList(r + `,"CreateDate":1e999}`),
			want: where{Offset: 89, Field: "RoleDetailList[0].CreateDate"}, wantMsg: "want epoch seconds"},
		{name: "bad last-used date", in: roleList(r + `,"RoleLastUsed":{"LastUsedDate":"x","Region":"us-east-1"}}`),
			want: where{Offset: 107, Field: "RoleDetailList[0].RoleLastUsed.LastUsedDate"}, wantMsg: `invalid timestamp "x"`},
		{name: "bad instance profile date", in: roleList(r + `,"InstanceProfileList":[{"InstanceProfileName":"p","CreateDate":"soon"}]}`),
			want: where{Offset: 139, Field: "RoleDetailList[0].InstanceProfileList[0].CreateDate"}, wantMsg: `invalid timestamp "soon"`},
		{name: "bad date in the second role", in: roleList(r+`}`, r+`,"CreateDate":"x"}`),
			want: where{Offset: 147, Field: "RoleDetailList[1].CreateDate"}, wantMsg: `invalid timestamp "x"`},

		// Roles that cannot be named: the offset is where the role starts.
		{name: "role without RoleName", in: roleList(`{"Arn":"arn:aws:iam::123456789012:role/r"}`),
			want: where{Offset: 19, Field: "RoleDetailList[0]"}, wantMsg: "role has no RoleName"},
		{name: "role with empty RoleName", in: roleList(`{"RoleName":"","Arn":"arn:aws:iam::123456789012:role/r"}`),
			want: where{Offset: 19, Field: "RoleDetailList[0]"}, wantMsg: "role has no RoleName"},
		{name: "role without Arn", in: roleList(`{"RoleName":"r"}`),
			want: where{Offset: 19, Field: "RoleDetailList[0]"}, wantMsg: "role r has no Arn"},
		{name: "Arn not an ARN", in: roleList(`{"RoleName":"r","Arn":"r"}`),
			want: where{Offset: 19, Field: "RoleDetailList[0]"}, wantMsg: `field Arn: invalid ARN "r"`},
		{name: "Arn with short account", in: roleList(`{"RoleName":"r","Arn":"arn:aws:iam::1234:role/r"}`),
			want: where{Offset: 19, Field: "RoleDetailList[0]"}, wantMsg: `account ID "1234" is not 12 digits`},
		{name: "Arn of a user", in: roleList(`{"RoleName":"r","Arn":"arn:aws:iam::123456789012:user/r"}`),
			want: where{Offset: 19, Field: "RoleDetailList[0]"}, wantMsg: "is not an IAM role ARN"},
		{name: "Arn without a name", in: roleList(`{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/a/"}`),
			want: where{Offset: 19, Field: "RoleDetailList[0]"}, wantMsg: "has no role name"},
		{name: "bad Arn in the third role, pretty-printed", in: "{\"RoleDetailList\": [\n  " + r + "},\n  " + strings.ReplaceAll(r, `r"`, `s"`) + "},\n  {\"RoleName\":\"x\",\"Arn\":\"x\"}\n]}",
			want: where{Offset: 145, Field: "RoleDetailList[2]"}, wantMsg: `invalid ARN "x"`},

		// Bad policy documents.
		{name: "policy document is a number", in: roleList(r + `,"AssumeRolePolicyDocument":5}`),
			want: where{Offset: 103, Field: "RoleDetailList[0].AssumeRolePolicyDocument"}, wantMsg: "want a policy document (an object or a URL-encoded string), got a number"},
		{name: "policy document with a bad escape", in: roleList(r + `,"AssumeRolePolicyDocument":"%7B%zz"}`),
			want: where{Offset: 103, Field: "RoleDetailList[0].AssumeRolePolicyDocument"}, wantMsg: `invalid URL escape "%zz"`},
		{name: "policy document string not JSON", in: roleList(r + `,"AssumeRolePolicyDocument":"hello"}`),
			want: where{Offset: 103, Field: "RoleDetailList[0].AssumeRolePolicyDocument"}, wantMsg: "invalid policy document"},
		{name: "inline policy with a bad action", in: roleList(r + `,"RolePolicyList":[{"PolicyName":"p","PolicyDocument":{"Statement":[{"Action":5}]}}]}`),
			want: where{Offset: 153, Field: "RoleDetailList[0].RolePolicyList[0].PolicyDocument.Statement[0].Action"}, wantMsg: "want a string or a list of strings"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			_, err := ReadRoles(t.Context(), strings.NewReader(tt.in), "export.json", func(iamsweep.Role) error {
				calls++
				return nil
			})
			ie, ok := err.(*iamsweep.InputError)
			if !ok {
				t.Fatalf("err = %#v (%v), want an *iamsweep.InputError", err, err)
			}
			tt.want.Source = "export.json"
			got := where{Source: ie.Source, Line: ie.Line, Offset: ie.Offset, Field: ie.Field}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("error location mismatch (-want +got):\n%s\nerror: %v", diff, err)
			}
			if ie.Err == nil || !strings.Contains(ie.Err.Error(), tt.wantMsg) {
				t.Errorf("error %q does not contain %q", ie.Err, tt.wantMsg)
			}
			if tt.want.Offset > int64(len(tt.in)) {
				t.Errorf("offset %d is past the end of the %d-byte input", tt.want.Offset, len(tt.in))
			}
		})
	}
}

// TestReadRoles_ErrorText shows whole messages as a user reads them.
func TestReadRoles_ErrorText(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "bad date",
			in:   roleList(minimalRole(`,"CreateDate":"yesterday"`)),
			want: `export.json: byte 89: RoleDetailList[0].CreateDate: invalid timestamp "yesterday": want ISO 8601 such as 2019-05-22T16:37:13Z`,
		},
		{
			name: "truncated",
			in:   `{"RoleDetailList":[`,
			want: `export.json: byte 19: RoleDetailList: invalid JSON: file ends before the JSON is complete (truncated?)`,
		},
		{
			name: "empty",
			in:   ``,
			want: `export.json: file is empty: want the JSON output of aws iam get-account-authorization-details`,
		},
		{
			name: "wrong list type",
			in:   `{"UserDetailList":5}`,
			want: `export.json: byte 18: UserDetailList: want a list, got a number`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := read(t.Context(), tt.in)
			if err == nil {
				t.Fatal("no error")
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error text:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

// TestReadRoles_ErrorAfterRoles checks that roles before the bad one are
// delivered and counted.
func TestReadRoles_ErrorAfterRoles(t *testing.T) {
	in := roleList(namedRole("a", ""), namedRole("b", ""), minimalRole(`,"CreateDate":"x"`))
	roles, sum, err := read(t.Context(), in)
	if !iamsweep.IsInputError(err) {
		t.Fatalf("err = %v, want an InputError", err)
	}
	if len(roles) != 2 || sum.Roles != 2 {
		t.Errorf("got %d roles, Summary.Roles %d; want 2 and 2", len(roles), sum.Roles)
	}
}

func TestReadRoles_BOM(t *testing.T) {
	// PowerShell 5's Out-File -Encoding utf8 and some Windows editors start a
	// UTF-8 file with a byte order mark. JSON (RFC 8259) forbids it, so the
	// export is rejected, with a message that says why and what to do.
	in := "\xef\xbb\xbf" + roleList(minimalRole(""))
	t.Run("file", func(t *testing.T) {
		_, err := ReadRoles(t.Context(), strings.NewReader(in), "export.json", func(iamsweep.Role) error { return nil })
		checkBOMError(t, err)
	})
	t.Run("bytes.Buffer", func(t *testing.T) {
		_, err := ReadRoles(t.Context(), bytes.NewBufferString(in), "export.json", func(iamsweep.Role) error { return nil })
		checkBOMError(t, err)
	})
	t.Run("one byte at a time", func(t *testing.T) {
		_, err := ReadRoles(t.Context(), iotest.OneByteReader(strings.NewReader(in)), "export.json", func(iamsweep.Role) error { return nil })
		checkBOMError(t, err)
	})
	t.Run("BOM alone", func(t *testing.T) {
		_, err := ReadRoles(t.Context(), strings.NewReader("\xef\xbb\xbf"), "export.json", func(iamsweep.Role) error { return nil })
		checkBOMError(t, err)
	})
	t.Run("BOM later in the file is a JSON error", func(t *testing.T) {
		_, _, err := read(t.Context(), "{\xef\xbb\xbf}")
		var ie *iamsweep.InputError
		if !errors.As(err, &ie) || ie.Offset != 1 || !strings.Contains(ie.Err.Error(), "invalid JSON") {
			t.Errorf("err = %v, want an invalid JSON error at byte 1", err)
		}
	})
}

func checkBOMError(t *testing.T, err error) {
	t.Helper()
	ie, ok := err.(*iamsweep.InputError)
	if !ok {
		t.Fatalf("err = %#v, want an *iamsweep.InputError", err)
	}
	if diff := cmp.Diff(where{Source: "export.json", Offset: 0}, where{Source: ie.Source, Line: ie.Line, Offset: ie.Offset, Field: ie.Field}); diff != "" {
		t.Errorf("error location mismatch (-want +got):\n%s", diff)
	}
	if msg := ie.Err.Error(); !strings.Contains(msg, "byte order mark") || !strings.Contains(msg, "without a BOM") {
		t.Errorf("message %q does not name the byte order mark and the fix", msg)
	}
}

func TestReadRoles_ReadError(t *testing.T) {
	diskErr := errors.New("input/output error")
	tests := []struct {
		name string
		r    func() *errAfter
	}{
		{name: "at the start", r: func() *errAfter { return &errAfter{err: diskErr} }},
		{name: "after two bytes", r: func() *errAfter { return &errAfter{data: []byte(`{"`), err: diskErr} }},
		{name: "in the middle", r: func() *errAfter { return &errAfter{data: []byte(roleList(minimalRole(""))[:40]), err: diskErr} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadRoles(t.Context(), tt.r(), "export.json", func(iamsweep.Role) error { return nil })
			if !errors.Is(err, diskErr) {
				t.Fatalf("err = %v, want it to wrap the read error", err)
			}
			if !strings.HasPrefix(err.Error(), "export.json") {
				t.Errorf("err = %q, want it to name the source", err)
			}
		})
	}
}

// errAfter returns data, then err on every later read.
type errAfter struct {
	data []byte
	err  error
}

func (r *errAfter) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := copy(p, r.data)
	r.data = r.data[n:]
	return n, nil
}

// TestRead_duplicates covers issue 9: a principal listed twice gave two
// verdicts and two plan actions. Both positions are named: the decoder
// gives byte offsets, not lines.
func TestRead_duplicates(t *testing.T) {
	user := func(name string) string {
		return `{"UserName":"` + name + `","Arn":"arn:aws:iam::123456789012:user/` + name + `"}`
	}
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"a role twice", roleList(namedRole("a", ""), namedRole("b", ""), namedRole("a", "")),
			`export.json: byte 135: RoleDetailList[2]: role "arn:aws:iam::123456789012:role/a" is also RoleDetailList[0] (byte 19): an export lists each role once (IAM role names are unique regardless of case and path)`},
		{"a role name in another case and path",
			roleList(namedRole("a", ""), `{"RoleName":"A","Arn":"arn:aws:iam::123456789012:role/x/A"}`),
			`export.json: byte 77: RoleDetailList[1]: role "arn:aws:iam::123456789012:role/x/A" is also RoleDetailList[0] (byte 19): an export lists each role once (IAM role names are unique regardless of case and path)`},
		{"a user twice", `{"UserDetailList":[` + user("u") + `,` + user("u") + `]}`,
			`export.json: byte 77: UserDetailList[1]: user "arn:aws:iam::123456789012:user/u" is also UserDetailList[0] (byte 19): an export lists each user once (IAM user names are unique regardless of case and path)`},
		{"a user twice across two lists", `{"UserDetailList":[` + user("u") + `],"RoleDetailList":[],"UserDetailList":[` + user("u") + `]}`,
			`export.json: byte 116: UserDetailList[0]: user "arn:aws:iam::123456789012:user/u" is also UserDetailList[0] (byte 19): an export lists each user once (IAM user names are unique regardless of case and path)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(t.Context(), strings.NewReader(tt.in), "export.json", Handlers{
				Role: func(iamsweep.Role) error { return nil },
				User: func(iamsweep.User) error { return nil },
			})
			if !iamsweep.IsInputError(err) {
				t.Fatalf("err = %v, want an *iamsweep.InputError", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error text:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
	t.Run("a role and a user of one name", func(t *testing.T) {
		in := `{"UserDetailList":[` + user("a") + `],"RoleDetailList":[` + namedRole("a", "") + `]}`
		if _, err := Read(t.Context(), strings.NewReader(in), "export.json", Handlers{
			Role: func(iamsweep.Role) error { return nil },
			User: func(iamsweep.User) error { return nil },
		}); err != nil {
			t.Errorf("err = %v, want none", err)
		}
	})
}
