package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// Account evaluates every role and user of one account and returns the
// findings, sorted. Principals stream through: only the findings are kept.
// When the inventory has no credential report, users are not judged and a
// warning says so.
func Account(ctx context.Context, inv iamsweep.Inventory, opts detect.Options, log *slog.Logger) (iamsweep.ScanResult, error) {
	res, _, err := account(ctx, inv, opts, log)
	return res, err
}

// account is Account that also says which stage failed: "scan-roles" or
// "scan-users".
func account(ctx context.Context, inv iamsweep.Inventory, opts detect.Options, log *slog.Logger) (iamsweep.ScanResult, string, error) {
	res := iamsweep.ScanResult{AsOf: opts.Now, UnusedDays: opts.UnusedDays}
	err := inv.Roles(ctx, func(r iamsweep.Role) error {
		res.Findings = append(res.Findings, detect.Role(r, opts))
		return nil
	})
	if err != nil {
		return res, "scan-roles", wrap("scan roles", err)
	}
	err = inv.Users(ctx, func(u iamsweep.User) error {
		res.Findings = append(res.Findings, detect.User(u, opts)...)
		return nil
	})
	switch {
	case errors.Is(err, iamsweep.ErrNoCredentialReport):
		log.Warn("users, console passwords and access keys not judged: their use is in the credential report, which was not given (scan an export with --credential-report beside --from-file)")
	case err != nil:
		return res, "scan-users", wrap("scan users", err)
	}
	iamsweep.SortFindings(res.Findings)
	return res, "", nil
}

func wrap(op string, err error) error {
	if iamsweep.IsInputError(err) {
		return err // it names its source already
	}
	return fmt.Errorf("%s: %w", op, err)
}
