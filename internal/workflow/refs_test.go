package workflow

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/iamsweep/iamsweep"
)

// refsOf returns a ReferenceReader that answers refs and counts its
// calls; a1 is still run by a Lambda function, the others are not
// referenced.
func refsOf(calls *int, asked *[]string) ReferenceReader {
	return func(_ context.Context, arns []string) (map[string]iamsweep.PrincipalReferences, error) {
		*calls++
		*asked = append(*asked, arns...)
		out := map[string]iamsweep.PrincipalReferences{}
		for _, a := range arns {
			r := iamsweep.PrincipalReferences{ARN: a, Found: true}
			if strings.HasSuffix(a, "/a1") {
				r.References = []iamsweep.Reference{{Kind: iamsweep.RefLambdaFunction, ARN: "arn:aws:lambda:eu-west-1:111122223333:function:quarterly-etl",
					Region: "eu-west-1", Why: "Lambda function quarterly-etl uses this role", BlocksDelete: true}}
				r.NotChecked = []iamsweep.NotChecked{{Region: "us-east-1", Service: "kms key policies", Reason: "access denied: kms:ListKeys"}}
			}
			out[a] = r
		}
		return out, nil
	}
}

// quarantined tags the roles of the scan as the quarantine does.
func quarantined(e *env) {
	for i, f := range e.scan {
		if f.Type == iamsweep.TypeUnusedIAMRole && f.Verdict == iamsweep.VerdictUnused {
			e.scan[i].Tags = append(slices.Clone(f.Tags), iamsweep.Tag{Key: "iamsweep:quarantined-at", Value: "2026-12-15T09:00:00Z"})
		}
	}
}

func lastItem(t *testing.T, e *env, arn string) iamsweep.NoticeItem {
	t.Helper()
	for i := len(e.sender.sent) - 1; i >= 0; i-- {
		for _, it := range e.sender.sent[i].Items {
			if it.Finding.ARN == arn {
				return it
			}
		}
	}
	t.Fatalf("no notice about %s", arn)
	return iamsweep.NoticeItem{}
}

// TestRunner_references: the notices before and of a quarantine say what
// will break, the quarantine runs (it is reversible), the delete of the
// principal still referenced is refused, and the references are read
// once per run, for the unused roles and users only.
func TestRunner_references(t *testing.T) {
	e := newEnv()
	var calls int
	var asked []string
	e.runner.References = refsOf(&calls, &asked)
	a1 := finding("a1", "alice@example.com", day(-200), iamsweep.VerdictUnused)
	a2 := finding("a2", "alice@example.com", day(-200), iamsweep.VerdictUnused)
	used := finding("used", "alice@example.com", day(-1), iamsweep.VerdictUsed)
	key := iamsweep.Finding{Type: iamsweep.TypeUnusedIAMUserAccessKey, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/k",
		AccessKeyID: "AKIAEXAMPLE", Verdict: iamsweep.VerdictUnused}
	e.scan = []iamsweep.Finding{a1, a2, used, key}

	e.run(t)
	if calls != 1 || !slices.Equal(asked, []string{a1.ARN, a2.ARN}) {
		t.Fatalf("references read %d times for %v; want once for a1 and a2", calls, asked)
	}
	first := lastItem(t, e, a1.ARN)
	if !strings.Contains(first.Note, "Once it is quarantined, these stop working: Lambda function quarterly-etl uses this role (arn:aws:lambda:eu-west-1:111122223333:function:quarterly-etl in eu-west-1).") ||
		!strings.Contains(first.Note, "Not checked for references: kms key policies.") {
		t.Errorf("first notice of a1 says %q", first.Note)
	}
	if n := lastItem(t, e, a2.ARN).Note; n != "" {
		t.Errorf("a2, not referenced, has the note %q", n)
	}

	e.now = day(11)
	e.run(t)
	if w := lastItem(t, e, a1.ARN); w.Stage != iamsweep.StageQuarantineWarning || !strings.Contains(w.Note, "Once it is quarantined, these stop working: Lambda function quarterly-etl") {
		t.Errorf("quarantine warning = %+v", w)
	}

	e.now = day(14)
	sum := e.run(t)
	if sum.Quarantined != 2 {
		t.Fatalf("summary = %+v; want both quarantined (a quarantine is reversible)", sum)
	}
	q := lastItem(t, e, a1.ARN)
	if q.Stage != iamsweep.StageQuarantined || !strings.Contains(q.Note, "While it is quarantined, these stop working: Lambda function quarterly-etl") ||
		!strings.Contains(q.Note, "It stays quarantined: iamsweep will not delete it (still referenced: Lambda function quarterly-etl") || q.Next != "" {
		t.Errorf("quarantined notice of a1 = %+v", q)
	}
	if st := e.store.states[iamsweep.KeyOf(a1)]; st.Next != "" {
		t.Errorf("a1's state schedules %s on %s; want no delete", st.Next, st.NextAt)
	}
	if st := e.store.states[iamsweep.KeyOf(a2)]; st.Next != iamsweep.ActionDelete {
		t.Errorf("a2's state = %+v; want its delete scheduled", st)
	}

	quarantined(e)
	for _, d := range []int{41, 44} { // the delete's warning, then the delete
		e.now = day(d)
		e.run(t)
	}
	for _, a := range e.remedy.applied {
		if strings.HasPrefix(a, "delete "+a1.ARN+" ") {
			t.Errorf("deleted a1, still referenced: %v", e.remedy.applied)
		}
	}
	if !slices.ContainsFunc(e.remedy.applied, func(a string) bool { return strings.HasPrefix(a, "delete "+a2.ARN+" ") }) {
		t.Errorf("a2 not deleted: %v", e.remedy.applied)
	}
	if calls != 5 {
		t.Errorf("references read %d times in 5 runs; want once per run", calls)
	}
}

// TestRunner_references_deleteReferenced: a1 is referenced and one of
// its sources (kms key policies) was not checked. With DeleteReferenced
// (remediation.delete-referenced) alone its delete is still refused, for
// what was not checked; with DeleteUnchecked too it is scheduled and runs.
func TestRunner_references_deleteReferenced(t *testing.T) {
	for _, unchecked := range []bool{false, true} {
		e := newEnv()
		var calls int
		var asked []string
		e.runner.References = refsOf(&calls, &asked)
		e.runner.DeleteReferenced, e.runner.DeleteUnchecked = true, unchecked
		a1 := finding("a1", "alice@example.com", day(-200), iamsweep.VerdictUnused)
		e.scan = []iamsweep.Finding{a1}
		for _, d := range []int{0, 11, 14, 41, 44} {
			e.now = day(d)
			e.run(t)
			if d == 14 {
				quarantined(e)
			}
		}
		deleted := slices.ContainsFunc(e.remedy.applied, func(a string) bool { return strings.HasPrefix(a, "delete "+a1.ARN+" ") })
		if deleted != unchecked {
			t.Errorf("DeleteUnchecked %v: a1 deleted %v, want %v: %v", unchecked, deleted, unchecked, e.remedy.applied)
		}
		if !unchecked {
			if st := e.store.states[iamsweep.KeyOf(a1)]; st.Next != "" {
				t.Errorf("a1's state schedules %s on %s; want no delete, its references not all checked", st.Next, st.NextAt)
			}
		}
	}
}

// TestRunner_references_error: a run whose references cannot be read
// stops before deciding anything (it is tried again next run).
func TestRunner_references_error(t *testing.T) {
	e := newEnv()
	e.runner.References = func(context.Context, []string) (map[string]iamsweep.PrincipalReferences, error) {
		return nil, errors.New("no credentials")
	}
	e.scan = []iamsweep.Finding{finding("a1", "alice@example.com", day(-200), iamsweep.VerdictUnused)}
	if _, err := e.runner.RunOnce(t.Context()); err == nil || !strings.Contains(err.Error(), "no credentials") {
		t.Fatalf("RunOnce = %v; want the references' error", err)
	}
	if len(e.sender.sent) != 0 || len(e.store.states) != 0 {
		t.Errorf("sent %v, stored %v after the error", e.sender.sent, e.store.states)
	}
}
