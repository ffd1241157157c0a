package cli

import (
	"strings"
	"testing"
)

// TestRestore_onlyQuarantined: restore of a principal that was quarantined,
// never deleted, says it exists and points to release; it makes no call,
// lists no difference and exits 0.
func TestRestore_onlyQuarantined(t *testing.T) {
	s := newSession(t)
	s.scanAndPlan()
	if r := s.run("", "apply", "--yes", "--as-of", asOf); r.code != ExitOK {
		t.Fatalf("apply: exit %d, stderr %s", r.code, r.stderr)
	}
	arn := "arn:aws:iam::111122223333:role/legacy/old-etl-role"
	if !hasInline(s.role("old-etl-role"), "iamsweep-quarantine") {
		t.Fatal("old-etl-role is not quarantined")
	}
	before := countMutations(s.srv)
	r := s.run("", "restore", arn, "--yes")
	if r.code != ExitOK || countMutations(s.srv) != before {
		t.Fatalf("restore: exit %d, %d calls, stdout %s, stderr %s", r.code, countMutations(s.srv)-before, r.stdout, r.stderr)
	}
	for _, want := range []string{arn + " exists", "never deleted; nothing to restore", "iamsweep release " + arn} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("stdout does not say %q:\n%s", want, r.stdout)
		}
	}
	for _, not := range []string{"Restored ", "DIFFERS", "nothing to do: it already matches"} {
		if strings.Contains(r.stdout, not) {
			t.Errorf("stdout says %q:\n%s", not, r.stdout)
		}
	}
}
