package refs

import (
	"testing"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/policy"
)

const (
	acct   = "111122223333"
	etlARN = "arn:aws:iam::111122223333:role/jobs/nightly-etl"
)

func mustParse(t *testing.T, text string) *iamsweep.PolicyDocument {
	t.Helper()
	doc, err := policy.Parse([]byte(text))
	if err != nil {
		t.Fatalf("parse %s: %v", text, err)
	}
	return &doc
}

func etl() Target {
	return Target{ARN: etlARN, Kind: "role", AccountID: acct, Name: "nightly-etl"}
}

func TestMention_Matches(t *testing.T) {
	target := etl()
	target.ID = "AROAEXAMPLEETL0000001"
	tests := []struct {
		name   string
		policy string
		want   []string // the Match of every mention that names the target
	}{
		{"by ARN", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/jobs/nightly-etl"},"Action":"s3:GetObject"}}`, []string{"arn"}},
		{"by ARN without the path", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/nightly-etl"},"Action":"*"}}`, []string{"arn"}},
		{"by ARN in another case", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/Nightly-ETL"},"Action":"*"}}`, []string{"arn"}},
		{"by a session ARN", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:sts::111122223333:assumed-role/nightly-etl/s1"},"Action":"*"}}`, []string{"arn"}},
		{"another role's ARN", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/nightly-et"},"Action":"*"}}`, nil},
		{"the same name in another account", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::444455556666:role/nightly-etl"},"Action":"*"}}`, nil},
		{"a user of the same name", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/nightly-etl"},"Action":"*"}}`, nil},
		{"by unique ID", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEETL0000001"},"Action":"*"}}`, []string{"unique-id"}},
		{"another unique ID", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEOTHER00002"},"Action":"*"}}`, nil},
		{"the account root names no one", `{"Statement":{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::111122223333:root","111122223333"]},"Action":"*"}}`, nil},
		{"principal * alone names no one", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*"}}`, nil},
		{"principal * with aws:PrincipalArn equal", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/jobs/nightly-etl"}}}}`, []string{"condition"}},
		{"condition key in another case", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"*","Condition":{"ArnEquals":{"AWS:PrincipalARN":"arn:aws:iam::111122223333:role/jobs/nightly-etl"}}}}`, []string{"condition"}},
		{"ArnLike wildcard that matches", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/jobs/nightly-*"}}}}`, []string{"condition"}},
		{"ArnLike wildcard in the account part", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::*:role/jobs/nightly-etl"}}}}`, []string{"condition"}},
		{"ArnEquals takes wildcards too", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ArnEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/jobs/nightly-*"}}}}`, []string{"condition"}},
		{"ArnNotEquals with a wildcard", `{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"ArnNotEquals":{"aws:PrincipalArn":"arn:aws:iam::*:role/jobs/nightly-et?"}}}}`, []string{"condition"}},
		{"ArnLike of some of its sessions", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:sts::111122223333:assumed-role/nightly-etl/ci-*"}}}}`, []string{"condition"}},
		{"ArnLike of another role's sessions", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:sts::111122223333:assumed-role/nightly-et/*"}}}}`, nil},
		{"ArnLike wildcard that does not match", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ArnLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/batch/*"}}}}`, nil},
		{"StringLike with ?", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"ForAnyValue:StringLike":{"aws:PrincipalArn":["arn:aws:iam::111122223333:role/jobs/nightly-et?"]}}}}`, []string{"condition"}},
		{"StringLike is case-sensitive", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringLike":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/jobs/NIGHTLY-*"}}}}`, nil},
		{"aws:userid with a session wildcard", `{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"StringNotLike":{"aws:userid":["AROAEXAMPLEETL0000001:*","111122223333"]}}}}`, []string{"condition"}},
		{"aws:userid of some of its sessions", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringLike":{"aws:userid":"AROAEXAMPLEETL0000001:ci-*"}}}}`, []string{"condition"}},
		{"aws:userid of one of its sessions", `{"Statement":{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"aws:userid":"AROAEXAMPLEETL0000001:alice@example.com"}}}}`, []string{"condition"}},
		{"aws:userid of another role", `{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"StringNotLike":{"aws:userid":"AROAEXAMPLEOTHER00002:*"}}}}`, nil},
		{"Null on the key names no one", `{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"Null":{"aws:PrincipalArn":"true"}}}}`, nil},
		{"aws:SourceArn is a resource, not a caller", `{"Statement":{"Effect":"Allow","Principal":{"Service":"sns.amazonaws.com"},"Action":"*","Condition":{"ArnEquals":{"aws:SourceArn":"arn:aws:iam::111122223333:role/jobs/nightly-etl"}}}}`, nil},
		{"NotPrincipal", `{"Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/nightly-etl"},"Action":"*"}}`, []string{"not-principal"}},
		{"a wildcard principal ARN", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/jobs/*"},"Action":"*"}}`, []string{"wildcard"}},
		{"service principals are not roles", `{"Statement":{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}}`, nil},
		{"two statements", `{"Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:role/nightly-etl"},"Action":"*"},{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"aws:PrincipalArn":"arn:aws:iam::111122223333:role/nightly-etl"}}}]}`, []string{"arn", "condition"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, m := range Mentions(mustParse(t, tt.policy)) {
				if m.Matches(target) {
					got = append(got, m.Match)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("matches = %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("matches = %v, want %v", got, tt.want)
				}
			}
		})
	}
}

func TestMention_MatchesUserName(t *testing.T) {
	bob := Target{ARN: "arn:aws:iam::111122223333:user/dev/bob", Kind: "user", AccountID: acct, Name: "bob", ID: "AIDAEXAMPLEBOB0000001"}
	tests := []struct {
		name, policy string
		target       Target
		want         bool
	}{
		{"aws:username equal", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Condition":{"StringEquals":{"aws:username":"bob"}}}}`, bob, true},
		{"aws:username like", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Condition":{"StringLike":{"aws:username":"bo?"}}}}`, bob, true},
		{"aws:username of another user", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Condition":{"StringEquals":{"aws:username":"alice"}}}}`, bob, false},
		{"aws:username names no role", `{"Statement":{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:*","Condition":{"StringEquals":{"aws:username":"nightly-etl"}}}}`, etl(), false},
	}
	for _, tt := range tests {
		got := false
		for _, m := range Mentions(mustParse(t, tt.policy)) {
			got = got || m.Matches(tt.target)
		}
		if got != tt.want {
			t.Errorf("%s: matches = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestMention_MatchesWithoutID(t *testing.T) {
	target := etl()
	target.ID = ""
	for _, text := range []string{
		`{"Statement":{"Effect":"Allow","Principal":{"AWS":"AROAEXAMPLEETL0000001"},"Action":"*"}}`,
		`{"Statement":{"Effect":"Deny","Principal":"*","Action":"*","Condition":{"StringNotLike":{"aws:userid":"*:*"}}}}`,
	} {
		for _, m := range Mentions(mustParse(t, text)) {
			if m.Matches(target) {
				t.Errorf("%s: matches a target of unknown unique ID", text)
			}
		}
	}
}

func TestMention_BroadPattern(t *testing.T) {
	tests := []struct {
		value  string
		userID bool
		want   bool
	}{
		{"arn:aws:iam::111122223333:role/*", false, true},
		{"arn:aws:iam::111122223333:role/jobs/*", false, true},
		{"arn:aws:iam::111122223333:role/jobs/nightly-*", false, false},
		{"arn:aws:iam::111122223333:role/?*", false, true},
		{"arn:aws:sts::111122223333:assumed-role/nightly-etl/*", false, false},
		{"arn:aws:sts::111122223333:assumed-role/*/s1", false, true},
		{"AROAEXAMPLEETL0000001:*", true, false},
		{"AROA*:*", true, true},
	}
	for _, tt := range tests {
		m := Mention{Value: tt.value, pattern: true, userID: tt.userID}
		if got := m.BroadPattern(); got != tt.want {
			t.Errorf("BroadPattern(%s) = %v, want %v", tt.value, got, tt.want)
		}
	}
	if (Mention{Value: "arn:aws:iam::111122223333:role/x"}).BroadPattern() {
		t.Error("an exact ARN is a broad pattern")
	}
}

func TestGlob(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"*", "anything", true},
		{"a*", "a", true},
		{"a*c", "abbbc", true},
		{"a*c", "abbbd", false},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*a*b", "xaxxb", true},
		{"*a*b", "xaxxbx", false},
		{"**", "x", true},
		{"a", "A", false},
	}
	for _, tt := range tests {
		if got := glob(tt.pattern, tt.s); got != tt.want {
			t.Errorf("glob(%q, %q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

func TestArnGlob(t *testing.T) {
	tests := []struct {
		pattern, arn string
		want         bool
	}{
		{"arn:aws:iam::*:role/x", "arn:aws:iam::111122223333:role/x", true},
		// each part separately: a * does not reach across a colon
		{"arn:aws:iam:*:role/x", "arn:aws:iam::111122223333:role/x", false},
		{"arn:aws:iam::111122223333:role/*", "arn:aws:iam::111122223333:role/a/b", true},
		{"arn:aws:iam::111122223333:*", "arn:aws:iam::111122223333:role/a", true},
		{"arn:aws:iam::111122223333:role/*", "", false},
	}
	for _, tt := range tests {
		if got := arnGlob(tt.pattern, tt.arn); got != tt.want {
			t.Errorf("arnGlob(%q, %q) = %v, want %v", tt.pattern, tt.arn, got, tt.want)
		}
	}
}

func TestNewTarget(t *testing.T) {
	tests := []struct {
		arn     string
		want    Target
		wantErr bool
	}{
		{arn: etlARN, want: Target{ARN: etlARN, Kind: "role", AccountID: acct, Name: "nightly-etl"}},
		{arn: "arn:aws:iam::111122223333:user/ops/alice", want: Target{ARN: "arn:aws:iam::111122223333:user/ops/alice", Kind: "user", AccountID: acct, Name: "alice"}},
		{arn: "arn:aws:iam::111122223333:policy/x", wantErr: true},
		{arn: "arn:aws:s3:::bucket", wantErr: true},
		{arn: "nightly-etl", wantErr: true},
	}
	for _, tt := range tests {
		got, err := NewTarget(tt.arn)
		if (err != nil) != tt.wantErr {
			t.Errorf("NewTarget(%s) error = %v, want error %v", tt.arn, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("NewTarget(%s) = %+v, want %+v", tt.arn, got, tt.want)
		}
	}
}

func TestIsUniqueID(t *testing.T) {
	for v, want := range map[string]bool{
		"AROAEXAMPLEETL0000001":  true,
		"AIDAEXAMPLEUSER000001":  true,
		"AKIAEXAMPLEKEY0000001":  false, // an access key ID
		"AROAEXAMPLEETL000000":   false, // 20 characters
		"AROAEXAMPLEETL00000001": false, // 22
		"AROAexampleetl0000001":  false,
	} {
		if got := isUniqueID(v); got != want {
			t.Errorf("isUniqueID(%s) = %v, want %v", v, got, want)
		}
	}
}
