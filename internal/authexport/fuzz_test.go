package authexport

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
)

// FuzzReadRoles checks that no input makes ReadRoles panic, that every
// error it returns for bad input is an *iamsweep.InputError pointing inside
// the input, and that every role it yields has a name, an IAM role ARN and a
// path.
func FuzzReadRoles(f *testing.F) {
	// A realistic, pretty-printed export, kept small: the fuzzer minimizes
	// every new input, which on the 49 KB example takes most of a short run.
	var export bytes.Buffer
	if err := writeExport(&export, 1); err != nil {
		f.Fatal(err)
	}
	f.Add(export.Bytes())
	seeds := []string{
		``,
		`{}`,
		`[]`,
		"\xef\xbb\xbf{}",
		`{"RoleDetailList":[]}`,
		`{"RoleDetailList":null,"IsTruncated":true,"Marker":"m"}`,
		`{"UserDetailList":[{"UserName":"u"}],"GroupDetailList":[],"Policies":[]}`,
		roleList(minimalRole(`,"CreateDate":"2019-05-22T16:37:13+00:00","RoleLastUsed":{"LastUsedDate":1558543033,"Region":"us-east-1"}`)),
		roleList(minimalRole(`,"CreateDate":"2019-05-22 16:37:13","RoleLastUsed":{}`)),
		roleList(minimalRole(`,"AssumeRolePolicyDocument":"%7B%22Statement%22%3A%5B%5D%7D"`)),
		roleList(minimalRole(`,"AssumeRolePolicyDocument":` + trustDoc + `,"Tags":[{"Key":"k","Value":"v"}]`)),
		roleList(minimalRole(`,"InstanceProfileList":[{"InstanceProfileName":"p","Roles":[{"RoleName":"r"}]}]`)),
		roleList(minimalRole(`,"RolePolicyList":[{"PolicyName":"p","PolicyDocument":{"Statement":{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}}}]`)),
		roleList(`{"RoleName":"r","Arn":"arn:aws:iam::123456789012:role/a/b/r","PermissionsBoundary":{"PermissionsBoundaryArn":"x"}}`),
		`{"RoleDetailList":[{"RoleName":"r","Arn":"x"}]}`,
		`{"RoleDetailList":[` + "\n",
		`{"RoleDetailList":[]} {}`,
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		sum, err := ReadRoles(t.Context(), bytes.NewReader(data), "fuzz.json", func(r iamsweep.Role) error {
			n++
			if r.Name == "" {
				t.Errorf("role %d has no name", n)
			}
			arn, err := iamsweep.ParseARN(r.ARN)
			if err != nil {
				t.Errorf("role %q: ARN %q does not parse: %v", r.Name, r.ARN, err)
			} else if _, _, err := arn.IAMResource("role"); err != nil {
				t.Errorf("role %q: %v", r.Name, err)
			}
			if r.Path == "" {
				t.Errorf("role %q has no path", r.Name)
			}
			if r.Created.Location() != time.UTC || r.LastUsed.Time.Location() != time.UTC {
				t.Errorf("role %q: times %v, %v not in UTC", r.Name, r.Created, r.LastUsed.Time)
			}
			if r.LastUsed.Time.IsZero() && r.LastUsed.Region != "" {
				t.Errorf("role %q: region %q without a last-used time", r.Name, r.LastUsed.Region)
			}
			return nil
		})
		if sum.Roles != n {
			t.Errorf("Summary.Roles = %d, fn called %d times", sum.Roles, n)
		}
		if err == nil {
			return
		}
		ie, ok := err.(*iamsweep.InputError)
		if !ok {
			t.Fatalf("error %v is a %T, want *iamsweep.InputError", err, err)
		}
		if ie.Source != "fuzz.json" || ie.Err == nil {
			t.Errorf("InputError %#v lacks its source or cause", ie)
		}
		if ie.Offset < -1 || ie.Offset > int64(len(data)) {
			t.Errorf("offset %d outside the %d-byte input: %v", ie.Offset, len(data), err)
		}
		if msg := err.Error(); strings.TrimSpace(msg) == "" {
			t.Errorf("empty error message")
		}
	})
}
