package credreport

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/iamsweep/iamsweep/internal/golden"
)

// TestParse_golden reads the example account's credential report and
// compares a plain rendering of every user with a golden file.
func TestParse_golden(t *testing.T) {
	f, err := os.Open("../../examples/credential-report.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	users, err := Parse(f, "credential-report.csv")
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	stamp := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format(time.RFC3339)
	}
	for _, u := range users {
		fmt.Fprintf(&b, "%s path=%s root=%v created=%s mfa=%v certs=%d\n", u.Name, u.Path, u.Root, stamp(u.Created), u.MFAActive, u.ActiveCertificates)
		if u.Password != nil {
			fmt.Fprintf(&b, "  password set=%s last-used=%s\n", stamp(u.Password.LastChanged), stamp(u.Password.LastUsed))
		}
		for _, k := range u.AccessKeys {
			fmt.Fprintf(&b, "  key %d active=%v created=%s last-used=%s region=%s service=%s\n",
				k.Slot, k.Active, stamp(k.Created), stamp(k.LastUsed.Time), k.LastUsed.Region, k.LastUsedService)
		}
	}
	golden.Check(t, "example", b.String())
}
