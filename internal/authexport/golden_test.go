package authexport

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/golden"
)

// TestReadRoles_golden decodes the example export the README demo runs on
// and compares the key fields of every role with a golden file. Run
// "go test ./internal/authexport -run TestReadRoles_golden -update" to
// rewrite it after an intended change, and review the diff.
func TestReadRoles_golden(t *testing.T) {
	const source = "../../examples/account-export.json"
	f, err := os.Open(source)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var roles []iamsweep.Role
	sum, err := ReadRoles(t.Context(), f, "account-export.json", func(r iamsweep.Role) error {
		roles = append(roles, r)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Roles != len(roles) || sum.Roles != 30 {
		t.Errorf("Summary.Roles = %d with %d callbacks, want 30", sum.Roles, len(roles))
	}
	got := renderRoles(sum, roles)

	golden.Check(t, "example", string(got))
}

// renderRoles writes the fields a scan decides on, one block per role in
// file order, in a form that is stable and easy to review in a diff.
func renderRoles(sum Summary, roles []iamsweep.Role) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "roles: %d\ntruncated: %t\n", sum.Roles, sum.Truncated)
	for _, r := range roles {
		fmt.Fprintf(&b, "\n%s\n", r.Name)
		fmt.Fprintf(&b, "  account:   %s\n", r.AccountID)
		fmt.Fprintf(&b, "  path:      %s\n", r.Path)
		fmt.Fprintf(&b, "  created:   %s\n", stamp(r.Created))
		if r.LastUsed.IsZero() {
			fmt.Fprintf(&b, "  last used: -\n")
		} else {
			fmt.Fprintf(&b, "  last used: %s in %s\n", stamp(r.LastUsed.Time), r.LastUsed.Region)
		}
		fmt.Fprintf(&b, "  policies:  %d inline, %d attached\n", len(r.InlinePolicies), len(r.AttachedPolicies))
		if r.PermissionsBoundary != "" {
			fmt.Fprintf(&b, "  boundary:  %s\n", r.PermissionsBoundary)
		}
		if len(r.InstanceProfiles) > 0 {
			names := make([]string, len(r.InstanceProfiles))
			for i, p := range r.InstanceProfiles {
				names[i] = p.Name
			}
			fmt.Fprintf(&b, "  profiles:  %s\n", strings.Join(names, ", "))
		}
		if len(r.Tags) > 0 {
			tags := make([]string, len(r.Tags))
			for i, tag := range r.Tags {
				tags[i] = tag.Key + "=" + tag.Value
			}
			fmt.Fprintf(&b, "  tags:      %s\n", strings.Join(tags, ", "))
		}
	}
	return b.Bytes()
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
