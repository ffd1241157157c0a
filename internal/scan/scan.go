package scan

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// Reads says what a scan of types reads: roles, users. Nil or empty types
// read both.
func Reads(types []iamsweep.FindingType) (roles, users bool) {
	if len(types) == 0 {
		return true, true
	}
	for _, t := range types {
		if t == iamsweep.TypeUnusedIAMRole {
			roles = true
		} else {
			users = true
		}
	}
	return roles, users
}

// NeedsKeyListing reports whether a live scan of types needs each user's
// access keys listed (ListAccessKeys): for the access key findings, which
// name the keys, and for the users' own, whose verdict takes the keys'
// current status from the listing. Nil or empty types need it.
func NeedsKeyListing(types []iamsweep.FindingType) bool {
	return len(types) == 0 || slices.Contains(types, iamsweep.TypeUnusedIAMUser) || slices.Contains(types, iamsweep.TypeUnusedIAMUserAccessKey)
}

// Account evaluates the roles and users of one account and returns the
// findings, sorted: those of the given finding types, or all when none are
// given. Only what the types need is read (see Reads). Principals stream
// through: only the findings are kept. When the inventory has no
// credential report, users are not judged and a warning says so.
func Account(ctx context.Context, inv iamsweep.Inventory, o detect.Options, log *slog.Logger, types ...iamsweep.FindingType) (iamsweep.ScanResult, error) {
	res, _, err := account(ctx, inv, o, types, log)
	return res, err
}

// account is Account that also says which stage failed: "scan-roles" or
// "scan-users".
func account(ctx context.Context, inv iamsweep.Inventory, o detect.Options, types []iamsweep.FindingType, log *slog.Logger) (iamsweep.ScanResult, string, error) {
	res := iamsweep.ScanResult{AsOf: o.Now, UnusedDays: o.UnusedDays}
	keep := func(f iamsweep.Finding) bool { return len(types) == 0 || slices.Contains(types, f.Type) }
	var roles, users []iamsweep.Finding
	var roleFn func(iamsweep.Role) error
	var userFn func(iamsweep.User) error
	readRoles, readUsers := Reads(types)
	if readRoles {
		roleFn = func(r iamsweep.Role) error {
			if f := detect.Role(r, o); keep(f) {
				roles = append(roles, f)
			}
			return nil
		}
	}
	if readUsers {
		userFn = func(u iamsweep.User) error {
			for _, f := range detect.User(u, o) {
				if keep(f) {
					users = append(users, f)
				}
			}
			return nil
		}
	}
	if r, ok := inv.(iamsweep.PrincipalReader); ok {
		// One pass over roles and users.
		if err := r.Principals(ctx, roleFn, userFn); err != nil {
			var usersErr *iamsweep.UsersError
			if roleFn == nil || errors.As(err, &usersErr) {
				return res, "scan-users", wrap("scan users", err)
			}
			return res, "scan-roles", wrap("scan roles", err)
		}
	} else {
		if roleFn != nil {
			if err := inv.Roles(ctx, roleFn); err != nil {
				return res, "scan-roles", wrap("scan roles", err)
			}
		}
		if userFn != nil {
			err := inv.Users(ctx, userFn)
			if errors.Is(err, iamsweep.ErrNoCredentialReport) {
				log.Warn("users, console passwords and access keys not judged: their use is in the credential report, which was not given (scan an export with --credential-report beside --from-file)")
				err = nil
			}
			if err != nil {
				return res, "scan-users", wrap("scan users", err)
			}
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
