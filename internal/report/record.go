package report

import (
	"time"

	"github.com/iamsweep/iamsweep"
)

// SchemaVersion is the version of the JSON document. It changes only when a
// field is renamed or removed or its meaning changes; new fields do not
// change it.
const SchemaVersion = 1

// Record is one finding as JSON and CSV present it. The field names are a
// contract: scripts and pipelines read them.
type Record struct {
	Type           string  `json:"type"`
	AccountID      string  `json:"account_id"`
	AccountName    *string `json:"account_name"`
	ARN            string  `json:"arn"`
	PrincipalID    string  `json:"principal_id"`
	Name           string  `json:"name"`
	Path           string  `json:"path"`
	Verdict        string  `json:"verdict"`
	Rule           string  `json:"rule"`
	Reason         string  `json:"reason"`
	Created        *string `json:"created"`
	LastUsed       *string `json:"last_used"`
	LastUsedRegion *string `json:"last_used_region"`
	DaysUnused     *int    `json:"days_unused"`
	AccessKeyID    *string `json:"access_key_id"`
	KeySlot        *int    `json:"key_slot"`
}

// columns are the CSV header, in Record's field order.
var columns = []string{
	"type", "account_id", "account_name", "arn", "principal_id", "name", "path", "verdict", "rule", "reason",
	"created", "last_used", "last_used_region", "days_unused", "access_key_id", "key_slot",
}

// NewRecord converts a finding. Times are RFC 3339 in UTC; unknown values
// are nil (JSON null, an empty CSV cell).
func NewRecord(f iamsweep.Finding) Record {
	r := Record{
		Type:        string(f.Type),
		AccountID:   f.AccountID,
		AccountName: optional(f.AccountName),
		ARN:         f.ARN,
		PrincipalID: f.PrincipalID,
		Name:        f.Name,
		Path:        f.Path,
		Verdict:     string(f.Verdict),
		Rule:        string(f.Rule),
		Reason:      f.Reason,
		Created:     timestamp(f.Created),
		LastUsed:    timestamp(f.LastUsed.Time),
		DaysUnused:  f.DaysUnused,
	}
	if f.AccessKeyID != "" {
		id := f.AccessKeyID
		r.AccessKeyID = &id
	}
	if f.KeySlot != 0 {
		slot := f.KeySlot
		r.KeySlot = &slot
	}
	if f.LastUsed.Region != "" {
		region := f.LastUsed.Region
		r.LastUsedRegion = &region
	}
	return r
}

func timestamp(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format(time.RFC3339)
	return &s
}
