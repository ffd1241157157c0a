package refine

import "testing"

func TestMatchAction(t *testing.T) {
	tests := []struct {
		pattern, action string
		want            bool
	}{
		{"s3:GetObject", "s3:GetObject", true},
		{"s3:getobject", "S3:GetObject", true},
		{"s3:Get*", "s3:GetObject", true},
		{"s3:Get*", "s3:PutObject", false},
		{"s3:Get*", "s3:Get", true},
		{"s3:*Object", "s3:GetObject", true},
		{"s3:*Object", "s3:GetObjectAcl", false},
		{"s3:Get*Acl", "s3:GetObjectAcl", true},
		{"s3:Get?bject", "s3:GetObject", true},
		{"s3:Get?bject", "s3:GetObbject", false},
		{"*", "ec2:RunInstances", true},
		{"*:*", "ec2:RunInstances", true},
		{"ec2:*", "ec2:RunInstances", true},
		{"ec2:*", "ec2messages:Send", false},
		{"ec2*:*", "ec2messages:Send", true},
		{"s3:*", "s3-object-lambda:GetObject", false},
		{"s3*", "s3-object-lambda:GetObject", true},
		{"", "", true},
		{"", "s3:Get", false},
		{"**a", "a", true},
		{"a*b*c", "aXbYbZc", true},
		{"a*b*c", "aXbYbZ", false},
	}
	for _, tt := range tests {
		if got := MatchAction(tt.pattern, tt.action); got != tt.want {
			t.Errorf("MatchAction(%q, %q) = %v, want %v", tt.pattern, tt.action, got, tt.want)
		}
	}
}

// FuzzMatchAction checks the matcher against a plain recursive
// definition of the glob language.
func FuzzMatchAction(f *testing.F) {
	for _, s := range [][2]string{{"s3:Get*", "s3:GetObject"}, {"*", "x"}, {"a?c*", "abcd"}, {"*a*a*a*", "aaaa"}, {"S3:get*", "s3:GETX"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, pattern, name string) {
		if len(pattern) > 30 || len(name) > 30 {
			return
		}
		if got, want := globFold(pattern, name), slowGlob(pattern, name); got != want {
			t.Fatalf("globFold(%q, %q) = %v, want %v", pattern, name, got, want)
		}
	})
}

func slowGlob(p, n string) bool {
	if p == "" {
		return n == ""
	}
	switch p[0] {
	case '*':
		for i := 0; i <= len(n); i++ {
			if slowGlob(p[1:], n[i:]) {
				return true
			}
		}
		return false
	case '?':
		return n != "" && slowGlob(p[1:], n[1:])
	default:
		return n != "" && lower(p[0]) == lower(n[0]) && slowGlob(p[1:], n[1:])
	}
}

func TestDefaultCatalog(t *testing.T) {
	c := DefaultCatalog()
	if len(c.Services()) < 300 {
		t.Fatalf("catalogue has %d services, want the full list", len(c.Services()))
	}
	for _, want := range []string{"s3:GetObject", "s3:PutBucketPolicy", "iam:PassRole", "ec2:DescribeInstances", "lambda:InvokeFunction"} {
		svc, name, _ := splitAction(want)
		names, ok := c.Actions(svc)
		found := false
		for _, n := range names {
			found = found || n == name
		}
		if !ok || !found {
			t.Errorf("catalogue lacks %s", want)
		}
	}
	if c.Source == "" {
		t.Error("catalogue names no source")
	}
}

func TestParseCatalog_errors(t *testing.T) {
	for _, text := range []string{"", "# only comments\n", "s3\n", "s3 Get*\n", "s3 A\ns3 B\n"} {
		if _, err := ParseCatalog(text); err == nil {
			t.Errorf("ParseCatalog(%q) succeeded", text)
		}
	}
}
