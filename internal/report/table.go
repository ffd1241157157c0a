package report

import (
	"fmt"
	"io"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/iamsweep/iamsweep"
)

// TableOptions control the human-readable table.
type TableOptions struct {
	// All shows every verdict; by default only unused findings are listed.
	All bool
	// Color marks verdicts with ANSI colours (for a terminal).
	Color bool
	// Width, when positive, truncates the reason column so rows fit.
	Width int
}

// Table writes the findings as an aligned table, followed by a summary line
// of counts.
func Table(w io.Writer, res iamsweep.ScanResult, o TableOptions) error {
	multiAccount := false
	for _, f := range res.Findings {
		if f.AccountID != res.Findings[0].AccountID {
			multiAccount = true
			break
		}
	}
	header := []string{"VERDICT", "TYPE", "PRINCIPAL", "LAST USED", "REASON"}
	if multiAccount {
		header = append([]string{"ACCOUNT"}, header...)
	}
	var rows [][]string
	for _, f := range byVerdict(res.Findings) {
		if !o.All && f.Verdict != iamsweep.VerdictUnused {
			continue
		}
		lastUsed := "-"
		if !f.LastUsed.IsZero() {
			lastUsed = f.LastUsed.Time.UTC().Format("2006-01-02")
		}
		row := []string{string(f.Verdict), typeLabel(f.Type), principal(f), lastUsed, f.Reason}
		if multiAccount {
			row = append([]string{f.AccountID}, row...)
		}
		rows = append(rows, row)
	}

	var b strings.Builder
	if len(rows) > 0 {
		widths := make([]int, len(header))
		for _, r := range append([][]string{header}, rows...) {
			for i, c := range r {
				widths[i] = max(widths[i], utf8.RuneCountInString(c))
			}
		}
		last := len(header) - 1
		if o.Width > 0 {
			used := 0
			for i := 0; i < last; i++ {
				used += widths[i] + 2
			}
			widths[last] = max(o.Width-used, 20)
		}
		writeRow(&b, header, widths, false, o.Color)
		for _, r := range rows {
			writeRow(&b, r, widths, true, o.Color)
		}
		b.WriteString("\n")
	} else if !o.All {
		b.WriteString("No unused access found.\n\n")
	}
	c := res.Counts()
	fmt.Fprintf(&b, "%d evaluated%s: %d unused, %d used, %d exempt (unused: no use for more than %d days, as of %s)\n",
		c.Evaluated, breakdown(res), c.Unused, c.Used, c.Exempt, res.UnusedDays, res.AsOf.UTC().Format(time.RFC3339))
	_, err := io.WriteString(w, b.String())
	return err
}

// breakdown counts findings by type, " (30 roles, 7 users)", when there is
// more than one type.
func breakdown(res iamsweep.ScanResult) string {
	order := []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole, iamsweep.TypeUnusedIAMUser, iamsweep.TypeUnusedIAMUserPassword,
		iamsweep.TypeUnusedIAMUserAccessKey, iamsweep.TypeRootAccessKey}
	nouns := map[iamsweep.FindingType]string{
		iamsweep.TypeUnusedIAMRole: "role", iamsweep.TypeUnusedIAMUser: "user", iamsweep.TypeUnusedIAMUserPassword: "password",
		iamsweep.TypeUnusedIAMUserAccessKey: "access key", iamsweep.TypeRootAccessKey: "root access key",
	}
	var parts []string
	for _, t := range order {
		n := res.Counts(t).Evaluated
		if n == 0 {
			continue
		}
		noun := nouns[t]
		if n != 1 {
			noun += "s"
		}
		parts = append(parts, fmt.Sprintf("%d %s", n, noun))
	}
	if len(parts) < 2 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func writeRow(b *strings.Builder, cells []string, widths []int, body, color bool) {
	last := len(cells) - 1
	for i, c := range cells {
		if i == last {
			b.WriteString(truncate(c, widths[i]))
			break
		}
		pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2)
		if body && color && i == verdictColumn(len(cells)) {
			c = paint(c)
		}
		b.WriteString(c + pad)
	}
	b.WriteString("\n")
}

// verdictColumn is the index of the VERDICT column (after ACCOUNT when the
// table spans accounts).
func verdictColumn(n int) int {
	if n == 6 {
		return 1
	}
	return 0
}

func truncate(s string, width int) string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

func paint(verdict string) string {
	code := ""
	switch iamsweep.Verdict(verdict) {
	case iamsweep.VerdictUnused:
		code = "31" // red
	case iamsweep.VerdictUsed:
		code = "32" // green
	case iamsweep.VerdictExempt:
		code = "33" // yellow
	default:
		return verdict
	}
	return "\x1b[" + code + "m" + verdict + "\x1b[0m"
}

func typeLabel(t iamsweep.FindingType) string {
	switch t {
	case iamsweep.TypeUnusedIAMRole:
		return "role"
	case iamsweep.TypeUnusedIAMUser:
		return "user"
	case iamsweep.TypeUnusedIAMUserPassword:
		return "password"
	case iamsweep.TypeUnusedIAMUserAccessKey:
		return "access key"
	case iamsweep.TypeRootAccessKey:
		return "root key"
	default:
		return string(t)
	}
}

// principal names what a row is about: the path and name, and for an
// access key its ID (or its slot when the ID is not known).
func principal(f iamsweep.Finding) string {
	name := iamsweep.JoinPathName(f.Path, f.Name)
	if f.Type == iamsweep.TypeRootAccessKey {
		name = "root"
	}
	switch {
	case f.AccessKeyID != "":
		return name + " " + f.AccessKeyID
	case f.KeySlot != 0:
		return fmt.Sprintf("%s key %d", name, f.KeySlot)
	}
	return name
}

// byVerdict orders findings for reading: unused first, then used, then
// exempt, each group in the result's order.
func byVerdict(fs []iamsweep.Finding) []iamsweep.Finding {
	out := make([]iamsweep.Finding, 0, len(fs))
	for _, v := range []iamsweep.Verdict{iamsweep.VerdictUnused, iamsweep.VerdictUsed, iamsweep.VerdictExempt} {
		for _, f := range fs {
			if f.Verdict == v {
				out = append(out, f)
			}
		}
	}
	return out
}
