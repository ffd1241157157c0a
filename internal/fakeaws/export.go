package fakeaws

import (
	"context"
	"fmt"
	"io"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/authexport"
)

// AccountFromExport builds a fake account from an export of
// "aws iam get-account-authorization-details": the same roles, with their
// policies, tags and last use. The account ID comes from the roles' ARNs.
func AccountFromExport(ctx context.Context, r io.Reader, source string) (*Account, error) {
	acct := &Account{}
	_, err := authexport.ReadRoles(ctx, r, source, func(role iamsweep.Role) error {
		if acct.ID == "" {
			acct.ID = role.AccountID
		}
		if role.AccountID != acct.ID {
			return fmt.Errorf("%s: roles of two accounts (%s, %s)", source, acct.ID, role.AccountID)
		}
		acct.Roles = append(acct.Roles, RoleFrom(role))
		return nil
	})
	if err != nil {
		return nil, err
	}
	if acct.ID == "" {
		return nil, fmt.Errorf("%s: no roles, so no account ID", source)
	}
	return acct, nil
}
