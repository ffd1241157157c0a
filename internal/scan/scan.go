package scan

import (
	"context"
	"fmt"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// Account evaluates every role of one account and returns the findings,
// sorted. Roles stream through: only the findings are kept.
func Account(ctx context.Context, inv iamsweep.Inventory, opts detect.Options) (iamsweep.ScanResult, error) {
	res := iamsweep.ScanResult{AsOf: opts.Now, UnusedDays: opts.UnusedDays}
	err := inv.Roles(ctx, func(r iamsweep.Role) error {
		res.Findings = append(res.Findings, detect.Role(r, opts))
		return nil
	})
	if err != nil {
		if iamsweep.IsInputError(err) {
			return res, err // it names its source already
		}
		return res, fmt.Errorf("scan roles: %w", err)
	}
	iamsweep.SortFindings(res.Findings)
	return res, nil
}
