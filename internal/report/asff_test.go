package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	goldenfile "github.com/iamsweep/iamsweep/internal/golden"
)

var asffAsOf = time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)

func days(n int) *int { return &n }

func asffOpts() ASFFOptions {
	return ASFFOptions{Region: "eu-west-1", AsOf: asffAsOf, UnusedDays: 90, OwnerTags: []string{"owner", "team"}}
}

// sampleFindings are one unused finding of each type, and a used and an
// exempt one.
func sampleFindings() []iamsweep.Finding {
	created := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	idle := time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC)
	return []iamsweep.Finding{
		{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", AccountName: "prod", ARN: "arn:aws:iam::111122223333:role/legacy/legacy-role",
			PrincipalID: "AROAEXAMPLEROLE", Name: "legacy-role", Path: "/legacy/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed,
			Reason: "last used 632 days ago in eu-west-1", Created: created, LastUsed: iamsweep.Usage{Time: idle, Region: "eu-west-1"}, DaysUnused: days(632),
			Tags: []iamsweep.Tag{{Key: "Team", Value: "payments"}, {Key: "cost-center", Value: "42"}}},
		{Type: iamsweep.TypeUnusedIAMUser, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/ci/deployer",
			PrincipalID: "AIDAEXAMPLEUSER", Name: "deployer", Path: "/ci/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed,
			Reason: "last used 200 days ago (access key 1)", Created: created, LastUsed: iamsweep.Usage{Time: asffAsOf.AddDate(0, 0, -200)}, DaysUnused: days(200)},
		{Type: iamsweep.TypeUnusedIAMUserPassword, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/alice",
			PrincipalID: "AIDAEXAMPLEALICE", Name: "alice", Path: "/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse,
			Reason: "no recorded sign-in since it was set 120 days ago", Created: asffAsOf.AddDate(0, 0, -120)},
		{Type: iamsweep.TypeUnusedIAMUserAccessKey, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/ci/deployer",
			PrincipalID: "AIDAEXAMPLEUSER", Name: "deployer", Path: "/ci/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed,
			Reason: "last used 200 days ago in us-east-1 (s3)", Created: created, LastUsed: iamsweep.Usage{Time: asffAsOf.AddDate(0, 0, -200), Region: "us-east-1"},
			DaysUnused: days(200), AccessKeyID: "AKIAEXAMPLEKEYWXYZ", KeySlot: 1},
		{Type: iamsweep.TypeRootAccessKey, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:root", Name: "<root_account>",
			Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse, Reason: "no recorded use since it was created 400 days ago; root access keys should not exist",
			Created: asffAsOf.AddDate(0, 0, -400), KeySlot: 2},
		{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/app/app-role", Name: "app-role", Path: "/app/",
			Verdict: iamsweep.VerdictUsed, Rule: iamsweep.RuleLastUsed, Reason: "last used 3 days ago"},
		{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/breakglass", Name: "breakglass", Path: "/",
			Verdict: iamsweep.VerdictExempt, Rule: iamsweep.RuleAllowlist, Reason: "role matches allowlist pattern /breakglass"},
	}
}

func TestNewASFF_golden(t *testing.T) {
	var buf bytes.Buffer
	w := NewASFF(&buf, ASFFOptions{Region: "eu-west-1", OwnerTags: []string{"owner", "team"}})
	if err := write(w, iamsweep.ScanResult{AsOf: asffAsOf, UnusedDays: 90, Findings: sampleFindings()}, Totals{}); err != nil {
		t.Fatal(err)
	}
	goldenfile.Check(t, "findings", buf.String())
	var out []map[string]any
	if err := json.Unmarshal(buf.Bytes(), &out); err != nil {
		t.Fatalf("not a JSON array: %v", err)
	}
	if len(out) != 5 {
		t.Errorf("%d findings, want the 5 unused ones", len(out))
	}

	buf.Reset()
	if err := write(NewASFF(&buf, ASFFOptions{Region: "eu-west-1"}), iamsweep.ScanResult{AsOf: asffAsOf, UnusedDays: 90}, Totals{}); err != nil {
		t.Fatal(err)
	}
	if buf.String() != "[]\n" {
		t.Errorf("no findings: %q, want an empty array", buf.String())
	}
}

func TestNewASFFFinding_required(t *testing.T) {
	for _, f := range sampleFindings()[:5] {
		a := NewASFFFinding(f, asffOpts())
		t.Run(string(f.Type), func(t *testing.T) {
			if a.SchemaVersion != "2018-10-08" || a.ID == "" || a.GeneratorID == "" || a.AwsAccountID != "111122223333" ||
				a.CreatedAt.IsZero() || a.UpdatedAt.IsZero() || a.Title == "" || a.Description == "" || len(a.Resources) != 1 {
				t.Errorf("a required field is missing: %+v", a)
			}
			if want := "arn:aws:securityhub:eu-west-1:111122223333:product/111122223333/default"; a.ProductARN != want {
				t.Errorf("ProductArn %q, want %q", a.ProductARN, want)
			}
			if !a.UpdatedAt.Equal(asffAsOf) || a.CreatedAt.After(a.UpdatedAt) {
				t.Errorf("CreatedAt %v, UpdatedAt %v: want UpdatedAt the evaluation time, CreatedAt not after it", a.CreatedAt, a.UpdatedAt)
			}
			if a.RecordState != ASFFActive || a.Compliance.Status != ASFFFailed {
				t.Errorf("RecordState %s, Compliance %s", a.RecordState, a.Compliance.Status)
			}
			if !strings.HasPrefix(a.Types[0], "Software and Configuration Checks/AWS Security Best Practices/") {
				t.Errorf("Types %v", a.Types)
			}
			if diff := cmp.Diff(a.Types, a.FindingProviderFields.Types); diff != "" || a.Severity != a.FindingProviderFields.Severity {
				t.Errorf("FindingProviderFields differ from the top-level fields: %+v", a.FindingProviderFields)
			}
			if !strings.Contains(a.Description, f.Reason) || !strings.Contains(a.Description, "Remedy: ") {
				t.Errorf("Description lacks the reason or the remedy: %q", a.Description)
			}
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			for _, field := range []string{"Workflow", "WorkflowState", "Note", "UserDefinedFields", "VerificationState"} {
				if bytes.Contains(b, []byte(`"`+field+`"`)) {
					t.Errorf("sets %s, which belongs to the customer", field)
				}
			}
		})
	}
}

func TestASFFID(t *testing.T) {
	long := strings.Repeat("p/", 250)
	tests := []struct {
		name string
		f    iamsweep.Finding
		want string
	}{
		{"role", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/a/b"},
			"iamsweep/UnusedIAMRole/arn:aws:iam::111122223333:role/a/b"},
		{"password", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserPassword, ARN: "arn:aws:iam::111122223333:user/alice"},
			"iamsweep/UnusedIAMUserPassword/arn:aws:iam::111122223333:user/alice"},
		{"key by ID", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey, ARN: "arn:aws:iam::111122223333:user/alice", AccessKeyID: "AKIAX", KeySlot: 2},
			"iamsweep/UnusedIAMUserAccessKey/arn:aws:iam::111122223333:user/alice/AKIAX"},
		{"key by slot", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey, ARN: "arn:aws:iam::111122223333:user/alice", KeySlot: 2},
			"iamsweep/UnusedIAMUserAccessKey/arn:aws:iam::111122223333:user/alice/slot-2"},
		{"root key", iamsweep.Finding{Type: iamsweep.TypeRootAccessKey, ARN: "arn:aws:iam::111122223333:root", KeySlot: 1},
			"iamsweep/RootAccessKey/arn:aws:iam::111122223333:root/slot-1"},
		{"too long: hashed", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/" + long + "r"},
			"iamsweep/UnusedIAMRole/111122223333/sha256/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ASFFID(tt.f)
			if strings.HasSuffix(tt.want, "/") {
				if !strings.HasPrefix(got, tt.want) || len(got) != len(tt.want)+64 {
					t.Errorf("ASFFID = %q, want %q and 64 hex digits", got, tt.want)
				}
			} else if got != tt.want {
				t.Errorf("ASFFID = %q, want %q", got, tt.want)
			}
			if len(got) > 512 {
				t.Errorf("Id of %d characters, over 512", len(got))
			}
			if got != ASFFID(tt.f) {
				t.Error("not stable")
			}
		})
	}
}

func TestASFFSeverityOf(t *testing.T) {
	at := func(d int) iamsweep.Usage { return iamsweep.Usage{Time: asffAsOf.AddDate(0, 0, -d)} }
	tests := []struct {
		name string
		f    iamsweep.Finding
		want ASFFSeverity
	}{
		{"91 days", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, LastUsed: at(91), DaysUnused: days(91)}, ASFFSeverity{SeverityLow, "91 days idle"}},
		{"180 days", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, LastUsed: at(180), DaysUnused: days(180)}, ASFFSeverity{SeverityLow, "180 days idle"}},
		{"181 days", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, LastUsed: at(181), DaysUnused: days(181)}, ASFFSeverity{SeverityMedium, "181 days idle"}},
		{"365 days", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey, LastUsed: at(365), DaysUnused: days(365)}, ASFFSeverity{SeverityMedium, "365 days idle"}},
		{"366 days", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey, LastUsed: at(366), DaysUnused: days(366)}, ASFFSeverity{SeverityHigh, "366 days idle"}},
		{"never used, created 400 days ago", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, Created: asffAsOf.AddDate(0, 0, -400)},
			ASFFSeverity{SeverityHigh, "400 days idle, never used"}},
		{"never used, creation unknown", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey}, ASFFSeverity{SeverityMedium, "age unknown"}},
		{"user without credentials", iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUser, Rule: iamsweep.RuleNoCredentials, Created: asffAsOf.AddDate(-3, 0, 0)},
			ASFFSeverity{SeverityLow, "1096 days idle, never used"}},
		{"active root key", iamsweep.Finding{Type: iamsweep.TypeRootAccessKey, Rule: iamsweep.RuleLastUsed, LastUsed: at(100), DaysUnused: days(100)},
			ASFFSeverity{SeverityCritical, "100 days idle"}},
		{"inactive root key", iamsweep.Finding{Type: iamsweep.TypeRootAccessKey, Rule: iamsweep.RuleInactiveKey, LastUsed: at(1000), DaysUnused: days(1000)},
			ASFFSeverity{SeverityMedium, "1000 days idle"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ASFFSeverityOf(tt.f, asffAsOf)); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}

func TestNewASFFFinding_limits(t *testing.T) {
	long := strings.Repeat("ü", 3000) // two bytes a character: cut by characters, never inside one
	f := sampleFindings()[0]
	f.Name = strings.Repeat("n", 64)
	f.Path = "/" + strings.Repeat("p/", 255)
	f.ARN = "arn:aws:iam::111122223333:role" + f.Path + f.Name
	f.Reason = long
	f.AccountName = strings.Repeat("a", 50)
	f.Tags = nil
	for i := range 60 {
		f.Tags = append(f.Tags, iamsweep.Tag{Key: strings.Repeat("k", 130) + string(rune('A'+i)), Value: strings.Repeat("v", 300)})
	}
	a := NewASFFFinding(f, asffOpts())
	for name, tt := range map[string]struct {
		s   string
		max int
	}{
		"Title":       {a.Title, 256},
		"Description": {a.Description, 1024},
		"Id":          {a.ID, 512},
		"Reason":      {a.ProductFields[FieldReason], 2048},
		"Remedy":      {a.Remediation.Recommendation.Text, 512},
		"Original":    {a.Severity.Original, 64},
	} {
		if n := utf8.RuneCountInString(tt.s); n > tt.max || !utf8.ValidString(tt.s) {
			t.Errorf("%s: %d characters (valid UTF-8 %v), want at most %d", name, n, utf8.ValidString(tt.s), tt.max)
		}
	}
	if !strings.HasSuffix(a.Description, remedy(f.Type)) {
		t.Errorf("the remedy was cut from the description: %q", a.Description[len(a.Description)-80:])
	}
	tags := a.Resources[0].Tags
	if len(tags) > 50 {
		t.Errorf("%d resource tags, want at most 50", len(tags))
	}
	for k, v := range tags {
		if utf8.RuneCountInString(k) > 128 || utf8.RuneCountInString(v) > 256 {
			t.Errorf("tag %q of %d/%d characters", k[:10], utf8.RuneCountInString(k), utf8.RuneCountInString(v))
		}
	}
	b, _ := json.Marshal(a)
	if len(b) > ASFFMaxFindingBytes {
		t.Errorf("the largest finding takes %d bytes, over %d", len(b), ASFFMaxFindingBytes)
	}
}

func TestCut(t *testing.T) {
	tests := []struct {
		s    string
		n    int
		want string
	}{
		{"abc", 3, "abc"},
		{"abcd", 3, "ab…"},
		{"ééé", 2, "é…"},
		{"abc", 0, ""},
		{"", 5, ""},
	}
	for _, tt := range tests {
		if got := cut(tt.s, tt.n); got != tt.want {
			t.Errorf("cut(%q, %d) = %q, want %q", tt.s, tt.n, got, tt.want)
		}
	}
}

func TestASFFFindingType(t *testing.T) {
	for _, tt := range []struct {
		gen  string
		want iamsweep.FindingType
		ok   bool
	}{
		{"iamsweep/UnusedIAMRole", iamsweep.TypeUnusedIAMRole, true},
		{"iamsweep/RootAccessKey", iamsweep.TypeRootAccessKey, true},
		{"iamsweep/Other", "Other", false},
		{"security-control/IAM.3", "", false},
	} {
		got, ok := ASFFFindingType(tt.gen)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ASFFFindingType(%q) = %q, %v; want %q, %v", tt.gen, got, ok, tt.want, tt.ok)
		}
	}
}
