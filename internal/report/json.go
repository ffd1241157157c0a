package report

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"time"

	"github.com/iamsweep/iamsweep"
)

// Summary counts findings by verdict.
type Summary struct {
	Evaluated int `json:"evaluated"`
	Unused    int `json:"unused"`
	Used      int `json:"used"`
	Exempt    int `json:"exempt"`
}

// AccountCounts says how many accounts the report covers.
type AccountCounts struct {
	// Scanned counts the accounts with findings.
	Scanned int `json:"scanned"`
	Failed  int `json:"failed"`
	Skipped int `json:"skipped"`
}

// Problem is an account that could not be scanned while the others were.
type Problem struct {
	AccountID   string  `json:"account_id"`
	AccountName *string `json:"account_name"`
	// Stage is where it failed: assume-role, scan-roles, scan-users.
	Stage string `json:"stage"`
	// Code is the AWS error code, or null.
	Code    *string `json:"code"`
	Message string  `json:"message"`
}

// SkippedAccount is an account left out because it is not ACTIVE.
type SkippedAccount struct {
	AccountID   string  `json:"account_id"`
	AccountName *string `json:"account_name"`
	Status      string  `json:"status"`
}

// NewJSON returns a Writer of one indented JSON document:
//
//	{"schema_version", "as_of", "unused_days", "findings": [...],
//	 "summary", "accounts", "errors": [...], "skipped_accounts": [...]}
//
// Findings are written as they arrive; the counts follow them.
func NewJSON(w io.Writer) Writer { return &jsonWriter{w: bufio.NewWriterSize(w, 64<<10)} }

type jsonWriter struct {
	w     *bufio.Writer
	n     int
	tally tally
	buf   []byte
}

func (j *jsonWriter) Begin(m Meta) error {
	head := struct {
		SchemaVersion int    `json:"schema_version"`
		AsOf          string `json:"as_of"`
		UnusedDays    int    `json:"unused_days"`
	}{SchemaVersion, m.AsOf.UTC().Format(time.RFC3339), m.UnusedDays}
	b, err := marshalIndent(head, "")
	if err != nil {
		return err
	}
	j.w.Write(b[:len(b)-2]) // without the closing "\n}"
	_, err = j.w.WriteString(",\n  \"findings\": [")
	return err
}

func (j *jsonWriter) Findings(fs []iamsweep.Finding) error {
	for _, f := range fs {
		j.tally.add(f)
		j.buf = j.buf[:0]
		if j.n > 0 {
			j.buf = append(j.buf, ',')
		}
		j.buf = append(j.buf, "\n    "...)
		j.buf = appendFinding(j.buf, f, "    ")
		if _, err := j.w.Write(j.buf); err != nil {
			return err
		}
		j.n++
	}
	return nil
}

func (j *jsonWriter) End(t Totals) error {
	if j.n > 0 {
		j.w.WriteString("\n  ")
	}
	c := j.tally.all
	tail := struct {
		Summary  Summary          `json:"summary"`
		Accounts AccountCounts    `json:"accounts"`
		Errors   []Problem        `json:"errors"`
		Skipped  []SkippedAccount `json:"skipped_accounts"`
	}{
		Summary:  Summary{Evaluated: c.Evaluated, Unused: c.Unused, Used: c.Used, Exempt: c.Exempt},
		Accounts: AccountCounts{Scanned: len(j.tally.accounts), Failed: len(t.Errors), Skipped: len(t.Skipped)},
		Errors:   problems(t.Errors),
		Skipped:  skipped(t.Skipped),
	}
	b, err := marshalIndent(tail, "")
	if err != nil {
		return err
	}
	j.w.WriteString("],\n")
	j.w.Write(b[2:]) // without the opening "{\n"
	j.w.WriteByte('\n')
	return j.w.Flush()
}

// marshalIndent is json.MarshalIndent (two-space indent after prefix)
// without escaping <, > and &, which names like "<root_account>" hold.
func marshalIndent(v any, prefix string) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent(prefix, "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func problems(errs []iamsweep.AccountError) []Problem {
	out := make([]Problem, 0, len(errs))
	for _, e := range errs {
		out = append(out, Problem{AccountID: e.Account.ID, AccountName: optional(e.Account.Name), Stage: e.Stage, Code: optional(e.Code), Message: e.Message})
	}
	return out
}

func skipped(accts []iamsweep.Account) []SkippedAccount {
	out := make([]SkippedAccount, 0, len(accts))
	for _, a := range accts {
		out = append(out, SkippedAccount{AccountID: a.ID, AccountName: optional(a.Name), Status: a.Status})
	}
	return out
}
