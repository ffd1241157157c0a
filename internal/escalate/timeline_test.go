package escalate

import (
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/iamsweep/iamsweep"
)

func TestPlan(t *testing.T) {
	noticed := with(func(s *State) {
		s.Stage, s.FirstNoticeAt, s.Next, s.NextAt = iamsweep.StageNotice, t0, iamsweep.ActionQuarantine, at(14)
	})
	tests := []struct {
		name string
		st   State
		now  time.Time
		want []Planned
	}{
		{"noticed: warning, quarantine, warning, deletion", noticed, at(1), []Planned{
			{at(11), "quarantine-warning notice: quarantine on 2026-12-15"},
			{at(14), "quarantine"},
			{at(41), "delete-warning notice: delete on 2027-01-14"},
			{at(44), "delete (if still unused; the backup is kept)"},
		}},
		{"warning late: the step moves", noticed, at(20), []Planned{
			{at(20), "quarantine-warning notice: quarantine on 2026-12-24"},
			{at(23), "quarantine"},
			{at(50), "delete-warning notice: delete on 2027-01-23"},
			{at(53), "delete (if still unused; the backup is kept)"},
		}},
		{"warned", with(func(s *State) { *s = noticed; s.Stage = iamsweep.StageQuarantineWarning }), at(12), []Planned{
			{at(14), "quarantine"},
			{at(41), "delete-warning notice: delete on 2027-01-14"},
			{at(44), "delete (if still unused; the backup is kept)"},
		}},
		// Warned, then snoozed past the date: warned again when the snooze
		// ends, the step warn-before later.
		{"snoozed past the date", with(func(s *State) { *s = noticed; s.Stage, s.SnoozedUntil = iamsweep.StageQuarantineWarning, at(30) }), at(12), []Planned{
			{at(30), "quarantine-warning notice: quarantine on 2027-01-03"},
			{at(33), "quarantine"},
			{at(60), "delete-warning notice: delete on 2027-02-02"},
			{at(63), "delete (if still unused; the backup is kept)"},
		}},
		{"snoozed, as the escalation keeps it", with(func(s *State) { *s = noticed; s.SnoozedUntil, s.NextAt = at(30), at(30) }), at(12), []Planned{
			{at(30), "quarantine-warning notice: quarantine on 2027-01-03"},
			{at(33), "quarantine"},
			{at(60), "delete-warning notice: delete on 2027-02-02"},
			{at(63), "delete (if still unused; the backup is kept)"},
		}},
		{"quarantined", with(func(s *State) {
			*s = noticed
			s.Stage, s.QuarantinedAt, s.Next, s.NextAt = iamsweep.StageQuarantined, at(14), iamsweep.ActionDelete, at(44)
		}), at(15), []Planned{
			{at(41), "delete-warning notice: delete on 2027-01-14"},
			{at(44), "delete"},
		}},
		{"stopped", with(func(s *State) { *s = noticed; s.Stopped = "stopped: used on 2026-12-05" }), at(5), nil},
		{"notice only", with(func(s *State) { s.Stage, s.FirstNoticeAt = iamsweep.StageNotice, t0 }), at(5), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, Plan(tt.st, policy(), tt.now)); diff != "" {
				t.Errorf("Plan (-want +got):\n%s", diff)
			}
		})
	}
}
