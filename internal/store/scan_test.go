package store

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsweep/iamsweep"
)

func TestStore_RecordScan_roundTrip(t *testing.T) {
	checkAllSet(t, fullFinding())
	s, _ := openTest(t)
	ctx := t.Context()

	zeroDays := fullFinding()
	zeroDays.Type, zeroDays.KeySlot, zeroDays.AccessKeyID = iamsweep.TypeUnusedIAMUserPassword, 0, ""
	zeroDays.DaysUnused = intp(0)    // used today: 0, not nil
	zeroDays.Tags = []iamsweep.Tag{} // read, and none: not nil
	neverUsed := iamsweep.Finding{   // no times, no use, nil DaysUnused
		Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333", ARN: "arn:aws:iam::111122223333:role/never",
		Name: "never", Path: "/", Verdict: iamsweep.VerdictUnused, Rule: iamsweep.RuleNoRecordedUse,
		Reason: "no recorded use in IAM's 400-day tracking period",
	}
	root := iamsweep.Finding{
		Type: iamsweep.TypeRootAccessKey, AccountID: "000011112222", ARN: "arn:aws:iam::000011112222:root",
		Verdict: iamsweep.VerdictUnused, KeySlot: 2, LastUsed: iamsweep.Usage{Time: day(-300)},
		DaysUnused: intp(300),
	}
	exempt := iamsweep.Finding{
		Type: iamsweep.TypeUnusedIAMRole, AccountID: "111122223333",
		ARN:     "arn:aws:iam::111122223333:role/aws-service-role/x.amazonaws.com/AWSServiceRoleForX",
		Verdict: iamsweep.VerdictExempt, Rule: iamsweep.RuleServiceLinked, Created: day(-5),
	}
	in := iamsweep.ScanResult{
		AsOf:       t0.In(east),
		UnusedDays: 90,
		Findings:   []iamsweep.Finding{fullFinding(), zeroDays, neverUsed, root, exempt},
	}
	want := in
	want.Findings = slices.Clone(in.Findings)
	iamsweep.SortFindings(want.Findings)

	id, err := s.RecordScan(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	gotID, got, err := s.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if gotID != id {
		t.Errorf("LatestScan ID = %d, want %d", gotID, id)
	}
	// cmp.Diff compares times with Equal and tells a nil DaysUnused from a
	// pointer to 0.
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("LatestScan (-want +got):\n%s", diff)
	}
	if got.AsOf.Location() != time.UTC {
		t.Errorf("AsOf location = %v, want UTC", got.AsOf.Location())
	}
}

func TestStore_RecordScan_empty(t *testing.T) {
	s, _ := openTest(t)
	in := iamsweep.ScanResult{AsOf: t0, UnusedDays: 30}
	if _, err := s.RecordScan(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	_, got, err := s.LatestScan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(in, got); diff != "" {
		t.Errorf("LatestScan (-want +got):\n%s", diff)
	}
}

func TestStore_RecordScan_rejects(t *testing.T) {
	s, _ := openTest(t)
	tests := []struct {
		name string
		res  iamsweep.ScanResult
	}{
		{"no as-of time", iamsweep.ScanResult{UnusedDays: 90}},
		{"time out of range", iamsweep.ScanResult{AsOf: t0, Findings: []iamsweep.Finding{{ARN: "x", Created: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := s.RecordScan(t.Context(), tt.res); err == nil {
				t.Error("RecordScan succeeded")
			}
		})
	}
	// A rejected scan leaves nothing behind.
	if _, _, err := s.LatestScan(t.Context()); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("LatestScan after rejected scans: %v, want ErrNotFound", err)
	}
}

func TestStore_LatestScan(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if _, _, err := s.LatestScan(ctx); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Fatalf("LatestScan of an empty store: %v, want ErrNotFound", err)
	}
	s.now = clock(day(7))
	first, err := s.RecordScan(ctx, iamsweep.ScanResult{AsOf: t0, UnusedDays: 90})
	if err != nil {
		t.Fatal(err)
	}
	// An older export scanned later is the latest scan: the one recorded last.
	second, err := s.RecordScan(ctx, iamsweep.ScanResult{AsOf: day(-30), UnusedDays: 180})
	if err != nil {
		t.Fatal(err)
	}
	if second <= first {
		t.Errorf("scan IDs %d then %d; want increasing", first, second)
	}
	var recorded string
	if err := s.db.QueryRowContext(ctx, `SELECT recorded_at FROM scans WHERE id = ?`, second).Scan(&recorded); err != nil {
		t.Fatal(err)
	}
	if want := "2026-11-30T10:30:00.123456789Z"; recorded != want {
		t.Errorf("recorded_at = %q, want %q (the store's clock)", recorded, want)
	}
	id, res, err := s.LatestScan(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id != second || !res.AsOf.Equal(day(-30)) || res.UnusedDays != 180 {
		t.Errorf("LatestScan = %d as of %s (N=%d), want %d as of %s (N=180)", id, res.AsOf, res.UnusedDays, second, day(-30))
	}
}

func TestStore_History(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	const (
		role  = "arn:aws:iam::111122223333:role/old"
		user  = "arn:aws:iam::111122223333:user/bob"
		bobby = "arn:aws:iam::111122223333:user/bobby"
		other = "arn:aws:iam::444455556666:role/elsewhere"
	)
	f := func(typ iamsweep.FindingType, arn string, v iamsweep.Verdict, keyID string, slot int) iamsweep.Finding {
		return iamsweep.Finding{Type: typ, AccountID: "111122223333", ARN: arn, Verdict: v, AccessKeyID: keyID, KeySlot: slot}
	}
	const (
		unused = iamsweep.VerdictUnused
		used   = iamsweep.VerdictUsed
		exempt = iamsweep.VerdictExempt
	)
	roleF := func(v iamsweep.Verdict) iamsweep.Finding { return f(iamsweep.TypeUnusedIAMRole, role, v, "", 0) }
	userF := func(v iamsweep.Verdict) iamsweep.Finding { return f(iamsweep.TypeUnusedIAMUser, user, v, "", 0) }
	pwF := func(v iamsweep.Verdict) iamsweep.Finding {
		return f(iamsweep.TypeUnusedIAMUserPassword, user, v, "", 0)
	}
	keyF := func(v iamsweep.Verdict, id string, slot int) iamsweep.Finding {
		return f(iamsweep.TypeUnusedIAMUserAccessKey, user, v, id, slot)
	}
	scans := []struct {
		asOf     time.Time
		findings []iamsweep.Finding
	}{
		{day(0), []iamsweep.Finding{roleF(unused), keyF(used, "AKIA2", 2), keyF(unused, "AKIA1", 1), pwF(unused), userF(unused), f(iamsweep.TypeUnusedIAMUser, bobby, unused, "", 0)}},
		{day(1), []iamsweep.Finding{roleF(unused), userF(used), pwF(unused), keyF(unused, "AKIA1", 1), keyF(unused, "AKIA2", 2)}},
		{day(2), []iamsweep.Finding{f(iamsweep.TypeUnusedIAMRole, other, unused, "", 0)}}, // another account: bob and the role are absent
		{day(3), []iamsweep.Finding{roleF(used), userF(unused), pwF(exempt), keyF(unused, "AKIA1", 1), keyF(unused, "AKIA2", 2)}},
		// Key 2 was rotated: a new key in slot 2 is a new record.
		{day(4), []iamsweep.Finding{roleF(unused), userF(unused), pwF(unused), keyF(unused, "AKIA1", 1), keyF(unused, "AKIA3", 2)}},
		// An older export, scanned last: first in time.
		{day(-1), []iamsweep.Finding{roleF(unused)}},
	}
	ids := make([]int64, len(scans))
	for i, sc := range scans {
		id, err := s.RecordScan(ctx, iamsweep.ScanResult{AsOf: sc.asOf, UnusedDays: 90, Findings: sc.findings})
		if err != nil {
			t.Fatal(err)
		}
		ids[i] = id
	}
	e := func(scan int, fd iamsweep.Finding, firstUnused time.Time) iamsweep.HistoryEntry {
		return iamsweep.HistoryEntry{ScanID: ids[scan], AsOf: scans[scan].asOf, Finding: fd, FirstUnused: firstUnused}
	}
	var never time.Time
	tests := []struct {
		arn  string
		want []iamsweep.HistoryEntry
	}{
		{role, []iamsweep.HistoryEntry{
			e(5, roleF(unused), day(-1)),
			e(0, roleF(unused), day(-1)),
			e(1, roleF(unused), day(-1)),
			e(3, roleF(used), never),
			e(4, roleF(unused), day(4)),
		}},
		{user, []iamsweep.HistoryEntry{
			e(0, userF(unused), day(0)),
			e(0, keyF(unused, "AKIA1", 1), day(0)),
			e(0, keyF(used, "AKIA2", 2), never),
			e(0, pwF(unused), day(0)),

			e(1, userF(used), never),
			e(1, keyF(unused, "AKIA1", 1), day(0)),
			e(1, keyF(unused, "AKIA2", 2), day(1)),
			e(1, pwF(unused), day(0)),

			e(3, userF(unused), day(3)),
			e(3, keyF(unused, "AKIA1", 1), day(0)),
			e(3, keyF(unused, "AKIA2", 2), day(1)),
			e(3, pwF(exempt), never),

			e(4, userF(unused), day(3)),
			e(4, keyF(unused, "AKIA1", 1), day(0)),
			e(4, keyF(unused, "AKIA3", 2), day(4)),
			e(4, pwF(unused), day(4)),
		}},
		{"arn:aws:iam::111122223333:user/nobody", nil},
	}
	for _, tt := range tests {
		t.Run(tt.arn, func(t *testing.T) {
			got, err := s.History(ctx, tt.arn)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("History (-want +got):\n%s", diff)
			}
		})
	}
}

func TestStore_ScanRecorder(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	first := iamsweep.ScanResult{AsOf: t0, UnusedDays: 90, Findings: []iamsweep.Finding{fullFinding()}}
	firstID, err := s.RecordScan(ctx, first)
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string, v iamsweep.Verdict) iamsweep.Finding {
		f := fullFinding()
		f.Name, f.ARN, f.Verdict = name, "arn:aws:iam::111122223333:role/"+name, v
		return f
	}
	rec, err := s.BeginScan(ctx, day(1), 30)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Add(ctx, []iamsweep.Finding{mk("b", iamsweep.VerdictUnused), mk("a", iamsweep.VerdictUsed)}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Add(ctx, []iamsweep.Finding{fullFinding()}); err != nil {
		t.Fatal(err)
	}
	// Not visible before Finish.
	if id, _, err := s.LatestScan(ctx); err != nil || id != firstID {
		t.Errorf("LatestScan during a recording = %d, %v; want the earlier scan %d", id, err, firstID)
	}
	if h, err := s.History(ctx, fullFinding().ARN); err != nil || len(h) != 1 {
		t.Errorf("History during a recording has %d entries (%v), want 1", len(h), err)
	}
	id, err := rec.Finish(ctx)
	if err != nil {
		t.Fatal(err)
	}
	gotID, got, err := s.LatestScan(ctx)
	if err != nil || gotID != id || got.UnusedDays != 30 || !got.AsOf.Equal(day(1)) || len(got.Findings) != 3 {
		t.Fatalf("LatestScan after Finish = %d %+v, %v", gotID, got, err)
	}
	// An aborted recording leaves nothing.
	rec, err = s.BeginScan(ctx, day(2), 90)
	if err != nil {
		t.Fatal(err)
	}
	if err := rec.Add(ctx, []iamsweep.Finding{fullFinding()}); err != nil {
		t.Fatal(err)
	}
	if err := rec.Abort(ctx); err != nil {
		t.Fatal(err)
	}
	if gotID, _, _ := s.LatestScan(ctx); gotID != id {
		t.Errorf("LatestScan after an abort = %d, want %d", gotID, id)
	}
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM finding_chunks WHERE scan_id > ?`, id).Scan(&n); err != nil || n != 0 {
		t.Errorf("an aborted scan left %d chunks of findings (%v)", n, err)
	}
	if _, err := s.BeginScan(ctx, time.Time{}, 90); err == nil {
		t.Error("BeginScan without an as-of time succeeded")
	}
}
