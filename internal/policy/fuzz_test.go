package policy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var policySeeds = []string{
	`{}`,
	`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`,
	`{"Version":"2012-10-17","Statement":[{"Sid":"AllowS3Read","Effect":"Allow","Action":["s3:GetObject","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111111111111:root","222222222222"]},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"sts:ExternalId":"a+b%20c"},"Bool":{"aws:MultiFactorAuthPresent":true}}}]}`,
	`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":["repo:o/r:*"]},"StringEquals":{"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"}}}]}`,
	`{"Id":"x","Statement":[{"Effect":"Deny","Principal":"*","NotAction":"iam:*","NotResource":"*","Condition":{"NumericLessThan":{"aws:MultiFactorAuthAge":3600,"s3:max-keys":[1,2.5,-3e2]}}}]}`,
	`{"Statement":[{"NotPrincipal":{"AWS":null,"CanonicalUser":[]},"Condition":{"StringEquals":{"a":"1","a":"2"},"StringEquals":{"b":"3"}}}]}`,
	`{"Version":"2012-10-17","Unknown":[{"x":1}],"Statement":[{"Sid":"caf\u00e9","Extra":{},"Action":[]}],"Version":"2008-10-17"}`,
	`{"Statement":[{},"x"]}`,
	`{"Statement":[{"Principal":"arn:aws:iam::123456789012:root"}]}`,
	`{"Statement":[]}}`,
	`[]`,
}

func FuzzParse(f *testing.F) {
	for _, s := range policySeeds {
		f.Add([]byte(s))
	}
	if files, err := filepath.Glob("testdata/TestParse_golden/*.json"); err == nil {
		for _, name := range files {
			if data, err := os.ReadFile(name); err == nil {
				f.Add(data)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := Parse(data)
		if err != nil {
			return
		}
		printed := Marshal(d)
		if !json.Valid(printed) {
			t.Fatalf("Marshal produced invalid JSON %q from %q", printed, data)
		}
		got, err := Parse(printed)
		if err != nil {
			t.Fatalf("Parse(Marshal(d)) of %q (from %q): %v", printed, data, err)
		}
		if diff := cmp.Diff(d, got); diff != "" {
			t.Fatalf("Parse(Marshal(d)) mismatch (-want +got), printed %q from %q:\n%s", printed, data, diff)
		}
	})
}

// FuzzDecode checks that Decode never panics and that decoding the RFC 3986
// encoding of a document gives what parsing the document gives.
func FuzzDecode(f *testing.F) {
	for _, s := range policySeeds {
		f.Add(s)
		f.Add(rfc3986Encode(s))
	}
	f.Add(`%7B%zz`)
	f.Add(`%`)
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = Decode(s)
		want, err := Parse([]byte(s))
		if err != nil {
			return
		}
		got, err := Decode(rfc3986Encode(s))
		if err != nil {
			t.Fatalf("Decode(encoded %q): %v", s, err)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("Decode(encoded %q) mismatch (-Parse +Decode):\n%s", s, diff)
		}
	})
}
