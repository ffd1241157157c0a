package planfile

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func samplePlan() iamsweep.Plan {
	days := 120
	t0 := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	return iamsweep.Plan{
		ID: "p-20261123T000000Z", ScanID: 7, Created: t0, AsOf: t0, UnusedDays: 90,
		Actions: []iamsweep.Action{
			{
				ID: "a001", Kind: iamsweep.ActionQuarantine, Principal: "role", AccountID: "111122223333", AccountName: "prod",
				ARN: "arn:aws:iam::111122223333:role/app/ci", Name: "ci", Path: "/app/", Notes: []string{"reversible"},
				Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", AccountName: "prod",
					ARN: "arn:aws:iam::111122223333:role/app/ci", PrincipalID: "AROA1", Name: "ci", Path: "/app/",
					Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleLastUsed, Reason: "last used 120 days ago",
					Created: t0.AddDate(-1, 0, 0), LastUsed: iamsweep.Usage{Time: t0.AddDate(0, 0, -120), Region: "eu-west-1"},
					DaysUnused: &days, Tags: []iamsweep.Tag{{Key: "team", Value: "ops"}}},
			},
			{
				ID: "a002", Kind: iamsweep.ActionDeleteKey, Principal: "user", AccountID: "111122223333",
				ARN: "arn:aws:iam::111122223333:user/bob", Name: "bob", Path: "/", AccessKeyID: "AKIA1", Irreversible: true,
				Refused: "over the limit",
				Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey, AccountID: "111122223333",
					ARN: "arn:aws:iam::111122223333:user/bob", Name: "bob", Path: "/", Verdict: iamsweep.VerdictUnused,
					Rule: iamsweep.RuleNoRecordedUse, AccessKeyID: "AKIA1", KeySlot: 2},
			},
		},
	}
}

func TestRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, samplePlan()); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf, "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(samplePlan(), got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

func TestMarshal_readsAsTheFile(t *testing.T) {
	data, err := Marshal(samplePlan())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(data, []byte("\n")) {
		t.Errorf("Marshal is not compact:\n%s", data)
	}
	got, err := Parse(data, "stored")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(samplePlan(), got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
}

// A plan file written by iamsweep before plans named their scan
// (testdata/v1.json, written by that version's Write) reads as the same
// plan, without a scan ID.
func TestRead_formatV1(t *testing.T) {
	f, err := os.Open("testdata/v1.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := Read(f, "v1.json")
	if err != nil {
		t.Fatal(err)
	}
	want := samplePlan()
	want.ScanID = 0
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Read (-want +got):\n%s", diff)
	}
}

func TestRead_errors(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, samplePlan()); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct {
		name, in   string
		line       int
		field, msg string
	}{
		{"empty", "", 0, "", "empty or truncated"},
		{"not JSON", "{\n  oops", 2, "", "invalid JSON"},
		{"other format", strings.Replace(good, Format, "iamsweep-plan/v9", 1), 0, "format", "another version"},
		{"scan ID in a v1 plan", strings.Replace(good, Format, FormatV1, 1), 0, "scan_id", "not a field of iamsweep-plan/v1"},
		{"negative scan ID", strings.Replace(good, `"scan_id": 7`, `"scan_id": -7`, 1), 0, "scan_id", "want a scan ID"},
		{"unknown field", strings.Replace(good, `"unused_days"`, `"unused_dayz"`, 1), 0, "", "unknown field"},
		{"wrong type", strings.Replace(good, `"unused_days": 90`, `"unused_days": "90"`, 1), 7, "unused_days", "want a whole number, got a JSON string"},
		{"unknown action", strings.Replace(good, `"kind": "quarantine"`, `"kind": "nuke"`, 1), 0, "actions[0].kind", `unknown action "nuke"`},
		{"key action on a role", strings.Replace(good, `"principal": "user"`, `"principal": "role"`, 1), 0, "actions[1].principal", "acts on a user"},
		{"bad ARN", strings.Replace(good, `"arn": "arn:aws:iam::111122223333:role/app/ci"`, `"arn": "role/app/ci"`, 1), 0, "actions[0].arn", "invalid ARN"},
		{"edited name", strings.Replace(good, `"name": "ci"`, `"name": "prod-db"`, 1), 0, "actions[0].name", "not those of the ARN"},
		{"account mismatch", strings.Replace(good, `"account_id": "111122223333"`, `"account_id": "444455556666"`, 1), 0, "actions[0].account_id", "not the account"},
		{"repeated action", strings.Replace(good, `"id": "a002"`, `"id": "a001"`, 1), 0, "actions[1].id", "repeated"},
		{"trailing data", good + "{}", 0, "", "data after"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Read(strings.NewReader(tt.in), "plan.json")
			var ie *iamsweep.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an InputError", err)
			}
			if ie.Source != "plan.json" || ie.Field != tt.field || (tt.line != 0 && ie.Line != tt.line) || !strings.Contains(ie.Error(), tt.msg) {
				t.Errorf("err = %q (line %d, field %q), want line %d field %q containing %q", ie, ie.Line, ie.Field, tt.line, tt.field, tt.msg)
			}
		})
	}
}

func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	if err := Write(&buf, samplePlan()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.String())
	f.Add(`{"format":"iamsweep-plan/v1","id":"x","actions":[{}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		p, err := Read(strings.NewReader(in), "fuzz")
		if err != nil {
			var ie *iamsweep.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("error %v is not an InputError", err)
			}
			return
		}
		// What reads, writes and reads back the same.
		var out bytes.Buffer
		if err := Write(&out, p); err != nil {
			t.Fatal(err)
		}
		again, err := Read(&out, "again")
		if err != nil {
			t.Fatalf("re-reading a written plan: %v", err)
		}
		if diff := cmp.Diff(p, again); diff != "" {
			t.Errorf("not stable (-first +second):\n%s", diff)
		}
	})
}
