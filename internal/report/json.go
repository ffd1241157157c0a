package report

import (
	"encoding/json"
	"io"
	"time"

	"github.com/iamsweep/iamsweep"
)

// Document is the JSON output of a scan.
type Document struct {
	SchemaVersion int       `json:"schema_version"`
	AsOf          string    `json:"as_of"`
	UnusedDays    int       `json:"unused_days"`
	Summary       Summary   `json:"summary"`
	Findings      []Record  `json:"findings"`
	Errors        []Problem `json:"errors"`
}

// Summary counts findings by verdict.
type Summary struct {
	Evaluated int `json:"evaluated"`
	Unused    int `json:"unused"`
	Used      int `json:"used"`
	Exempt    int `json:"exempt"`
}

// Problem is a part of the scan that failed while the rest completed
// (an account that could not be read, in an organization scan).
type Problem struct {
	AccountID string `json:"account_id"`
	Stage     string `json:"stage"`
	Code      string `json:"code"`
	Message   string `json:"message"`
}

// NewDocument builds the JSON document of a result.
func NewDocument(res iamsweep.ScanResult) Document {
	c := res.Counts()
	d := Document{
		SchemaVersion: SchemaVersion,
		AsOf:          res.AsOf.UTC().Format(time.RFC3339),
		UnusedDays:    res.UnusedDays,
		Summary:       Summary{Evaluated: c.Evaluated, Unused: c.Unused, Used: c.Used, Exempt: c.Exempt},
		Findings:      make([]Record, 0, len(res.Findings)),
		Errors:        []Problem{},
	}
	for _, f := range res.Findings {
		d.Findings = append(d.Findings, NewRecord(f))
	}
	return d
}

// JSON writes the result as one indented JSON document.
func JSON(w io.Writer, res iamsweep.ScanResult) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(NewDocument(res))
}
