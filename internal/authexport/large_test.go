package authexport

import (
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep"
)

// lazy reads head, then n bytes of fill repeated, then tail, making them as
// it is read: a huge input that never exists in memory.
type lazy struct {
	head, fill, tail string
	n                int64
	pos              int64
}

func (r *lazy) Read(p []byte) (int, error) {
	if len(r.fill) < 4096 {
		r.fill = strings.Repeat(r.fill, 4096/len(r.fill)+1) // the same stream, copied faster
	}
	h, n := int64(len(r.head)), r.n
	w := 0
	for w < len(p) {
		var k int
		switch pos := r.pos; {
		case pos < h:
			k = copy(p[w:], r.head[pos:])
		case pos < h+n:
			i := pos - h
			chunk := r.fill[i%int64(len(r.fill)):]
			if left := n - i; int64(len(chunk)) > left {
				chunk = chunk[:left]
			}
			k = copy(p[w:], chunk)
		case pos < h+n+int64(len(r.tail)):
			k = copy(p[w:], r.tail[pos-h-n:])
		default:
			if w == 0 {
				return 0, io.EOF
			}
			return w, nil
		}
		w += k
		r.pos += int64(k)
	}
	return w, nil
}

// allocated returns the bytes fn allocates.
func allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// maxAlloc bounds what reading any of the huge inputs below may allocate:
// a few times the longest token the decoder sees, whatever the input.
const maxAlloc = 12 << 20

// TestRead_hugeValues covers issue 9: a 1 GB string under an unknown key
// cost 3.1 GB of memory to skip, and a 1 GB timestamp gave a 1 GB error
// line and 7.3 GB of memory. Skipping streams, and a huge value where
// iamsweep reads one is an error that quotes a short excerpt, at a bounded
// cost.
func TestRead_hugeValues(t *testing.T) {
	// huge is well over maxAlloc: reading such a value whole would break
	// the bound.
	const huge = 32 << 20
	role := `{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/r"}`
	tests := []struct {
		name       string
		in         *lazy
		wantErr    string // "" for none
		wantOffset int64
	}{
		{name: "a string under an unknown key",
			in: &lazy{head: `{"Unknown": "`, fill: "x", n: huge, tail: `", "RoleDetailList": [` + role + `]}`}},
		{name: "a string under an unknown member of a role",
			in: &lazy{head: `{"RoleDetailList": [{"Description": "`, fill: "x", n: huge, tail: `", "RoleName":"r","Arn":"arn:aws:iam::123456789012:role/r"}]}`}},
		{name: "a number under an unknown key",
			in: &lazy{head: `{"Unknown": 1`, fill: "0", n: huge, tail: `, "RoleDetailList": [` + role + `]}`}},
		{name: "a string in the group list",
			in: &lazy{head: `{"GroupDetailList": [{"GroupName": "`, fill: "x", n: huge, tail: `"}], "RoleDetailList": [` + role + `]}`}},
		{name: "a string of escapes under an unknown key",
			in: &lazy{head: `{"Unknown": "`, fill: `\\\n\"\u00e9`, n: 16 << 20, tail: `", "RoleDetailList": [` + role + `]}`}},
		{name: "a role name",
			in:      &lazy{head: `{"RoleDetailList": [{"RoleName": "`, fill: "x", n: huge, tail: `"}]}`},
			wantErr: `export.json: byte 20: RoleDetailList[0].RoleName: a value of more than 1048576 bytes is longer than any IAM value (iamsweep reads at most 1048576): "` + strings.Repeat("x", 80) + `…"`},
		{name: "a tag value",
			in:      &lazy{head: `{"RoleDetailList": [{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/r","Tags":[{"Key":"k","Value":"`, fill: "v", n: 2 << 20, tail: `"}]}]}`},
			wantErr: `export.json: byte 20: RoleDetailList[0].Tags[0].Value: a value of more than 1048576 bytes is longer than any IAM value (iamsweep reads at most 1048576): "` + strings.Repeat("v", 80) + `…"`},
		{name: "a timestamp",
			in:      &lazy{head: `{"RoleDetailList": [{"RoleName":"r","CreateDate": "`, fill: "1", n: huge, tail: `"}]}`},
			wantErr: `export.json: byte 50: RoleDetailList[0].CreateDate: a value of ` + strconv.Itoa(huge) + ` bytes is longer than any IAM value (iamsweep reads at most 1048576): "` + strings.Repeat("1", 80) + `…"`},
		{name: "a timestamp of 1 MB",
			in:      &lazy{head: `{"RoleDetailList": [{"RoleName":"r","CreateDate": "`, fill: "1", n: 1_000_000, tail: `"}]}`},
			wantErr: `export.json: byte 50: RoleDetailList[0].CreateDate: invalid timestamp "` + strings.Repeat("1", 80) + `…": want ISO 8601 such as 2019-05-22T16:37:13Z`},
		{name: "a URL-encoded policy document",
			in:      &lazy{head: `{"RoleDetailList": [{"RoleName":"r","AssumeRolePolicyDocument": "`, fill: "%20", n: 3 * huge, tail: `"}]}`},
			wantErr: `export.json: byte 64: RoleDetailList[0].AssumeRolePolicyDocument: a value of ` + strconv.Itoa(3*huge) + ` bytes is longer than any IAM value (iamsweep reads at most 1048576): "` + strings.Repeat("%20", 26) + `%2…"`},
		{name: "a string in a policy document",
			in:      &lazy{head: `{"RoleDetailList": [{"RoleName":"r","AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Sid": "`, fill: "s", n: huge, tail: `", "Effect": "Allow", "Action": "*", "Resource": "*"}]}}]}`},
			wantErr: `RoleDetailList[0].AssumeRolePolicyDocument: policy document: a value of ` + strconv.Itoa(huge) + ` bytes is longer than any IAM value (iamsweep reads at most 1048576)`},
		{name: "a syntax error after a huge skipped string is placed in the input",
			in:      &lazy{head: `{"Unknown": "`, fill: "x", n: huge, tail: `", }`},
			wantErr: `invalid JSON: invalid character ','`, wantOffset: 13 + huge + 1}, // the comma, as in a short input
		{name: "deep nesting",
			in:      &lazy{head: `{"Unknown": `, fill: "[", n: 100_000, tail: ``},
			wantErr: `exceeded max depth`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var roles int
			var err error
			alloc := allocated(func() {
				_, err = ReadRoles(t.Context(), tt.in, "export.json", func(iamsweep.Role) error { roles++; return nil })
			})
			if alloc > maxAlloc {
				t.Errorf("read allocated %d MiB, want at most %d MiB", alloc>>20, maxAlloc>>20)
			}
			switch {
			case tt.wantErr == "" && (err != nil || roles != 1):
				t.Fatalf("err = %v, %d roles; want the role after the huge value", err, roles)
			case tt.wantErr == "":
				return
			case err == nil:
				t.Fatalf("no error, want %s", tt.wantErr)
			}
			msg := err.Error()
			if len(msg) > 400 {
				t.Errorf("error of %d bytes, want a short one: %.400s", len(msg), msg)
			}
			if !strings.Contains(msg, tt.wantErr) {
				t.Errorf("error:\n got %s\nwant %s", msg, tt.wantErr)
			}
			if ie, ok := err.(*iamsweep.InputError); !ok {
				t.Errorf("err is %T, want an *iamsweep.InputError", err)
			} else if tt.wantOffset != 0 && ie.Offset != tt.wantOffset {
				t.Errorf("offset %d, want %d", ie.Offset, tt.wantOffset)
			}
		})
	}
}
