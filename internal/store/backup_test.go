package store

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsweep/iamsweep"
)

func roleBackup(id string) iamsweep.Backup {
	r := fullRoleState()
	return iamsweep.Backup{
		ID: id, Created: t0.In(east), AccountID: r.AccountID, ARN: r.ARN, Principal: "role", Role: &r,
		PlanID: "p1", ActionID: "a002",
	}
}

func userBackup(id string) iamsweep.Backup {
	u := fullUserState()
	return iamsweep.Backup{
		ID: id, Created: t0, AccountID: u.AccountID, ARN: u.ARN, Principal: "user", User: &u,
		PlanID: "p1", ActionID: "a001",
	}
}

func TestStore_SaveBackup_roundTrip(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	for _, b := range []iamsweep.Backup{roleBackup("b-role"), userBackup("b-user")} {
		t.Run(b.Principal, func(t *testing.T) {
			// Every field of the backup, set in the role's or the user's.
			checked := b
			if checked.Role == nil {
				checked.Role = new(fullRoleState())
			} else {
				checked.User = new(fullUserState())
			}
			checkAllSet(t, checked)

			if err := s.SaveBackup(ctx, b); err != nil {
				t.Fatal(err)
			}
			got, err := s.LoadBackup(ctx, b.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(b, got); diff != "" {
				t.Errorf("LoadBackup (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStore_SaveBackup_nilAndEmpty(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	u := iamsweep.UserState{ARN: "arn:aws:iam::1:user/u", Tags: []iamsweep.Tag{}, Groups: []string{}} // LoginProfile nil, the rest nil
	b := iamsweep.Backup{ID: "b", Created: t0, ARN: u.ARN, Principal: "user", User: &u}
	if err := s.SaveBackup(ctx, b); err != nil {
		t.Fatal(err)
	}
	got, err := s.LoadBackup(ctx, "b")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(b, got); diff != "" {
		t.Errorf("LoadBackup (-want +got):\n%s", diff)
	}
}

func TestStore_SaveBackup_refusesDuplicateID(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	first := roleBackup("b1")
	if err := s.SaveBackup(ctx, first); err != nil {
		t.Fatal(err)
	}
	for name, b := range map[string]iamsweep.Backup{"same": roleBackup("b1"), "different": userBackup("b1")} {
		if err := s.SaveBackup(ctx, b); err == nil || !strings.Contains(err.Error(), "b1") {
			t.Errorf("SaveBackup of a %s backup under an existing ID: %v, want an error naming b1", name, err)
		}
	}
	got, err := s.LoadBackup(ctx, "b1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(first, got); diff != "" {
		t.Errorf("backup after refused overwrites (-want +got):\n%s", diff)
	}
}

func TestStore_SaveBackup_rejectsInvalid(t *testing.T) {
	s, _ := openTest(t)
	r, u := fullRoleState(), fullUserState()
	tests := []struct {
		name string
		b    iamsweep.Backup
	}{
		{"no ID", iamsweep.Backup{Created: t0, ARN: r.ARN, Principal: "role", Role: &r}},
		{"no ARN", iamsweep.Backup{ID: "x", Created: t0, Principal: "role", Role: &r}},
		{"no creation time", iamsweep.Backup{ID: "x", ARN: r.ARN, Principal: "role", Role: &r}},
		{"role without state", iamsweep.Backup{ID: "x", Created: t0, ARN: r.ARN, Principal: "role"}},
		{"role with user state", iamsweep.Backup{ID: "x", Created: t0, ARN: r.ARN, Principal: "role", User: &u}},
		{"both states", iamsweep.Backup{ID: "x", Created: t0, ARN: r.ARN, Principal: "user", Role: &r, User: &u}},
		{"unknown principal", iamsweep.Backup{ID: "x", Created: t0, ARN: r.ARN, Principal: "group", Role: &r}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.SaveBackup(t.Context(), tt.b); err == nil {
				t.Error("SaveBackup succeeded")
			}
		})
	}
	if got, err := s.Backups(t.Context(), ""); err != nil || len(got) != 0 {
		t.Errorf("Backups after invalid saves = %d backups, %v; want none", len(got), err)
	}
}

func TestStore_LoadBackup_notFound(t *testing.T) {
	s, _ := openTest(t)
	if _, err := s.LoadBackup(t.Context(), "nope"); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("LoadBackup of a missing backup: %v, want ErrNotFound", err)
	}
}

func TestStore_Backups(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	at := func(b iamsweep.Backup, days int) iamsweep.Backup { b.Created = day(days); return b }
	saved := []iamsweep.Backup{
		at(roleBackup("r-old"), -10),
		at(userBackup("u-1"), -5),
		at(roleBackup("r-new"), -1),
		at(roleBackup("r-tie-a"), -3),
		at(roleBackup("r-tie-b"), -3), // same time, saved later: listed first
	}
	for _, b := range saved {
		if err := s.SaveBackup(ctx, b); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(bs []iamsweep.Backup) []string {
		var out []string
		for _, b := range bs {
			out = append(out, b.ID)
		}
		return out
	}
	tests := []struct {
		arn  string
		want []string
	}{
		{"", []string{"r-new", "r-tie-b", "r-tie-a", "u-1", "r-old"}},
		{fullRoleState().ARN, []string{"r-new", "r-tie-b", "r-tie-a", "r-old"}},
		{fullUserState().ARN, []string{"u-1"}},
		{"arn:aws:iam::111122223333:role/none", nil},
	}
	for _, tt := range tests {
		t.Run("arn="+tt.arn, func(t *testing.T) {
			got, err := s.Backups(ctx, tt.arn)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, ids(got)); diff != "" {
				t.Errorf("Backups (-want +got):\n%s", diff)
			}
		})
	}
	// Listed backups are whole.
	got, err := s.Backups(ctx, fullUserState().ARN)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(saved[1], got[0]); diff != "" {
		t.Errorf("listed backup (-want +got):\n%s", diff)
	}
}

// Not even SQL run on the database can change or remove a backup.
func TestStore_backupsAreNeverChangedOrDeleted(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if err := s.SaveBackup(ctx, roleBackup("b1")); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE backups SET state = '{}' WHERE id = 'b1'`,
		`DELETE FROM backups WHERE id = 'b1'`,
		`DELETE FROM backups`,
	} {
		if _, err := s.db.ExecContext(ctx, stmt); err == nil {
			t.Errorf("%s succeeded", stmt)
		}
	}
	if _, err := s.LoadBackup(ctx, "b1"); err != nil {
		t.Errorf("LoadBackup after the attempts: %v", err)
	}
}

// TestBackupDocument: the document `iamsweep backups ID` prints names its
// fields in snake_case, holds exactly the principal it backs up, and
// carries every restorable field (read back, it gives the backup again).
func TestBackupDocument(t *testing.T) {
	for _, b := range []iamsweep.Backup{roleBackup("b-role"), userBackup("b-user")} {
		text, err := json.Marshal(BackupDocument(b, true))
		if err != nil {
			t.Fatal(err)
		}
		var top map[string]json.RawMessage
		if err := json.Unmarshal(text, &top); err != nil {
			t.Fatal(err)
		}
		var keys []string
		for k := range top {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		want := []string{"account_id", "action_id", "arn", "created", "format", "id", "plan_id", "principal", b.Principal}
		slices.Sort(want)
		if diff := cmp.Diff(want, keys); diff != "" {
			t.Errorf("%s: top-level keys (-want +got):\n%s", b.ID, diff)
		}
		back := iamsweep.Backup{Principal: b.Principal}
		switch b.Principal {
		case "role":
			var r roleStateV1
			if err := decode(formatV1, string(top["role"]), &r); err != nil {
				t.Fatalf("%s: %v", b.ID, err)
			}
			st := fromRoleState(r)
			back.Role = &st
		case "user":
			var u userStateV1
			if err := decode(formatV1, string(top["user"]), &u); err != nil {
				t.Fatalf("%s: %v", b.ID, err)
			}
			st := fromUserState(u)
			back.User = &st
		}
		if diff := cmp.Diff(iamsweep.Backup{Principal: b.Principal, Role: b.Role, User: b.User}, back); diff != "" {
			t.Errorf("%s: the document's state (-backup +document):\n%s", b.ID, diff)
		}
		if !strings.Contains(string(text), `"format":1`) || strings.Contains(string(text), `"TrustPolicy"`) {
			t.Errorf("%s: document %s", b.ID, text)
		}
	}
}
