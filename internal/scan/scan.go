package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"golang.org/x/sync/errgroup"

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
	var roles, users []iamsweep.Finding
	readRoles := func(ctx context.Context) error {
		return inv.Roles(ctx, func(r iamsweep.Role) error {
			roles = append(roles, detect.Role(r, opts))
			return nil
		})
	}
	readUsers := func(ctx context.Context) error {
		err := inv.Users(ctx, func(u iamsweep.User) error {
			users = append(users, detect.User(u, opts)...)
			return nil
		})
		if errors.Is(err, iamsweep.ErrNoCredentialReport) {
			log.Warn("users, console passwords and access keys not judged: their use is in the credential report, which was not given (scan an export with --credential-report beside --from-file)")
			return nil
		}
		return err
	}
	if c, ok := inv.(iamsweep.ConcurrentInventory); ok && c.Concurrent() {
		// Independent listings: the account takes as long as the longer.
		g, gctx := errgroup.WithContext(ctx)
		var rolesErr, usersErr error
		g.Go(func() error { rolesErr = readRoles(gctx); return rolesErr })
		g.Go(func() error { usersErr = readUsers(gctx); return usersErr })
		if g.Wait() != nil {
			// The first failure cancels the other; report the first.
			if rolesErr != nil && !(errors.Is(rolesErr, context.Canceled) && usersErr != nil) {
				return res, "scan-roles", wrap("scan roles", rolesErr)
			}
			return res, "scan-users", wrap("scan users", usersErr)
		}
	} else {
		if err := readRoles(ctx); err != nil {
			return res, "scan-roles", wrap("scan roles", err)
		}
		if err := readUsers(ctx); err != nil {
			return res, "scan-users", wrap("scan users", err)
		}
	}
	res.Findings = append(roles, users...)
	iamsweep.SortFindings(res.Findings)
	return res, "", nil
}

func wrap(op string, err error) error {
	if iamsweep.IsInputError(err) {
		return err // it names its source already
	}
	return fmt.Errorf("%s: %w", op, err)
}
