package remediate_test

import (
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep/internal/policy"
	"github.com/iamsweep/iamsweep/internal/remediate"
)

// RefinedWithin accepts what refine writes (narrowed wildcards, listed
// actions, NotAction for "*") and refuses any widening.
func TestRefinedWithin(t *testing.T) {
	stmt := func(inner string) string {
		return `{"Version":"2012-10-17","Statement":[` + inner + `]}`
	}
	tests := []struct {
		name, before, after string
		ok                  bool
	}{
		{"listed action of a wildcard", stmt(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`), true},
		{"longer prefix", stmt(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"s3:GetObject*","Resource":"*"}`), true},
		{"case of IAM", stmt(`{"Effect":"Allow","Action":"S3:get*","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`), true},
		{"NotAction for star", stmt(`{"Effect":"Allow","Action":"*","Resource":"*"}`), stmt(`{"Effect":"Allow","NotAction":["sqs:*"],"Resource":"*"}`), true},
		{"more exclusions", stmt(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), stmt(`{"Effect":"Allow","NotAction":["iam:*","sqs:*"],"Resource":"*"}`), true},
		{"statement gone, Deny kept", stmt(`{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"iam:*","Resource":"*"}`), stmt(`{"Effect":"Deny","Action":"iam:*","Resource":"*"}`), true},
		{"a service wildcard narrowed", stmt(`{"Effect":"Allow","Action":"s*:Describe*","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":["s3:Describe*","sqs:DescribeQueue"],"Resource":"*"}`), true},
		{"a question mark", stmt(`{"Effect":"Allow","Action":"s3:?et*","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}`), true},
		{"a suffix wildcard is not a prefix", stmt(`{"Effect":"Allow","Action":"s3:*Object","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"s3:GetObject*","Resource":"*"}`), false},
		{"a star for a question mark", stmt(`{"Effect":"Allow","Action":"s3:?et","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"s3:*et","Resource":"*"}`), false},
		{"another service", stmt(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"s3:PutObject","Resource":"*"}`), false},
		{"a shorter prefix", stmt(`{"Effect":"Allow","Action":"s3:GetObject*","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"s3:Get*","Resource":"*"}`), false},
		{"a wider resource", stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"}`), stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`), false},
		{"fewer exclusions", stmt(`{"Effect":"Allow","NotAction":["iam:*","sqs:*"],"Resource":"*"}`), stmt(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), false},
		{"an excluded action", stmt(`{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"iam:PassRole","Resource":"*"}`), false},
		{"Allow from a Deny", stmt(`{"Effect":"Deny","Action":"s3:*","Resource":"*"},{"Effect":"Allow","Action":"sqs:*","Resource":"*"}`), stmt(`{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}`), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := policy.Parse([]byte(tt.before))
			if err != nil {
				t.Fatal(err)
			}
			a, err := policy.Parse([]byte(tt.after))
			if err != nil {
				t.Fatal(err)
			}
			why := remediate.RefinedWithin(b, a)
			if (why == "") != tt.ok {
				t.Errorf("RefinedWithin = %q, want ok %t", why, tt.ok)
			}
			if !tt.ok && !strings.HasPrefix(why, "statement ") {
				t.Errorf("RefinedWithin = %q: want it to name the statement", why)
			}
		})
	}
}
