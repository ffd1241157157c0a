package scan

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
	"github.com/iamsweep/iamsweep/internal/detect"
)

// stubInventory serves fixed principals, or fails.
type stubInventory struct {
	roles    []iamsweep.Role
	users    []iamsweep.User
	rolesErr error
	usersErr error
}

func (s *stubInventory) Roles(ctx context.Context, fn func(iamsweep.Role) error) error {
	for _, r := range s.roles {
		if err := fn(r); err != nil {
			return err
		}
	}
	return s.rolesErr
}

func (s *stubInventory) Users(ctx context.Context, fn func(iamsweep.User) error) error {
	for _, u := range s.users {
		if err := fn(u); err != nil {
			return err
		}
	}
	return s.usersErr
}

func TestAccount(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	old := now.AddDate(-2, 0, 0)
	inv := &stubInventory{
		roles: []iamsweep.Role{
			{AccountID: "222233334444", ARN: "arn:aws:iam::222233334444:role/z", Name: "z", Path: "/", Created: old},
			{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/b", Name: "b", Path: "/", Created: old},
			{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/a", Name: "a", Path: "/", Created: old,
				LastUsed: iamsweep.Usage{Time: now.AddDate(0, 0, -1)}},
		},
		users: []iamsweep.User{
			{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/u", Name: "u", Path: "/", Created: old, HasCredentials: true},
		},
	}
	var logs bytes.Buffer
	res, err := Account(t.Context(), inv, detect.Options{Now: now, UnusedDays: 90}, slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.ARN+" "+string(f.Verdict))
	}
	want := []string{
		"arn:aws:iam::111122223333:role/a used",
		"arn:aws:iam::111122223333:role/b unused",
		"arn:aws:iam::111122223333:user/u unused",
		"arn:aws:iam::222233334444:role/z unused",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if !res.AsOf.Equal(now) || res.UnusedDays != 90 {
		t.Errorf("result settings: as of %v, %d days", res.AsOf, res.UnusedDays)
	}
	if logs.Len() != 0 {
		t.Errorf("unexpected logs: %s", logs.String())
	}
}

func TestAccount_errors(t *testing.T) {
	boom := errors.New("boom")
	input := &iamsweep.InputError{Source: "auth.json", Offset: 3, Err: errors.New("bad")}
	tests := []struct {
		name    string
		inv     *stubInventory
		wantErr string
		wantLog string
	}{
		{"roles fail", &stubInventory{rolesErr: boom}, "scan roles: boom", ""},
		{"users fail", &stubInventory{usersErr: boom}, "scan users: boom", ""},
		{"input error keeps its own prefix", &stubInventory{rolesErr: input}, "auth.json: byte 3: bad", ""},
		{"no credential report", &stubInventory{usersErr: iamsweep.ErrNoCredentialReport}, "", "users, console passwords and access keys not judged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			_, err := Account(t.Context(), tt.inv, detect.Options{UnusedDays: 90}, slog.New(slog.NewTextHandler(&logs, nil)))
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr) {
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if !strings.Contains(logs.String(), tt.wantLog) {
				t.Errorf("logs = %q, want %q", logs.String(), tt.wantLog)
			}
		})
	}
}

// stubReader is a stubInventory that reads roles and users in one pass,
// and records which kinds it was asked for.
type stubReader struct {
	stubInventory
	err             error // returned by Principals
	gotRoleFn       bool
	gotUserFn       bool
	rolesOrUsersRan bool
}

func (s *stubReader) Roles(context.Context, func(iamsweep.Role) error) error {
	s.rolesOrUsersRan = true
	return errors.New("Roles called on a PrincipalReader")
}

func (s *stubReader) Users(context.Context, func(iamsweep.User) error) error {
	s.rolesOrUsersRan = true
	return errors.New("Users called on a PrincipalReader")
}

func (s *stubReader) Principals(ctx context.Context, role func(iamsweep.Role) error, user func(iamsweep.User) error) error {
	s.gotRoleFn, s.gotUserFn = role != nil, user != nil
	if role != nil {
		if err := s.stubInventory.Roles(ctx, role); err != nil {
			return err
		}
	}
	if user != nil {
		if err := s.stubInventory.Users(ctx, user); err != nil {
			return err
		}
	}
	return s.err
}

func TestAccount_types(t *testing.T) {
	now := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	old := now.AddDate(-2, 0, 0)
	principals := stubInventory{
		roles: []iamsweep.Role{{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/r", Name: "r", Path: "/", Created: old}},
		users: []iamsweep.User{
			{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:user/u", Name: "u", Path: "/", Created: old, HasCredentials: true,
				Password:   &iamsweep.Password{LastChanged: old},
				AccessKeys: []iamsweep.AccessKey{{Slot: 1, Active: true, Created: old}}},
			{AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:root", Name: "<root_account>", Root: true, HasCredentials: true,
				AccessKeys: []iamsweep.AccessKey{{Slot: 1, Active: true, Created: old}}},
		},
	}
	tests := []struct {
		name                  string
		types                 []iamsweep.FindingType
		want                  []string // finding types, in order
		wantRoles, wantUsers  bool
		wantKeyListingNeeded  bool
		wantNoCredentialsWarn bool
	}{
		{name: "all", want: []string{"RootAccessKey", "UnusedIAMRole", "UnusedIAMUser", "UnusedIAMUserAccessKey", "UnusedIAMUserPassword"},
			wantRoles: true, wantUsers: true, wantKeyListingNeeded: true},
		{name: "roles only", types: []iamsweep.FindingType{iamsweep.TypeUnusedIAMRole}, want: []string{"UnusedIAMRole"}, wantRoles: true},
		{name: "passwords only", types: []iamsweep.FindingType{iamsweep.TypeUnusedIAMUserPassword}, want: []string{"UnusedIAMUserPassword"}, wantUsers: true},
		{name: "users and keys", types: []iamsweep.FindingType{iamsweep.TypeUnusedIAMUser, iamsweep.TypeUnusedIAMUserAccessKey},
			want: []string{"UnusedIAMUser", "UnusedIAMUserAccessKey"}, wantUsers: true, wantKeyListingNeeded: true},
		{name: "root keys and roles", types: []iamsweep.FindingType{iamsweep.TypeRootAccessKey, iamsweep.TypeUnusedIAMRole},
			want: []string{"RootAccessKey", "UnusedIAMRole"}, wantRoles: true, wantUsers: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if roles, users := Reads(tt.types); roles != tt.wantRoles || users != tt.wantUsers {
				t.Errorf("Reads = %v, %v; want %v, %v", roles, users, tt.wantRoles, tt.wantUsers)
			}
			if got := NeedsKeyListing(tt.types); got != tt.wantKeyListingNeeded {
				t.Errorf("NeedsKeyListing = %v, want %v", got, tt.wantKeyListingNeeded)
			}
			for _, onePass := range []bool{false, true} {
				var inv iamsweep.Inventory
				seq := &countingInventory{stubInventory: principals}
				reader := &stubReader{stubInventory: principals}
				if onePass {
					inv = reader
				} else {
					inv = seq
				}
				res, err := Account(t.Context(), inv, detect.Options{Now: now, UnusedDays: 90}, slog.New(slog.DiscardHandler), tt.types...)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, f := range res.Findings {
					got = append(got, string(f.Type))
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("one pass %v: finding types (-want +got):\n%s", onePass, diff)
				}
				if onePass {
					if reader.rolesOrUsersRan || reader.gotRoleFn != tt.wantRoles || reader.gotUserFn != tt.wantUsers {
						t.Errorf("Principals asked for roles %v, users %v (Roles or Users called: %v); want %v, %v",
							reader.gotRoleFn, reader.gotUserFn, reader.rolesOrUsersRan, tt.wantRoles, tt.wantUsers)
					}
				} else if seq.roles > 0 != tt.wantRoles || seq.users > 0 != tt.wantUsers {
					t.Errorf("Roles called %d times, Users %d; want roles %v, users %v", seq.roles, seq.users, tt.wantRoles, tt.wantUsers)
				}
			}
		})
	}
}

// countingInventory counts the calls of Roles and Users.
type countingInventory struct {
	stubInventory
	roles, users int
}

func (c *countingInventory) Roles(ctx context.Context, fn func(iamsweep.Role) error) error {
	c.roles++
	return c.stubInventory.Roles(ctx, fn)
}

func (c *countingInventory) Users(ctx context.Context, fn func(iamsweep.User) error) error {
	c.users++
	return c.stubInventory.Users(ctx, fn)
}

func TestAccount_onePassErrors(t *testing.T) {
	boom := errors.New("boom")
	tests := []struct {
		name      string
		inv       *stubReader
		types     []iamsweep.FindingType
		wantErr   string
		wantStage string
	}{
		{name: "the listing fails", inv: &stubReader{err: boom}, wantErr: "scan roles: boom", wantStage: "scan-roles"},
		{name: "the credential report fails", inv: &stubReader{err: &iamsweep.UsersError{Err: boom}}, wantErr: "scan users: boom", wantStage: "scan-users"},
		{name: "the listing of users alone fails", inv: &stubReader{err: boom}, types: []iamsweep.FindingType{iamsweep.TypeUnusedIAMUser},
			wantErr: "scan users: boom", wantStage: "scan-users"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stage, err := account(t.Context(), tt.inv, detect.Options{UnusedDays: 90}, tt.types, slog.New(slog.DiscardHandler))
			if err == nil || err.Error() != tt.wantErr || stage != tt.wantStage {
				t.Errorf("err = %v at stage %q, want %q at %q", err, stage, tt.wantErr, tt.wantStage)
			}
			if !errors.Is(err, boom) {
				t.Errorf("err %v does not wrap the inventory's", err)
			}
		})
	}
}
