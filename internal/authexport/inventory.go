package authexport

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/credreport"
)

// Inventory serves the principals of an export, and of a credential report
// read beside it, as an iamsweep.Inventory. Either may be missing: an
// export alone gives roles (users need the report to be judged), a report
// alone gives users without paths, tags or policies.
//
// The export is read once, in one pass: call Roles at most once, before
// Users. The users it holds are kept for Users.
type Inventory struct {
	// R holds the export; nil when there is none.
	R io.Reader
	// Source names the export in errors and logs (a file name).
	Source string
	// Report holds the users of a credential report (see
	// credreport.Parse); nil when there is none.
	Report []iamsweep.User
	// ReportSource names the credential report in messages.
	ReportSource string
	// Log receives a warning when the export is truncated.
	Log *slog.Logger

	read  bool
	sum   Summary
	users []iamsweep.User
}

var _ iamsweep.Inventory = (*Inventory)(nil)

// Roles streams the export's roles to fn.
func (inv *Inventory) Roles(ctx context.Context, fn func(iamsweep.Role) error) error {
	return inv.readExport(ctx, fn)
}

// Users passes every user of the export and of the credential report,
// joined by name, to fn. When the export holds users but no credential
// report was given it returns iamsweep.ErrNoCredentialReport: their use is
// unknown.
func (inv *Inventory) Users(ctx context.Context, fn func(iamsweep.User) error) error {
	if err := inv.readExport(ctx, nil); err != nil {
		return err
	}
	if inv.Report == nil {
		if len(inv.users) > 0 {
			return iamsweep.ErrNoCredentialReport
		}
		return nil
	}
	for _, u := range credreport.Join(inv.users, inv.Report) {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return nil
}

// readExport reads the export, if there is one and it has not been read,
// streaming roles to roleFn (skipped when nil) and keeping the users.
func (inv *Inventory) readExport(ctx context.Context, roleFn func(iamsweep.Role) error) error {
	if inv.R == nil {
		return nil
	}
	if inv.read {
		if roleFn != nil {
			return errors.New("authexport: Inventory.Roles called twice; the export has been read")
		}
		return nil
	}
	inv.read = true
	sum, err := Read(ctx, inv.R, inv.Source, Handlers{
		Role: roleFn,
		User: func(u iamsweep.User) error {
			inv.users = append(inv.users, u)
			return nil
		},
	})
	inv.sum = sum
	if err != nil {
		return err
	}
	if sum.Truncated && inv.Log != nil {
		inv.Log.Warn("export is truncated (IsTruncated is true): it holds only the first page(s) of the account; export again without --max-items or --no-paginate to scan everything",
			"source", inv.Source, "roles", sum.Roles, "users", sum.Users)
	}
	return nil
}

// Empty says which of the inputs held no principal at all, one sentence
// for each: an export without roles or users (empty lists), a credential
// report with a header and no rows (IAM's always has the root user's).
// A scan of such input finds nothing unused because there is nothing to
// judge, which the user must be told. Call it after Users.
func (inv *Inventory) Empty() []string {
	var out []string
	if inv.read && inv.sum.Roles == 0 && inv.sum.Users == 0 {
		out = append(out, inv.Source+": the export holds no roles and no users (RoleDetailList and UserDetailList are empty or missing)")
	}
	if inv.Report != nil && len(inv.Report) == 0 {
		out = append(out, inv.ReportSource+": the credential report holds no users, only its header row")
	}
	return out
}
