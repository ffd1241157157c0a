package report

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

// marshalReference is what appendRecord must produce: encoding/json's
// indented output with HTML escaping off.
func marshalReference(t *testing.T, v any, prefix string) string {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return string(bytes.TrimRight(buf.Bytes(), "\n"))
}

func TestAppendFinding(t *testing.T) {
	n := func(v int) *int { return &v }
	tests := []iamsweep.Finding{
		{},
		{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", AccountName: "prod <main> & co", ARN: "arn:aws:iam::111122223333:role/a",
			PrincipalID: "AROA", Name: "=cmd|' /C calc'!A0", Path: "/odd\"path\\/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed,
			Reason: "line\nbreak\ttab\x01ctl \u2028sep\u2029 é 日本 \xff bad", Created: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC),
			LastUsed:   iamsweep.Usage{Time: time.Date(2021, 1, 1, 12, 30, 5, 999, time.FixedZone("x", 3600)), Region: "eu-west-1"},
			DaysUnused: n(123), AccessKeyID: "AKIA", KeySlot: 2},
		{Type: iamsweep.TypeUnusedIAMUser, DaysUnused: n(0), LastUsed: iamsweep.Usage{Time: time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for i, f := range tests {
		for _, prefix := range []string{"", "    "} {
			got := string(appendFinding(nil, f, prefix))
			if diff := cmp.Diff(marshalReference(t, NewRecord(f), prefix), got); diff != "" {
				t.Errorf("finding %d, prefix %q (-encoding/json +appendFinding):\n%s", i, prefix, diff)
			}
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "quote\" back\\slash", "\x00\x1f\x7f", "\u2028\u2029", "\xff\xfe", "日本語", "<&>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := marshalReference(t, s, "")
		if got := string(appendJSONString(nil, s)); got != want {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json gives %s", s, got, want)
		}
	})
}
