package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// editedPlan plans the session's findings with the default policy
// (quarantine) into a file, and returns a copy whose first action was
// turned into a delete, saved under a new plan ID, as someone editing the
// file by hand would, with the edited action's ID and role name.
func editedPlan(t *testing.T, s *session) (file, actionID, role string) {
	t.Helper()
	if r := s.run("", "scan", "--as-of", asOf); r.code != ExitUnused {
		t.Fatalf("scan: exit %d, stderr %s", r.code, r.stderr)
	}
	planned := filepath.Join(t.TempDir(), "plan.json")
	if r := s.run("", "plan", "--out", planned); r.code != ExitOK {
		t.Fatalf("plan: exit %d, stderr %s", r.code, r.stderr)
	}
	data, err := os.ReadFile(planned)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	doc["id"] = "p-edited"
	for _, a := range doc["actions"].([]any) {
		a := a.(map[string]any)
		if a["kind"] == "quarantine" && a["principal"] == "role" && a["refused"] == nil {
			a["kind"] = "delete"
			actionID, role = a["id"].(string), a["name"].(string)
			break
		}
	}
	if role == "" {
		t.Fatalf("no quarantine of a role to edit in %s", data)
	}
	out, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file = filepath.Join(t.TempDir(), "edited.json")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return file, actionID, role
}

// TestApply_policyBoundsAnEditedPlan: a plan file whose quarantine was
// edited into a delete is refused that action under a configuration that
// quarantines roles (the default), with the setting named, in apply's
// output; on a terminal the plan shown before the question says so too,
// and does not call the delete reversible.
func TestApply_policyBoundsAnEditedPlan(t *testing.T) {
	s := newSession(t)
	file, actionID, role := editedPlan(t, s)

	r := s.run("", "apply", file, "--yes", "--as-of", asOf, "-o", "json")
	if r.code != ExitOK {
		t.Fatalf("apply: exit %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	var doc struct {
		Outcomes []struct {
			ID, Kind, Status, Detail string
		} `json:"outcomes"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &doc); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, o := range doc.Outcomes {
		if o.ID != actionID {
			continue
		}
		found = true
		if o.Kind != "delete" || o.Status != "refused" || !strings.Contains(o.Detail, "remediation.roles: quarantine") {
			t.Errorf("edited action %s: %+v, want the delete refused naming remediation.roles: quarantine", actionID, o)
		}
	}
	if !found {
		t.Fatalf("no outcome for %s:\n%s", actionID, r.stdout)
	}
	if s.role(role) == nil {
		t.Fatalf("role %s was deleted", role)
	}
	if n := s.srv.CallCount("DeleteRole"); n != 0 {
		t.Errorf("%d DeleteRole calls", n)
	}

	// On a terminal: the plan shown refuses it, and answering no changes
	// nothing.
	s2 := newSession(t)
	file, actionID, _ = editedPlan(t, s2)
	r = s2.run("no\n", "apply", file, "--as-of", asOf)
	if r.code != ExitFailure || countMutations(s2.srv) != 0 {
		t.Fatalf("apply answered no: exit %d, %d mutations, stderr %s", r.code, countMutations(s2.srv), r.stderr)
	}
	var shown string
	for line := range strings.SplitSeq(r.stderr, "\n") {
		if strings.Contains(line, " "+actionID+" ") {
			shown = line
		}
	}
	if !strings.HasPrefix(strings.TrimSpace(shown), "x "+actionID+" delete role") {
		t.Errorf("the edited action is shown as %q, want it refused (x):\n%s", shown, r.stderr)
	}
	if !strings.Contains(r.stderr, "refused: delete does more than the remediation policy allows (remediation.roles: quarantine)") {
		t.Errorf("the plan shown does not name the setting:\n%s", r.stderr)
	}
	if strings.Contains(r.stderr, "This deletes") {
		t.Errorf("the question asks to confirm a deletion that will not run:\n%s", r.stderr)
	}
}

// TestApply_confirmationDescribesTheActionRun: where the configuration
// allows the edited delete, the plan shown describes a delete, not the
// quarantine the file's notes describe.
func TestApply_confirmationDescribesTheActionRun(t *testing.T) {
	s := newSession(t)
	file, _, _ := editedPlan(t, s)
	cfg := filepath.Join(t.TempDir(), "iamsweep.yaml")
	if err := os.WriteFile(cfg, []byte("remediation:\n  roles: delete\n  max-deletions-per-account: 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := s.run("nope\n", "apply", file, "--config", cfg, "--as-of", asOf)
	if r.code != ExitFailure || countMutations(s.srv) != 0 {
		t.Fatalf("apply answered nope: exit %d, %d mutations, stderr %s", r.code, countMutations(s.srv), r.stderr)
	}
	if !strings.Contains(r.stderr, "delete: a deleted role can be restored from its backup") {
		t.Errorf("the plan shown does not describe the delete:\n%s", r.stderr)
	}
	if !strings.Contains(r.stderr, "This deletes 1 item(s) in account "+exampleAccountID) {
		t.Errorf("the question does not ask to confirm the deletion:\n%s", r.stderr)
	}
}
