package iamsweep

import (
	"strings"
	"testing"
)

func FuzzParseARN(f *testing.F) {
	for _, s := range []string{
		"arn:aws:iam::123456789012:role/service-role/x",
		"arn:aws:iam::aws:policy/ReadOnlyAccess",
		"arn:aws-cn:iam::123456789012:user/u",
		"arn:aws:sqs:eu-west-1:123456789012:queue:x",
		"arn:aws:iam::123456789012:role/a/",
		"arn:aws:iam::123456789012:role/tëam/ü/a+b=c,d.e@f-g_h",
		"arn:aws:s3:::bucket/key",
		"arn:aws:iam::12345:role/x",
		"arn::iam::123456789012:role/x",
		"arn:aws:iam::123456789012:",
		"role/x",
		"",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := ParseARN(s)
		if err != nil {
			if a != (ARN{}) {
				t.Fatalf("ParseARN(%q) returned %+v with its error", s, a)
			}
			return
		}
		if got := a.String(); got != s {
			t.Fatalf("ParseARN(%q).String() = %q", s, got)
		}
		again, err := ParseARN(a.String())
		if err != nil || again != a {
			t.Fatalf("ParseARN(String()) = %+v, %v; want %+v", again, err, a)
		}
		if a.Partition == "" || a.Service == "" || a.Resource == "" {
			t.Fatalf("ParseARN(%q) = %+v with an empty part", s, a)
		}
		if a.AccountID != "" && a.AccountID != "aws" && !IsAccountID(a.AccountID) {
			t.Fatalf("ParseARN(%q) accepted account ID %q", s, a.AccountID)
		}
		if strings.Contains(a.Partition+a.Service+a.Region+a.AccountID, ":") {
			t.Fatalf("ParseARN(%q) = %+v: a colon before the resource", s, a)
		}
		path, name, err := a.IAMResource("role")
		if err != nil {
			return
		}
		if name == "" || !strings.HasPrefix(path, "/") || !strings.HasSuffix(path, "/") || strings.Contains(name, "/") {
			t.Fatalf("IAMResource of %q = %q, %q", s, path, name)
		}
		if got := "role" + JoinPathName(path, name); got != a.Resource {
			t.Fatalf("IAMResource of %q = %q, %q, which join to %q", s, path, name, got)
		}
	})
}
