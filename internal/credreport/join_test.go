package credreport

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestJoin(t *testing.T) {
	created := ts("2020-01-01T00:00:00Z")
	details := []iamsweep.User{
		{Name: "Alice", Path: "/dev/", ID: "AIDAALICE", ARN: "arn:aws:iam::111122223333:user/dev/Alice", AccountID: "111122223333", Created: created, HasDetails: true, Tags: []iamsweep.Tag{{Key: "owner", Value: "a@example.com"}}},
		{Name: "new-user", Path: "/", ID: "AIDANEW", Created: ts("2026-11-22T00:00:00Z"), HasDetails: true},
	}
	report := []iamsweep.User{
		{Name: RootUser, Root: true, ARN: "arn:aws:iam::111122223333:root", HasCredentials: true},
		{Name: "alice", Path: "/dev/", ARN: "arn:aws:iam::111122223333:user/dev/alice", AccountID: "111122223333", Created: created, HasCredentials: true,
			Password: &iamsweep.Password{LastChanged: created}, AccessKeys: []iamsweep.AccessKey{{Slot: 1, Active: true, Created: created}}, MFAActive: true},
		{Name: "deleted-user", Path: "/", HasCredentials: true},
	}
	got := Join(details, report)
	want := []iamsweep.User{
		{Name: RootUser, Root: true, ARN: "arn:aws:iam::111122223333:root", HasCredentials: true},
		{Name: "Alice", Path: "/dev/", ID: "AIDAALICE", ARN: "arn:aws:iam::111122223333:user/dev/Alice", AccountID: "111122223333", Created: created,
			HasDetails: true, HasCredentials: true, Tags: []iamsweep.Tag{{Key: "owner", Value: "a@example.com"}},
			Password: &iamsweep.Password{LastChanged: created}, AccessKeys: []iamsweep.AccessKey{{Slot: 1, Active: true, Created: created}}, MFAActive: true},
		{Name: "deleted-user", Path: "/", HasCredentials: true},
		{Name: "new-user", Path: "/", ID: "AIDANEW", Created: ts("2026-11-22T00:00:00Z"), HasDetails: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Join mismatch (-want +got):\n%s", diff)
	}
}

func TestMatchKeys(t *testing.T) {
	t1, t2 := ts("2021-01-01T10:00:00Z"), ts("2023-05-05T05:05:05Z")
	tests := []struct {
		name   string
		slots  []iamsweep.AccessKey
		listed []ListedKey
		want   []string // ID per slot
		active []bool
	}{
		{"by creation time, listing out of order",
			[]iamsweep.AccessKey{{Slot: 1, Active: true, Created: t1}, {Slot: 2, Active: true, Created: t2}},
			[]ListedKey{{ID: "AKIA2", Active: true, Created: t2}, {ID: "AKIA1", Active: true, Created: t1.Add(300 * time.Millisecond)}},
			[]string{"AKIA1", "AKIA2"}, []bool{true, true}},
		{"status from the fresher listing",
			[]iamsweep.AccessKey{{Slot: 1, Active: true, Created: t1}},
			[]ListedKey{{ID: "AKIA1", Active: false, Created: t1}},
			[]string{"AKIA1"}, []bool{false}},
		{"no time match: creation order",
			[]iamsweep.AccessKey{{Slot: 1, Active: true, Created: t2.Add(time.Hour)}, {Slot: 2, Active: true}},
			[]ListedKey{{ID: "AKIALATE", Active: true, Created: t2}, {ID: "AKIAEARLY", Active: true, Created: t1}},
			[]string{"AKIAEARLY", "AKIALATE"}, []bool{true, true}},
		{"key deleted since the report",
			[]iamsweep.AccessKey{{Slot: 1, Active: true, Created: t1}, {Slot: 2, Active: true, Created: t2}},
			[]ListedKey{{ID: "AKIA2", Active: true, Created: t2}},
			[]string{"", "AKIA2"}, []bool{true, true}},
		{"nothing listed", []iamsweep.AccessKey{{Slot: 1, Active: true, Created: t1}}, nil, []string{""}, []bool{true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := MatchKeys(tt.slots, tt.listed)
			var ids []string
			var active []bool
			for _, k := range got {
				ids = append(ids, k.ID)
				active = append(active, k.Active)
			}
			if diff := cmp.Diff(tt.want, ids); diff != "" {
				t.Errorf("IDs (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.active, active); diff != "" {
				t.Errorf("active (-want +got):\n%s", diff)
			}
			if len(tt.slots) > 0 && tt.slots[0].ID != "" {
				t.Error("MatchKeys modified its input")
			}
		})
	}
}
