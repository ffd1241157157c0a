package config

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParse_remediationErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want where
		msg  string
	}{
		{"not a mapping", "remediation: delete\n", where{"c.yaml", 1, -1, "remediation"}, "want a mapping"},
		{"unknown key", "remediation:\n  role: delete\n", where{"c.yaml", 2, -1, "remediation"}, `unknown key "role"; want one of roles, users`},
		{"action of another kind", "remediation:\n  roles: delete-key\n", where{"c.yaml", 2, -1, "remediation.roles"}, `"delete-key" is not an action for it; want none, quarantine or delete`},
		{"password quarantine", "remediation:\n  passwords: quarantine\n", where{"c.yaml", 2, -1, "remediation.passwords"}, "want none, delete-password"},
		{"typo", "remediation:\n  access-keys: deactivate\n", where{"c.yaml", 2, -1, "remediation.access-keys"}, "deactivate-key or delete-key"},
		{"limit not a number", "remediation:\n  max-deletions-per-run: many\n", where{"c.yaml", 2, -1, "remediation.max-deletions-per-run"}, "want a whole number"},
		{"limit below -1", "remediation:\n  max-deletions-per-account: -2\n", where{"c.yaml", 2, -1, "remediation.max-deletions-per-account"}, "-1 for no limit"},
		{"account not 12 digits", "remediation:\n  protected-accounts:\n    - 111122223333\n    - 12345\n", where{"c.yaml", 3, -1, "remediation.protected-accounts"}, `item 2: "12345" is not a 12-digit account ID`},
		{"list of lists", "remediation:\n  protected-accounts: [[1]]\n", where{"c.yaml", 2, -1, "remediation.protected-accounts"}, "item 1: want a string"},
		{"twice", "remediation:\n  roles: delete\n  roles: none\n", where{"c.yaml", 3, -1, "remediation.roles"}, "given twice (first on line 2)"},
		{"section twice", "remediation: {}\nremediation: {}\n", where{"c.yaml", 2, -1, ""}, "given twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tt.in), "c.yaml")
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			got, ie := whereOf(t, err)
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("location (-want +got):\n%s", diff)
			}
			if !strings.Contains(ie.Err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", ie.Err.Error(), tt.msg)
			}
		})
	}
}

func TestParse_remediationNone(t *testing.T) {
	c, err := Parse(strings.NewReader("remediation:\n  roles: none\n  users: delete\n"), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Remediation.Roles != "" || c.Remediation.Users != "delete" || c.Remediation.AccessKeys != "deactivate-key" {
		t.Errorf("Remediation = %+v: want roles none, users delete, the rest default", c.Remediation)
	}
}
