package authexport

import (
	"context"
	"errors"
	"io"
	"log/slog"

	"github.com/iamsweep/iamsweep"
)

// Inventory serves the principals of one export as an iamsweep.Inventory.
// It reads its reader once: call Roles once.
type Inventory struct {
	// R holds the export.
	R io.Reader
	// Source names the export in errors and logs (a file name).
	Source string
	// Log receives a warning when the export is truncated.
	Log *slog.Logger

	used bool
}

var _ iamsweep.Inventory = (*Inventory)(nil)

// Roles streams the export's roles to fn.
func (inv *Inventory) Roles(ctx context.Context, fn func(iamsweep.Role) error) error {
	if inv.used {
		return errors.New("authexport: Inventory.Roles called twice; the export has been read")
	}
	inv.used = true
	sum, err := ReadRoles(ctx, inv.R, inv.Source, fn)
	if err != nil {
		return err
	}
	if sum.Truncated && inv.Log != nil {
		inv.Log.Warn("export is truncated (IsTruncated is true): it holds only the first page(s) of the account; export again without --max-items or --no-paginate to scan everything",
			"source", inv.Source, "roles", sum.Roles)
	}
	return nil
}
