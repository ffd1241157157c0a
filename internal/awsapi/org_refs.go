package awsapi

import (
	"context"

	"github.com/iamsweep/iamsweep"
)

// Bindings opens acct for iamsweep refs as Inventory opens it for a scan:
// the caller's account with the caller's own credentials, any other
// through the role assumed in it (which must then allow the reads of
// BindingCalls, as the member-role template does). A role that cannot be
// assumed fails now, with an error wrapping iamsweep.ErrAccessDenied.
func (o *Org) Bindings(ctx context.Context, acct iamsweep.Account, opts BindingOptions) (*Bindings, error) {
	cfg, log, err := o.config(ctx, acct)
	if err != nil {
		return nil, err
	}
	return NewBindings(cfg, acct.ID, log, opts), nil
}
