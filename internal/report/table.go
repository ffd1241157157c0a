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

// NewTable returns a Writer of an aligned table: the unused findings (every
// verdict with All), unused first; then the accounts that failed or were
// skipped; then a line of counts. Rows are kept until End, to align them.
func NewTable(w io.Writer, o TableOptions) Writer { return &tableWriter{w: w, o: o} }

type tableWriter struct {
	w     io.Writer
	o     TableOptions
	meta  Meta
	rows  [3][]iamsweep.Finding // unused, used, exempt
	tally tally
}

func (t *tableWriter) Begin(m Meta) error { t.meta = m; return nil }

func (t *tableWriter) Findings(fs []iamsweep.Finding) error {
	for _, f := range fs {
		t.tally.add(f)
		switch {
		case f.Verdict == iamsweep.VerdictUnused:
			t.rows[0] = append(t.rows[0], f)
		case !t.o.All:
		case f.Verdict == iamsweep.VerdictUsed:
			t.rows[1] = append(t.rows[1], f)
		default:
			t.rows[2] = append(t.rows[2], f)
		}
	}
	return nil
}

func (t *tableWriter) End(totals Totals) error {
	multiAccount := len(t.tally.accounts) > 1
	header := []string{"VERDICT", "TYPE", "PRINCIPAL", "LAST USED", "REASON"}
	if multiAccount {
		header = append([]string{"ACCOUNT"}, header...)
	}
	var rows [][]string
	var verdicts []iamsweep.Verdict
	for _, group := range t.rows {
		for _, f := range group {
			lastUsed := "-"
			if !f.LastUsed.IsZero() {
				lastUsed = f.LastUsed.Time.UTC().Format("2006-01-02")
			}
			row := []string{string(f.Verdict), typeLabel(f.Type), principal(f), lastUsed, f.Reason}
			if multiAccount {
				row = append([]string{accountLabel(f.AccountID, f.AccountName)}, row...)
			}
			rows = append(rows, row)
			verdicts = append(verdicts, f.Verdict)
		}
	}

	var b strings.Builder
	if len(rows) > 0 {
		renderRows(&b, header, rows, t.o, func(i int) iamsweep.Verdict { return verdicts[i] })
		b.WriteString("\n")
	} else if !t.o.All && (len(totals.Errors) == 0 || t.tally.all.Evaluated > 0) {
		// Not when every account failed: nothing was looked at.
		b.WriteString("No unused access found.\n\n")
	}
	if len(totals.Errors) > 0 {
		fmt.Fprintf(&b, "%s could not be scanned:\n", plural(len(totals.Errors), "account"))
		var errRows [][]string
		for _, e := range totals.Errors {
			code := e.Code
			if code == "" {
				code = "-"
			}
			errRows = append(errRows, []string{accountLabel(e.Account.ID, e.Account.Name), e.Stage, code, e.Message})
		}
		renderRows(&b, []string{"ACCOUNT", "STAGE", "CODE", "ERROR"}, errRows, t.o, nil)
		b.WriteString("\n")
	}
	if len(totals.Skipped) > 0 {
		var parts []string
		for _, a := range totals.Skipped {
			parts = append(parts, fmt.Sprintf("%s (%s)", accountLabel(a.ID, a.Name), a.Status))
		}
		fmt.Fprintf(&b, "Skipped %s that %s not ACTIVE: %s\n\n", plural(len(totals.Skipped), "account"), isAre(len(totals.Skipped)), strings.Join(parts, ", "))
	}
	c := t.tally.all
	accounts := ""
	if multiAccount || len(totals.Errors) > 0 || len(totals.Skipped) > 0 {
		accounts = fmt.Sprintf(" in %s", plural(len(t.tally.accounts), "account"))
	}
	fmt.Fprintf(&b, "%d evaluated%s%s: %d unused, %d used, %d exempt (unused: no use for more than %d days, as of %s)\n",
		c.Evaluated, accounts, t.breakdown(), c.Unused, c.Used, c.Exempt, t.meta.UnusedDays, t.meta.AsOf.UTC().Format(time.RFC3339))
	_, err := io.WriteString(t.w, b.String())
	return err
}

// renderRows writes an aligned table; the last column is truncated to fit
// o.Width when it is set. verdict, when not nil, gives each row's verdict
// for colouring the VERDICT column.
func renderRows(b *strings.Builder, header []string, rows [][]string, o TableOptions, verdict func(int) iamsweep.Verdict) {
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
	verdictCol := -1
	for i, h := range header {
		if h == "VERDICT" {
			verdictCol = i
		}
	}
	write := func(cells []string, row int) {
		for i, c := range cells {
			if i == last {
				b.WriteString(truncate(c, widths[i]))
				break
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c)+2)
			if row >= 0 && o.Color && i == verdictCol && verdict != nil {
				c = paint(verdict(row), c)
			}
			b.WriteString(c + pad)
		}
		b.WriteString("\n")
	}
	write(header, -1)
	for i, r := range rows {
		write(r, i)
	}
}

func truncate(s string, width int) string {
	if width <= 0 || utf8.RuneCountInString(s) <= width {
		return s
	}
	r := []rune(s)
	return string(r[:width-1]) + "…"
}

func paint(v iamsweep.Verdict, text string) string {
	code := ""
	switch v {
	case iamsweep.VerdictUnused:
		code = "31" // red
	case iamsweep.VerdictUsed:
		code = "32" // green
	case iamsweep.VerdictExempt:
		code = "33" // yellow
	default:
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

func accountLabel(id, name string) string {
	if name == "" {
		return id
	}
	return id + " (" + name + ")"
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func isAre(n int) string {
	if n == 1 {
		return "is"
	}
	return "are"
}

var typeOrder = []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole, iamsweep.TypeUnusedIAMUser, iamsweep.TypeUnusedIAMUserPassword,
	iamsweep.TypeUnusedIAMUserAccessKey, iamsweep.TypeRootAccessKey}

var typeNouns = map[iamsweep.FindingType]string{
	iamsweep.TypeUnusedIAMRole: "role", iamsweep.TypeUnusedIAMUser: "user", iamsweep.TypeUnusedIAMUserPassword: "password",
	iamsweep.TypeUnusedIAMUserAccessKey: "access key", iamsweep.TypeRootAccessKey: "root access key",
}

// breakdown counts findings by type, " (30 roles, 7 users)", when there is
// more than one type.
func (t *tableWriter) breakdown() string {
	var parts []string
	for _, ty := range typeOrder {
		if n := t.tally.byType[ty]; n > 0 {
			parts = append(parts, plural(n, typeNouns[ty]))
		}
	}
	if len(parts) < 2 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
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
