package store

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/iamsweep/iamsweep"
)

const (
	keyA = iamsweep.FindingKey("111122223333 UnusedIAMRole arn:aws:iam::111122223333:role/a")
	keyB = iamsweep.FindingKey("111122223333 UnusedIAMRole arn:aws:iam::111122223333:role/b")
)

func TestSecret_createdOnceAndKept(t *testing.T) {
	s, path := openTest(t)
	ctx := t.Context()
	calls := 0
	gen := func() ([]byte, error) { calls++; return []byte(fmt.Sprintf("secret-%d", calls)), nil }
	v1, err := s.Secret(ctx, "link-key", gen)
	if err != nil {
		t.Fatal(err)
	}
	v2, err := s.Secret(ctx, "link-key", gen)
	if err != nil {
		t.Fatal(err)
	}
	if string(v1) != "secret-1" || string(v2) != "secret-1" || calls != 1 {
		t.Errorf("Secret twice = %q, %q with %d generations; want secret-1 twice, 1 generation", v1, v2, calls)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s2 := openAt(t, path)
	v3, err := s2.Secret(ctx, "link-key", nil)
	if err != nil || string(v3) != "secret-1" {
		t.Errorf("Secret after reopen = %q, %v; want secret-1", v3, err)
	}
	if _, err := s2.Secret(ctx, "other", nil); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("Secret of a missing name without gen: %v, want ErrNotFound", err)
	}
}

func TestSecret_genErrorStoresNothing(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	boom := errors.New("no entropy")
	if _, err := s.Secret(ctx, "k", func() ([]byte, error) { return nil, boom }); !errors.Is(err, boom) {
		t.Errorf("Secret with a failing gen: %v, want %v", err, boom)
	}
	if _, err := s.Secret(ctx, "k", func() ([]byte, error) { return nil, nil }); err == nil {
		t.Error("Secret accepted an empty secret")
	}
	v, err := s.Secret(ctx, "k", func() ([]byte, error) { return []byte("ok"), nil })
	if err != nil || string(v) != "ok" {
		t.Errorf("Secret after failures = %q, %v", v, err)
	}
}

func TestSecret_concurrentCallersAgree(t *testing.T) {
	s, path := openTest(t)
	s2 := openAt(t, path) // a second Store: another process, as far as SQLite knows
	var gens atomic.Int32
	const n = 12
	got := make([][]byte, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		st := s
		if i%2 == 1 {
			st = s2
		}
		wg.Go(func() {
			got[i], errs[i] = st.Secret(t.Context(), "link-key", func() ([]byte, error) {
				return []byte(fmt.Sprintf("v%d", gens.Add(1))), nil
			})
		})
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("caller %d: %v", i, errs[i])
		}
		if !bytes.Equal(got[i], got[0]) {
			t.Errorf("caller %d got %q, caller 0 %q", i, got[i], got[0])
		}
	}
	if g := gens.Load(); g != 1 {
		t.Errorf("gen ran %d times, want once", g)
	}
}

func exception(id string, key iamsweep.FindingKey, from, until int) iamsweep.Exception {
	return iamsweep.Exception{ID: id, Key: key, ARN: "arn:" + id, By: "alice@example.com",
		Reason: "disaster recovery", Created: day(from).In(east), Until: day(until).In(east)}
}

// exceptionUTC returns e with its times in UTC, as the store returns them.
func exceptionUTC(e iamsweep.Exception) iamsweep.Exception {
	e.Created, e.Until = e.Created.UTC(), e.Until.UTC()
	if !e.Revoked.IsZero() {
		e.Revoked = e.Revoked.UTC()
	}
	return e
}

func TestExceptions_filterAndRevoke(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	e1 := exception("x1", keyA, 0, 10)
	e2 := exception("x2", keyB, 1, 20)
	e3 := exception("x3", keyA, 5, 30)
	for _, e := range []iamsweep.Exception{e1, e2, e3} {
		if err := s.AddException(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RevokeException(ctx, "x3", day(8), "bob"); err != nil {
		t.Fatal(err)
	}
	e3.Revoked = day(8)
	ids := func(es []iamsweep.Exception) string {
		var b []string
		for _, e := range es {
			b = append(b, e.ID)
		}
		return strings.Join(b, ",")
	}
	tests := []struct {
		name string
		f    ExceptionFilter
		want string
	}{
		{"all", ExceptionFilter{}, "x1,x2,x3"},
		{"key", ExceptionFilter{Key: keyA}, "x1,x3"},
		{"before any", ExceptionFilter{ActiveAt: day(-1)}, ""},
		{"at creation", ExceptionFilter{ActiveAt: day(0)}, "x1"},
		{"x3 active before its revocation", ExceptionFilter{ActiveAt: day(8).Add(-time.Nanosecond)}, "x1,x2,x3"},
		{"at revocation", ExceptionFilter{ActiveAt: day(8)}, "x1,x2"},
		{"just before until", ExceptionFilter{ActiveAt: day(10).Add(-time.Nanosecond)}, "x1,x2"},
		{"at until", ExceptionFilter{ActiveAt: day(10)}, "x2"},
		{"key and time", ExceptionFilter{ActiveAt: day(9), Key: keyA}, "x1"},
		{"after all", ExceptionFilter{ActiveAt: day(40)}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.Exceptions(ctx, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if ids(got) != tt.want {
				t.Errorf("Exceptions = %s, want %s", ids(got), tt.want)
			}
			for _, e := range got { // the store agrees with Exception.Active
				if !tt.f.ActiveAt.IsZero() && !e.Active(tt.f.ActiveAt) {
					t.Errorf("%s returned but not Active at %s", e.ID, tt.f.ActiveAt)
				}
			}
		})
	}
	all, err := s.Exceptions(ctx, ExceptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]iamsweep.Exception{exceptionUTC(e1), exceptionUTC(e2), exceptionUTC(e3)}, all); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	if err := s.RevokeException(ctx, "x3", day(9), "carol"); err == nil || !strings.Contains(err.Error(), "revoked already") {
		t.Errorf("revoking twice: %v, want revoked already", err)
	}
	if err := s.RevokeException(ctx, "nope", day(9), "carol"); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("revoking an unknown exception: %v, want ErrNotFound", err)
	}
}

func TestAddException_rejectsBadExceptions(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	if err := s.AddException(ctx, exception("x1", keyA, 0, 1)); err != nil {
		t.Fatal(err)
	}
	revoked := exception("x9", keyA, 0, 1)
	revoked.Revoked = day(0)
	noCreated := exception("x8", keyA, 0, 1)
	noCreated.Created = time.Time{}
	for name, e := range map[string]iamsweep.Exception{
		"duplicate ID":     exception("x1", keyB, 0, 1),
		"no ID":            exception("", keyA, 0, 1),
		"no key":           exception("x2", "", 0, 1),
		"until at created": exception("x3", keyA, 1, 1),
		"until before":     exception("x4", keyA, 2, 1),
		"revoked":          revoked,
		"no created":       noCreated,
	} {
		if err := s.AddException(ctx, e); err == nil {
			t.Errorf("%s: AddException accepted it", name)
		}
	}
	if got, _ := s.Exceptions(ctx, ExceptionFilter{}); len(got) != 1 {
		t.Errorf("%d exceptions stored, want 1", len(got))
	}
}

func TestDecisions_roundTripAndOrder(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	d1 := iamsweep.Decision{ID: "d1", Key: keyA, ARN: "arn:a", Kind: iamsweep.DecisionSnooze, By: "alice@example.com",
		From: "192.0.2.1", At: day(2).In(east), Reason: "on leave", Until: day(9).In(east)}
	d2 := iamsweep.Decision{Key: keyB, ARN: "arn:b", Kind: iamsweep.DecisionRemove, By: "bob", From: "cli", At: day(1)}
	d3 := iamsweep.Decision{ID: "d3", Key: keyA, ARN: "arn:a", Kind: iamsweep.DecisionKeep, By: "op", From: "cli", At: day(3), Until: day(100)}
	for _, d := range []iamsweep.Decision{d1, d2, d3} {
		if err := s.RecordDecision(ctx, d); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.RecordDecision(ctx, d1); err == nil {
		t.Error("RecordDecision accepted a decision ID twice")
	}
	for name, d := range map[string]iamsweep.Decision{
		"no key": {Kind: iamsweep.DecisionKeep, At: day(1)}, "no kind": {Key: keyA, At: day(1)},
		"no time": {Key: keyA, Kind: iamsweep.DecisionKeep},
	} {
		if err := s.RecordDecision(ctx, d); err == nil {
			t.Errorf("%s: RecordDecision accepted it", name)
		}
	}
	all, err := s.Decisions(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) != 3 || !strings.HasPrefix(all[0].ID, "d-") || len(all[0].ID) != 18 {
		t.Fatalf("Decisions = %+v, want 3, the first with a generated ID", all)
	}
	d2.ID = all[0].ID
	d1.At, d1.Until = d1.At.UTC(), d1.Until.UTC()
	if diff := cmp.Diff([]iamsweep.Decision{d2, d1, d3}, all); diff != "" {
		t.Errorf("Decisions (-want +got):\n%s", diff)
	}
	ofA, err := s.Decisions(ctx, keyA)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]iamsweep.Decision{d1, d3}, ofA); diff != "" {
		t.Errorf("Decisions(keyA) (-want +got):\n%s", diff)
	}
	if _, err := s.db.ExecContext(ctx, `UPDATE decisions SET reason = 'x'`); err == nil {
		t.Error("a decision was updated")
	}
	if _, err := s.db.ExecContext(ctx, `DELETE FROM decisions`); err == nil {
		t.Error("a decision was deleted")
	}
}

func hashOf(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

func token(tok string, kind iamsweep.DecisionKind, created, expires time.Time) LinkToken {
	return LinkToken{Hash: hashOf(tok), NoticeID: "n1", Key: keyA, ARN: "arn:a", Kind: kind,
		Recipient: "email:alice@example.com", Created: created, Expires: expires}
}

func TestLinkTokens_putAndGet(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	tk := token("keep", iamsweep.DecisionKeep, day(0).In(east), day(14).In(east))
	tr := token("remove", iamsweep.DecisionRemove, day(0), day(14))
	if err := s.PutLinkTokens(ctx, []LinkToken{tk, tr}); err != nil {
		t.Fatal(err)
	}
	got, err := s.LinkToken(ctx, hashOf("keep"))
	if err != nil {
		t.Fatal(err)
	}
	tk.Created, tk.Expires = tk.Created.UTC(), tk.Expires.UTC()
	if diff := cmp.Diff(tk, got); diff != "" {
		t.Errorf("LinkToken (-want +got):\n%s", diff)
	}
	if _, err := s.LinkToken(ctx, hashOf("nope")); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("LinkToken of an unknown hash: %v, want ErrNotFound", err)
	}
	// All or none: a batch with one bad token stores none of it.
	good := token("snooze", iamsweep.DecisionSnooze, day(0), day(14))
	for name, bad := range map[string]LinkToken{
		"repeated hash": tr,
		"short hash":    {Hash: []byte("x"), Key: keyA, Kind: iamsweep.DecisionKeep, Created: day(0), Expires: day(1)},
		"no expiry":     token("x", iamsweep.DecisionKeep, day(0), time.Time{}),
		"no kind":       token("y", "", day(0), day(1)),
	} {
		if err := s.PutLinkTokens(ctx, []LinkToken{good, bad}); err == nil {
			t.Errorf("%s: PutLinkTokens accepted it", name)
		}
		if _, err := s.LinkToken(ctx, good.Hash); !errors.Is(err, iamsweep.ErrNotFound) {
			t.Errorf("%s: the good token of a refused batch was stored (%v)", name, err)
		}
	}
}

func TestUseLinkToken_onceAndOnlyInTime(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	keep := token("keep", iamsweep.DecisionKeep, day(0), day(14))
	snooze := token("snooze", iamsweep.DecisionSnooze, day(0), day(14))
	if err := s.PutLinkTokens(ctx, []LinkToken{keep, snooze}); err != nil {
		t.Fatal(err)
	}
	dKeep := iamsweep.Decision{ID: "d1", Key: keyA, ARN: "arn:a", Kind: iamsweep.DecisionKeep, By: "email:alice@example.com",
		From: "192.0.2.1", At: day(1), Reason: "DR role", Until: day(90)}
	ex := &iamsweep.Exception{ID: "x1", Key: keyA, ARN: "arn:a", By: "email:alice@example.com", Reason: "DR role", Created: day(1), Until: day(90)}

	// Refusals record nothing and leave the token usable.
	refusals := []struct {
		name string
		hash []byte
		at   time.Time
		d    iamsweep.Decision
		e    *iamsweep.Exception
		is   error
	}{
		{"unknown token", hashOf("nope"), day(1), dKeep, ex, iamsweep.ErrNotFound},
		{"at expiry", keep.Hash, day(14), dKeep, ex, iamsweep.ErrTokenExpired},
		{"after expiry", keep.Hash, day(15), dKeep, ex, iamsweep.ErrTokenExpired},
		{"keep without exception", keep.Hash, day(1), dKeep, nil, nil},
		{"other kind", snooze.Hash, day(1), dKeep, ex, nil},
		{"other finding", keep.Hash, day(1), func() iamsweep.Decision { d := dKeep; d.Key = keyB; return d }(), ex, nil},
		{"bad exception", keep.Hash, day(1), dKeep, &iamsweep.Exception{ID: "x2", Key: keyA, Created: day(1), Until: day(0)}, nil},
	}
	for _, r := range refusals {
		err := s.UseLinkToken(ctx, r.hash, r.at, r.d, r.e)
		if err == nil || (r.is != nil && !errors.Is(err, r.is)) {
			t.Errorf("%s: UseLinkToken = %v, want an error (%v)", r.name, err, r.is)
		}
	}
	assertCounts(t, s, 0, 0)
	if got, _ := s.LinkToken(ctx, keep.Hash); !got.Used.IsZero() {
		t.Fatalf("a refused use marked the token used at %s", got.Used)
	}

	if err := s.UseLinkToken(ctx, keep.Hash, day(14).Add(-time.Nanosecond), dKeep, ex); err != nil {
		t.Fatalf("UseLinkToken just before expiry: %v", err)
	}
	assertCounts(t, s, 1, 1)
	got, _ := s.LinkToken(ctx, keep.Hash)
	if !got.Used.Equal(day(14).Add(-time.Nanosecond)) {
		t.Errorf("Used = %s", got.Used)
	}
	dKeep.ID, ex.ID = "d2", "x2"
	if err := s.UseLinkToken(ctx, keep.Hash, day(2), dKeep, ex); !errors.Is(err, iamsweep.ErrTokenUsed) {
		t.Errorf("second use: %v, want ErrTokenUsed", err)
	}
	assertCounts(t, s, 1, 1)
}

// assertCounts checks how many decisions and exceptions are stored.
func assertCounts(t *testing.T, s *Store, decisions, exceptions int) {
	t.Helper()
	ds, err := s.Decisions(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	es, err := s.Exceptions(t.Context(), ExceptionFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ds) != decisions || len(es) != exceptions {
		t.Errorf("%d decisions and %d exceptions stored, want %d and %d", len(ds), len(es), decisions, exceptions)
	}
}

// Of many concurrent uses of one token, through two Stores on one file,
// exactly one succeeds and exactly one decision is recorded.
func TestUseLinkToken_concurrentUsesOneWins(t *testing.T) {
	s, path := openTest(t)
	s2 := openAt(t, path)
	ctx := t.Context()
	tk := token("remove", iamsweep.DecisionRemove, day(0), day(14))
	if err := s.PutLinkTokens(ctx, []LinkToken{tk}); err != nil {
		t.Fatal(err)
	}
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		st := s
		if i%2 == 1 {
			st = s2
		}
		wg.Go(func() {
			d := iamsweep.Decision{ID: fmt.Sprintf("d%d", i), Key: keyA, Kind: iamsweep.DecisionRemove, By: "alice", From: "192.0.2.1", At: day(1)}
			errs[i] = st.UseLinkToken(ctx, tk.Hash, day(1), d, nil)
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, iamsweep.ErrTokenUsed):
			t.Errorf("use %d: %v, want nil or ErrTokenUsed", i, err)
		}
	}
	if wins != 1 {
		t.Errorf("%d uses succeeded, want exactly 1", wins)
	}
	assertCounts(t, s, 1, 0)
}

func TestClaimNotice_onceAcrossReopen(t *testing.T) {
	s, path := openTest(t)
	ctx := t.Context()
	claim := func(s *Store, notice string, key iamsweep.FindingKey, stage iamsweep.Stage) bool {
		t.Helper()
		ok, err := s.ClaimNotice(ctx, notice, key, stage, "email:alice@example.com", day(0))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if !claim(s, "n1", keyA, iamsweep.StageNotice) || !claim(s, "n1", keyB, iamsweep.StageNotice) {
		t.Fatal("first claims refused")
	}
	if claim(s, "n2", keyA, iamsweep.StageNotice) {
		t.Error("a pair claimed (sending) was claimed again")
	}
	if !claim(s, "n2", keyA, iamsweep.StageQuarantineWarning) {
		t.Error("another stage of the same finding was refused")
	}
	// A crash: the process ends with n1 still "sending". After a reopen
	// the pair stays claimed: possibly sent, never sent again.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	if claim(s, "n3", keyA, iamsweep.StageNotice) {
		t.Error("after a reopen, a pair left sending was claimed again")
	}
	// Rounds: the same stage in a later round is a new pair.
	if ok, err := s.ClaimNoticeRound(ctx, "n3", keyA, iamsweep.StageNotice, 1, "email:alice@example.com", day(40)); err != nil || !ok {
		t.Errorf("ClaimNoticeRound(round 1) = %t, %v; want true", ok, err)
	}
	if ok, err := s.ClaimNoticeRound(ctx, "n4", keyA, iamsweep.StageNotice, 1, "email:alice@example.com", day(41)); err != nil || ok {
		t.Errorf("ClaimNoticeRound(round 1) again = %t, %v; want false", ok, err)
	}
}

func TestFinishNotice_outcomes(t *testing.T) {
	s, path := openTest(t)
	ctx := t.Context()
	claim := func(notice string, stage iamsweep.Stage) bool {
		t.Helper()
		ok, err := s.ClaimNotice(ctx, notice, keyA, stage, "slack:team-a", day(1))
		if err != nil {
			t.Fatal(err)
		}
		return ok
	}
	claim("sent", iamsweep.StageNotice)
	claim("failed", iamsweep.StageQuarantineWarning)
	claim("unknown", iamsweep.StageQuarantined)
	for _, f := range []struct{ id, outcome, msg, errText string }{
		{"sent", NoticeSent, "m-1", ""},
		{"failed", NoticeFailed, "", "throttled"},
		{"unknown", NoticeUnknown, "", "connection reset"},
	} {
		if err := s.FinishNotice(ctx, f.id, f.outcome, f.msg, f.errText, day(2)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path)
	if claim("again", iamsweep.StageNotice) {
		t.Error("a sent pair was claimed again")
	}
	if claim("again", iamsweep.StageQuarantined) {
		t.Error("a pair of unknown outcome was claimed again")
	}
	if !claim("again", iamsweep.StageQuarantineWarning) {
		t.Error("a failed pair was not released")
	}
	got, err := s.Notices(ctx, keyA)
	if err != nil {
		t.Fatal(err)
	}
	want := []NoticeRecord{
		{NoticeID: "sent", Key: keyA, Stage: iamsweep.StageNotice, To: "slack:team-a", Claimed: day(1), Outcome: NoticeSent, MessageID: "m-1", Finished: day(2)},
		{NoticeID: "failed", Key: keyA, Stage: iamsweep.StageQuarantineWarning, To: "slack:team-a", Claimed: day(1), Outcome: NoticeFailed, Error: "throttled", Finished: day(2)},
		{NoticeID: "unknown", Key: keyA, Stage: iamsweep.StageQuarantined, To: "slack:team-a", Claimed: day(1), Outcome: NoticeUnknown, Error: "connection reset", Finished: day(2)},
		{NoticeID: "again", Key: keyA, Stage: iamsweep.StageQuarantineWarning, To: "slack:team-a", Claimed: day(1), Outcome: NoticeSending},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Notices (-want +got):\n%s", diff)
	}
	if err := s.FinishNotice(ctx, "sent", NoticeSent, "m-2", "", day(3)); err == nil || !strings.Contains(err.Error(), "finished already") {
		t.Errorf("finishing twice: %v", err)
	}
	if err := s.FinishNotice(ctx, "nope", NoticeSent, "", "", day(3)); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("finishing an unknown notice: %v, want ErrNotFound", err)
	}
	if err := s.FinishNotice(ctx, "again", "sending", "", "", day(3)); err == nil {
		t.Error("FinishNotice accepted the outcome sending")
	}
}

func TestClaimNotice_concurrentClaimsOneWins(t *testing.T) {
	s, path := openTest(t)
	s2 := openAt(t, path)
	const n = 12
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		st := s
		if i%2 == 1 {
			st = s2
		}
		wg.Go(func() {
			ok, err := st.ClaimNotice(t.Context(), fmt.Sprintf("n%d", i), keyA, iamsweep.StageNotice, "email:a@example.com", day(0))
			if err != nil {
				t.Error(err)
			}
			if ok {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if w := wins.Load(); w != 1 {
		t.Errorf("%d claims won, want 1", w)
	}
}

func TestEscalation_roundTrip(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	full := EscalationState{
		Key: keyA, ARN: "arn:a", AccountID: "111122223333", Owner: "alice@example.com", Type: iamsweep.TypeUnusedIAMRole,
		Stage: iamsweep.StageQuarantined, Round: 2, FirstNoticeAt: day(0), QuarantinedAt: day(30).In(east), DeletedAt: day(61),
		SnoozedUntil: day(20), NextAt: day(60), Next: iamsweep.ActionDelete, PlanID: "p1", BackupID: "b1",
		LastUsedAtQuarantine: day(-200), Stopped: "used on 2026-12-01", Updated: day(30),
	}
	minimal := EscalationState{Key: keyB, Stage: iamsweep.StageNotice}
	for _, st := range []EscalationState{full, minimal} {
		if err := s.PutEscalation(ctx, st); err != nil {
			t.Fatal(err)
		}
	}
	full.QuarantinedAt = full.QuarantinedAt.UTC()
	got, err := s.Escalation(ctx, keyA)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(full, got); diff != "" {
		t.Errorf("Escalation (-want +got):\n%s", diff)
	}
	minimal.Stage, minimal.NextAt, minimal.Next = iamsweep.StageQuarantineWarning, day(3), iamsweep.ActionQuarantine
	if err := s.PutEscalation(ctx, minimal); err != nil {
		t.Fatal(err)
	}
	all, err := s.Escalations(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]EscalationState{full, minimal}, all); diff != "" {
		t.Errorf("Escalations (-want +got):\n%s", diff)
	}
	if _, err := s.Escalation(ctx, "nope"); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("Escalation of an unknown key: %v, want ErrNotFound", err)
	}
	if err := s.PutEscalation(ctx, EscalationState{}); err == nil {
		t.Error("PutEscalation accepted a state without a key")
	}
}

func TestEvents_historyAndLimit(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	evs := []Event{
		{Key: keyA, ARN: "arn:a", At: day(3), Kind: EventAction, Text: "quarantined"},
		{Key: keyA, ARN: "arn:a", At: day(1), Kind: EventNotice, Text: "notice sent"},
		{Key: keyB, ARN: "arn:b", At: day(2), Kind: EventScan, Text: "unused"},
		{Key: keyA, ARN: "arn:a", At: day(4).In(east), Kind: EventTripwire, Text: "used on"},
	}
	for _, e := range evs {
		if err := s.AddEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	for name, e := range map[string]Event{
		"bad kind": {Key: keyA, At: day(1), Kind: "other"}, "no key": {At: day(1), Kind: EventScan},
		"no time": {Key: keyA, Kind: EventScan},
	} {
		if err := s.AddEvent(ctx, e); err == nil {
			t.Errorf("%s: AddEvent accepted it", name)
		}
	}
	evs[3].At = evs[3].At.UTC()
	tests := []struct {
		key   iamsweep.FindingKey
		limit int
		want  []Event
	}{
		{keyA, 0, []Event{evs[1], evs[0], evs[3]}},
		{keyA, 2, []Event{evs[0], evs[3]}},
		{"", 0, []Event{evs[1], evs[2], evs[0], evs[3]}},
		{"", 1, []Event{evs[3]}},
		{"nope", 0, nil},
	}
	for _, tt := range tests {
		got, err := s.Events(ctx, tt.key, tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("Events(%q, %d) (-want +got):\n%s", tt.key, tt.limit, diff)
		}
	}
}

// A database of schema 5 with scans and plans migrates to the workflow
// schema and keeps them.
func TestOpen_migratesToWorkflow(t *testing.T) {
	path := t.TempDir() + "/state.db"
	old, err := open(t.Context(), path, migrationsBefore(t, "_workflow.sql"), clock(t0))
	if err != nil {
		t.Fatal(err)
	}
	r := iamsweep.ScanResult{AsOf: t0, UnusedDays: 90, Findings: []iamsweep.Finding{fullFinding()}}
	if _, err := old.RecordScan(t.Context(), r); err != nil {
		t.Fatal(err)
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path)
	if got := appliedMigrations(t, s); len(got) != known(t) {
		t.Errorf("schema_migrations = %v, want %d versions", got, known(t))
	}
	_, got, err := s.LatestScan(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Findings) != 1 || got.Findings[0].ARN != fullFinding().ARN {
		t.Errorf("scan after the migration = %+v", got)
	}
	if err := s.AddException(t.Context(), exception("x1", keyA, 0, 1)); err != nil {
		t.Errorf("AddException after the migration: %v", err)
	}
}

func TestKeepException_andRevokeWithDecision(t *testing.T) {
	s, _ := openTest(t)
	ctx := t.Context()
	e := exception("x1", keyA, 0, 90)
	keep := iamsweep.Decision{ID: "d1", Key: keyA, ARN: e.ARN, Kind: iamsweep.DecisionKeep, By: "ops", From: "cli", At: day(0), Reason: e.Reason, Until: day(90)}
	bad := keep
	bad.Kind = iamsweep.DecisionSnooze
	if err := s.KeepException(ctx, bad, e); err == nil {
		t.Error("KeepException accepted a snooze")
	}
	other := keep
	other.Key = keyB
	if err := s.KeepException(ctx, other, e); err == nil {
		t.Error("KeepException accepted a decision about another finding")
	}
	dup := exception("x0", keyA, 0, 90)
	if err := s.AddException(ctx, dup); err != nil {
		t.Fatal(err)
	}
	clash := keep
	clash.ID = "d0"
	if err := s.KeepException(ctx, clash, dup); err == nil {
		t.Error("KeepException accepted an exception ID used before")
	}
	assertCounts(t, s, 0, 1) // nothing of the refused keeps
	if err := s.KeepException(ctx, keep, e); err != nil {
		t.Fatal(err)
	}
	assertCounts(t, s, 1, 2)

	revoke := iamsweep.Decision{ID: "d2", Key: keyA, ARN: e.ARN, Kind: iamsweep.DecisionRevoke, By: "sec", From: "cli", At: day(5)}
	wrong := revoke
	wrong.Key = keyB
	if err := s.RevokeWithDecision(ctx, "x1", wrong); err == nil {
		t.Error("RevokeWithDecision accepted a decision about another finding")
	}
	if err := s.RevokeWithDecision(ctx, "nope", revoke); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("revoking an unknown exception: %v, want ErrNotFound", err)
	}
	if got, _ := s.Exceptions(ctx, ExceptionFilter{ActiveAt: day(6), Key: keyA}); len(got) != 2 {
		t.Fatalf("a refused revocation revoked: %d active", len(got))
	}
	if err := s.RevokeWithDecision(ctx, "x1", revoke); err != nil {
		t.Fatal(err)
	}
	revoke.ID = "d3"
	if err := s.RevokeWithDecision(ctx, "x1", revoke); err == nil || !strings.Contains(err.Error(), "revoked already") {
		t.Errorf("revoking twice: %v", err)
	}
	assertCounts(t, s, 2, 2)
	got, _ := s.Exceptions(ctx, ExceptionFilter{ActiveAt: day(6), Key: keyA})
	if len(got) != 1 || got[0].ID != "x0" {
		t.Errorf("active after the revocation: %+v, want x0 only", got)
	}
	var by string
	if err := s.db.QueryRowContext(ctx, `SELECT revoked_by FROM exceptions WHERE id = 'x1'`).Scan(&by); err != nil || by != "sec" {
		t.Errorf("revoked_by = %q, %v", by, err)
	}
}

// Prune deletes expired link tokens, and history events older than
// older-than; keep-scans alone keeps events. Decisions, exceptions and the
// notice journal stay.
func TestPrune_workflow(t *testing.T) {
	for _, tt := range []struct {
		name              string
		r                 iamsweep.Retention
		tokens, events    int
		wantTokens, wantE []string
	}{
		{"older-than", iamsweep.Retention{OlderThan: 30 * 24 * time.Hour}, 2, 1, []string{"live", "used-live"}, []string{"recent"}},
		{"keep-scans", iamsweep.Retention{KeepScans: 5}, 2, 0, []string{"live", "used-live"}, []string{"old", "recent"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := openTest(t)
			ctx := t.Context()
			now := day(100)
			toks := []LinkToken{
				token("expired", iamsweep.DecisionKeep, day(80), now), // expires at now: gone
				token("used-expired", iamsweep.DecisionRemove, day(10), day(20)),
				token("live", iamsweep.DecisionSnooze, day(90), day(110)),
				token("used-live", iamsweep.DecisionKeep, day(90), day(110)),
			}
			if err := s.PutLinkTokens(ctx, toks); err != nil {
				t.Fatal(err)
			}
			d := iamsweep.Decision{Key: keyA, Kind: iamsweep.DecisionRemove, By: "a", At: day(15)}
			if err := s.UseLinkToken(ctx, hashOf("used-expired"), day(15), d, nil); err != nil {
				t.Fatal(err)
			}
			keep := iamsweep.Decision{Key: keyA, Kind: iamsweep.DecisionKeep, By: "a", At: day(95), Until: day(150)}
			if err := s.UseLinkToken(ctx, hashOf("used-live"), day(95), keep, &iamsweep.Exception{ID: "x", Key: keyA, Created: day(95), Until: day(150)}); err != nil {
				t.Fatal(err)
			}
			for _, e := range []Event{{Key: keyA, At: day(60), Kind: EventNotice, Text: "old"}, {Key: keyA, At: day(80), Kind: EventNotice, Text: "recent"}} {
				if err := s.AddEvent(ctx, e); err != nil {
					t.Fatal(err)
				}
			}
			if _, err := s.ClaimNotice(ctx, "n1", keyA, iamsweep.StageNotice, "email:a@example.com", day(1)); err != nil {
				t.Fatal(err)
			}
			p, err := s.Prune(ctx, tt.r, now)
			if err != nil {
				t.Fatal(err)
			}
			if p.LinkTokens != tt.tokens || p.Events != tt.events {
				t.Errorf("Prune = %+v, want %d tokens and %d events", p, tt.tokens, tt.events)
			}
			var left []string
			for _, tok := range []string{"expired", "used-expired", "live", "used-live"} {
				if _, err := s.LinkToken(ctx, hashOf(tok)); err == nil {
					left = append(left, tok)
				}
			}
			if diff := cmp.Diff(tt.wantTokens, left); diff != "" {
				t.Errorf("tokens left (-want +got):\n%s", diff)
			}
			evs, _ := s.Events(ctx, "", 0)
			var texts []string
			for _, e := range evs {
				texts = append(texts, e.Text)
			}
			if diff := cmp.Diff(tt.wantE, texts); diff != "" {
				t.Errorf("events left (-want +got):\n%s", diff)
			}
			assertCounts(t, s, 2, 1)
			if ns, _ := s.Notices(ctx, ""); len(ns) != 1 {
				t.Errorf("%d notices left, want 1", len(ns))
			}
		})
	}
}

// UpdateEscalation's read and write are atomic: concurrent increments
// through two Stores lose none.
func TestUpdateEscalation(t *testing.T) {
	s, path := openTest(t)
	s2 := openAt(t, path)
	ctx := t.Context()
	boom := errors.New("no")
	if err := s.UpdateEscalation(ctx, keyA, func(st *EscalationState, found bool) error {
		st.Stage = iamsweep.StageNotice
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("fn's error: %v", err)
	}
	if _, err := s.Escalation(ctx, keyA); !errors.Is(err, iamsweep.ErrNotFound) {
		t.Errorf("a failed update stored a state: %v", err)
	}
	if err := s.UpdateEscalation(ctx, keyA, func(st *EscalationState, _ bool) error { st.Key = keyB; return nil }); err == nil {
		t.Error("an update that changed the key was stored")
	}
	const n = 20
	var firsts atomic.Int32
	var wg sync.WaitGroup
	for i := range n {
		st := s
		if i%2 == 1 {
			st = s2
		}
		wg.Go(func() {
			err := st.UpdateEscalation(ctx, keyA, func(e *EscalationState, found bool) error {
				if !found {
					firsts.Add(1)
					e.Stage = iamsweep.StageNotice
				}
				e.Round++
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	got, err := s.Escalation(ctx, keyA)
	if err != nil {
		t.Fatal(err)
	}
	if got.Round != n || firsts.Load() != 1 || got.Stage != iamsweep.StageNotice {
		t.Errorf("after %d updates: Round %d, %d saw no state; want %d and 1", n, got.Round, firsts.Load(), n)
	}
}
