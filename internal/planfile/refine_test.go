package planfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

const (
	s3Doc      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`
	s3ReadDoc  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	sharedARN  = "arn:aws:iam::111122223333:policy/shared-s3"
	refinedFor = "shared-s3-app-refined"
)

func refinePlan() iamsweep.Plan {
	p := samplePlan()
	arn := "arn:aws:iam::111122223333:role/app"
	p.Actions = append(p.Actions, iamsweep.Action{
		ID: "a003", Kind: iamsweep.ActionRefine, Principal: "role", AccountID: "111122223333", ARN: arn, Name: "app", Path: "/",
		Changes: []iamsweep.PolicyChange{
			{Policy: sharedARN, Document: s3Doc, Refined: s3ReadDoc, RefinedName: refinedFor},
			{Policy: "inline-s3", Inline: true, Document: s3Doc, Refined: s3ReadDoc},
			{Policy: "inline-sqs", Inline: true, Document: s3Doc},
		},
		Finding: iamsweep.Finding{Type: iamsweep.TypeUnusedPermission, AccountID: "111122223333", ARN: arn, PrincipalID: "AROA3",
			Name: "app", Path: "/", Verdict: iamsweep.VerdictUnused, Reason: "3 of 3 policies narrowed"},
	})
	return p
}

// A refine action's policy changes survive the file and the store's
// compact form.
func TestRoundTrip_refine(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, refinePlan()); err != nil {
		t.Fatal(err)
	}
	got, err := Read(&buf, "plan.json")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(refinePlan(), got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	data, err := Marshal(refinePlan())
	if err != nil {
		t.Fatal(err)
	}
	if got, err = Parse(data, "stored"); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(refinePlan(), got); diff != "" {
		t.Errorf("compact round trip (-want +got):\n%s", diff)
	}
}

func TestRead_refineErrors(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, refinePlan()); err != nil {
		t.Fatal(err)
	}
	good := buf.String()
	tests := []struct{ name, in, field, msg string }{
		{"no changes", cut(t, good, `"changes": [`, `]
    }
  ]`), "actions[2].changes", "at least one policy change"},
		{"changes on a quarantine", strings.Replace(good, `"kind": "refine"`, `"kind": "quarantine"`, 1), "actions[2].changes", "only a refine action"},
		{"no policy", strings.Replace(good, `"policy": "inline-s3"`, `"policy": ""`, 1), "actions[2].changes[1].policy", "missing"},
		{"no refined name", strings.Replace(good, `"refined_name": "`+refinedFor+`"`, `"refined_name": ""`, 1), "actions[2].changes[0].refined_name", "missing"},
		{"refined name on a detachment", strings.Replace(good, `"policy": "inline-sqs",`, `"policy": "inline-sqs", "refined_name": "x",`, 1), "actions[2].changes[2].refined_name", "only a refined managed policy"},
		{"refine of a group", strings.Replace(good, `"kind": "refine",
      "principal": "role"`, `"kind": "refine",
      "principal": "group"`, 1), "actions[2].principal", "want role or user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.in == good {
				t.Fatal("the test's edit changed nothing")
			}
			_, err := Read(strings.NewReader(tt.in), "plan.json")
			var ie *iamsweep.InputError
			if !errors.As(err, &ie) {
				t.Fatalf("err = %v, want an InputError", err)
			}
			if ie.Field != tt.field || !strings.Contains(ie.Error(), tt.msg) {
				t.Errorf("err = %q (field %q), want field %q containing %q", ie, ie.Field, tt.field, tt.msg)
			}
		})
	}
}

// cut removes from s what lies between the first from and the next to
// (both kept), leaving an empty list.
func cut(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	j := strings.Index(s[i:], to)
	if i < 0 || j < 0 {
		t.Fatalf("no %q ... %q in the plan", from, to)
	}
	return s[:i+len(from)] + s[i+j:]
}
