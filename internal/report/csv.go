package report

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/iamsweep/iamsweep"
)

// NewCSV returns a Writer of one header row and one row per finding, with
// the JSON record's field names as columns. Null values are empty cells. A
// name that a spreadsheet would run as a formula (IAM names may start with
// "=", "+", "-" or "@") gets a leading "'"; every other cell is written as
// it is. Account errors are not rows: the caller logs them.
func NewCSV(w io.Writer) Writer { return &csvWriter{cw: csv.NewWriter(w)} }

type csvWriter struct{ cw *csv.Writer }

func (c *csvWriter) Begin(Meta) error { return c.cw.Write(columns) }

func (c *csvWriter) Findings(fs []iamsweep.Finding) error {
	for _, f := range fs {
		r := NewRecord(f)
		row := []string{
			r.Type, r.AccountID, str(r.AccountName), r.ARN, r.PrincipalID, csvSafe(r.Name), r.Path, r.Verdict, r.Rule,
			r.Reason, str(r.Created), str(r.LastUsed), str(r.LastUsedRegion), num(r.DaysUnused),
			str(r.AccessKeyID), num(r.KeySlot),
		}
		if err := c.cw.Write(row); err != nil {
			return err
		}
	}
	c.cw.Flush()
	return c.cw.Error()
}

func (c *csvWriter) End(Totals) error {
	c.cw.Flush()
	return c.cw.Error()
}

func num(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}

func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// csvSafe defuses a cell that a spreadsheet would run as a formula. Names
// come from the account being scanned, which may not be friendly.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
