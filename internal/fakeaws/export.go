package fakeaws

import (
	"context"
	"fmt"
	"io"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/authexport"
	"github.com/iamsweep/iamsweep/internal/credreport"
)

// AccountFromExport builds a fake account from an export of
// "aws iam get-account-authorization-details": the same roles, with their
// policies, tags and last use. The account ID comes from the roles' ARNs.
func AccountFromExport(ctx context.Context, r io.Reader, source string) (*Account, error) {
	return AccountFromFiles(ctx, r, source, nil, "")
}

// AccountFromFiles builds a fake account from an export and, when report
// is not nil, a credential report taken with it: roles from the export,
// users joined from both (details from the export, passwords and access
// keys from the report), and the root user's keys.
func AccountFromFiles(ctx context.Context, export io.Reader, exportSource string, report io.Reader, reportSource string) (*Account, error) {
	acct := &Account{}
	setID := func(id, source string) error {
		if acct.ID == "" {
			acct.ID = id
		}
		if id != acct.ID {
			return fmt.Errorf("%s: principals of two accounts (%s, %s)", source, acct.ID, id)
		}
		return nil
	}
	var details []iamsweep.User
	_, err := authexport.Read(ctx, export, exportSource, authexport.Handlers{
		Role: func(role iamsweep.Role) error {
			acct.Roles = append(acct.Roles, RoleFrom(role))
			return setID(role.AccountID, exportSource)
		},
		User: func(u iamsweep.User) error {
			details = append(details, u)
			return setID(u.AccountID, exportSource)
		},
	})
	if err != nil {
		return nil, err
	}
	var creds []iamsweep.User
	if report != nil {
		if creds, err = credreport.Parse(report, reportSource); err != nil {
			return nil, err
		}
	}
	for _, u := range credreport.Join(details, creds) {
		if err := setID(u.AccountID, reportSource); err != nil {
			return nil, err
		}
		if u.Root {
			acct.Created = u.Created
			acct.RootKeys = keysFrom(u.AccessKeys)
			if u.Password != nil {
				acct.RootPasswordLastUsed = u.Password.LastUsed
			}
			continue
		}
		acct.Users = append(acct.Users, UserFrom(u))
	}
	if acct.ID == "" {
		return nil, fmt.Errorf("%s: no principals, so no account ID", exportSource)
	}
	return acct, nil
}
