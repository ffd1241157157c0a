package report

import (
	"encoding/csv"
	"io"
	"strconv"

	"github.com/iamsweep/iamsweep"
)

// CSV writes one header row and one row per finding, with the JSON record's
// field names as columns. Null values are empty cells. A name that a
// spreadsheet would run as a formula (IAM names may start with "=", "+",
// "-" or "@") gets a leading "'"; every other cell is written as it is.
func CSV(w io.Writer, res iamsweep.ScanResult) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return err
	}
	for _, f := range res.Findings {
		r := NewRecord(f)
		row := []string{
			r.Type, r.AccountID, r.ARN, r.PrincipalID, csvSafe(r.Name), r.Path, r.Verdict, r.Rule,
			r.Reason, str(r.Created), str(r.LastUsed), str(r.LastUsedRegion), num(r.DaysUnused),
			str(r.AccessKeyID), num(r.KeySlot),
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
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
