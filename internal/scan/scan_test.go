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
