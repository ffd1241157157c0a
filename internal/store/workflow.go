package store

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/iamsweep/iamsweep"
)

// The owner workflow's state (iamsweep serve, iamsweep exceptions,
// iamsweep escalation): secrets, exceptions, decisions, decision-link
// tokens, the notice journal, escalation states and history events
// (migration 0006_workflow.sql). Every time is stored in UTC and comes
// back in UTC.

// ErrTokenUsed and ErrTokenExpired are the root package's errors, named
// here too for the callers of UseLinkToken.
var (
	ErrTokenUsed    = iamsweep.ErrTokenUsed
	ErrTokenExpired = iamsweep.ErrTokenExpired
)

// Secret returns the named secret, creating it with gen once (atomic,
// concurrent-safe): of several callers, in one process or several, one
// runs gen and all get its value. gen runs inside the transaction that
// holds the database's write lock, so it must be quick (read random bytes).
// With gen nil, a missing secret is ErrNotFound.
func (s *Store) Secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	v, err := s.secret(ctx, name, gen)
	if err != nil {
		return nil, fmt.Errorf("secret %s: %w", name, err)
	}
	return v, nil
}

func (s *Store) secret(ctx context.Context, name string, gen func() ([]byte, error)) ([]byte, error) {
	if name == "" {
		return nil, errors.New("no name")
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE (see dsn)
	if err != nil {
		return nil, err
	}
	defer rollback(tx)
	var v []byte
	err = tx.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&v)
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	if gen == nil {
		return nil, iamsweep.ErrNotFound
	}
	v, err = gen()
	if err != nil {
		return nil, fmt.Errorf("generate: %w", err)
	}
	if len(v) == 0 {
		return nil, errors.New("generated an empty secret")
	}
	at, err := timeArg(s.now())
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO secrets (name, value, created) VALUES (?, ?, ?)`, name, v, at); err != nil {
		return nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return v, nil
}

// execer is a *sql.DB or a *sql.Tx.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// AddException records an exception. The caller sets its ID (unique; an
// ID used before is an error), Key, Created and Until (after Created);
// Revoked must be zero.
func (s *Store) AddException(ctx context.Context, e iamsweep.Exception) error {
	if err := addException(ctx, s.db, e); err != nil {
		return fmt.Errorf("add exception %s for %s: %w", e.ID, e.Key, err)
	}
	return nil
}

func addException(ctx context.Context, db execer, e iamsweep.Exception) error {
	switch {
	case e.ID == "":
		return errors.New("no ID")
	case e.Key == "":
		return errors.New("no finding key")
	case e.Created.IsZero():
		return errors.New("no creation time")
	case !e.Until.After(e.Created):
		return fmt.Errorf("until %s is not after created %s", e.Until.UTC().Format(time.RFC3339), e.Created.UTC().Format(time.RFC3339))
	case !e.Revoked.IsZero():
		return errors.New("a new exception cannot be revoked already")
	}
	ts, err := timeArgs(e.Created, e.Until)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO exceptions (id, key, arn, by, reason, created, until)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, e.ID, string(e.Key), e.ARN, e.By, e.Reason, ts[0], ts[1])
	return err
}

// ExceptionFilter selects exceptions.
type ExceptionFilter struct {
	// ActiveAt, when not zero, keeps the exceptions active at that time
	// (iamsweep.Exception.Active); zero keeps all, expired and revoked too.
	ActiveAt time.Time
	// Key, when not empty, keeps the exceptions of that finding.
	Key iamsweep.FindingKey
}

// Exceptions returns the exceptions f selects, oldest first (by Created,
// then ID).
func (s *Store) Exceptions(ctx context.Context, f ExceptionFilter) ([]iamsweep.Exception, error) {
	out, err := s.exceptions(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("list exceptions: %w", err)
	}
	return out, nil
}

func (s *Store) exceptions(ctx context.Context, f ExceptionFilter) ([]iamsweep.Exception, error) {
	q := `SELECT id, key, arn, by, reason, created, until, revoked FROM exceptions WHERE 1 = 1`
	var args []any
	if !f.ActiveAt.IsZero() {
		at, err := timeArg(f.ActiveAt)
		if err != nil {
			return nil, err
		}
		q += ` AND created <= ? AND until > ? AND (revoked IS NULL OR revoked > ?)`
		args = append(args, at, at, at)
	}
	if f.Key != "" {
		q += ` AND key = ?`
		args = append(args, string(f.Key))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY created, id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []iamsweep.Exception
	for rows.Next() {
		var (
			e                       iamsweep.Exception
			key                     string
			created, until, revoked sql.NullString
		)
		if err := rows.Scan(&e.ID, &key, &e.ARN, &e.By, &e.Reason, &created, &until, &revoked); err != nil {
			return nil, err
		}
		e.Key = iamsweep.FindingKey(key)
		if e.Created, err = parseTime(created); err != nil {
			return nil, err
		}
		if e.Until, err = parseTime(until); err != nil {
			return nil, err
		}
		if e.Revoked, err = parseTime(revoked); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// RevokeException revokes the exception id at time at, by by. An unknown
// ID is ErrNotFound; an exception revoked already is an error and keeps
// its first revocation. (The caller records the DecisionRevoke.)
func (s *Store) RevokeException(ctx context.Context, id string, at time.Time, by string) error {
	if err := s.revokeException(ctx, id, at, by); err != nil {
		return fmt.Errorf("revoke exception %s: %w", id, err)
	}
	return nil
}

func (s *Store) revokeException(ctx context.Context, id string, at time.Time, by string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	if _, err := revoke(ctx, tx, id, at, by); err != nil {
		return err
	}
	return tx.Commit()
}

// revoke revokes exception id at at, by by, in tx, and returns the key of
// its finding.
func revoke(ctx context.Context, tx *sql.Tx, id string, at time.Time, by string) (iamsweep.FindingKey, error) {
	if at.IsZero() {
		return "", errors.New("no revocation time")
	}
	t, err := timeArg(at)
	if err != nil {
		return "", err
	}
	var (
		key     string
		revoked sql.NullString
	)
	err = tx.QueryRowContext(ctx, `SELECT key, revoked FROM exceptions WHERE id = ?`, id).Scan(&key, &revoked)
	if errors.Is(err, sql.ErrNoRows) {
		return "", iamsweep.ErrNotFound
	}
	if err != nil {
		return "", err
	}
	if revoked.Valid {
		return "", fmt.Errorf("revoked already at %s", revoked.String)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE exceptions SET revoked = ?, revoked_by = ? WHERE id = ?`, t, by, id); err != nil {
		return "", err
	}
	return iamsweep.FindingKey(key), nil
}

// RecordDecision records a decision. An empty ID is given a random one;
// At and Key must be set. Decisions are never changed or deleted.
func (s *Store) RecordDecision(ctx context.Context, d iamsweep.Decision) error {
	if err := recordDecision(ctx, s.db, d); err != nil {
		return fmt.Errorf("record %s decision on %s: %w", d.Kind, d.Key, err)
	}
	return nil
}

func recordDecision(ctx context.Context, db execer, d iamsweep.Decision) error {
	switch {
	case d.Key == "":
		return errors.New("no finding key")
	case d.Kind == "":
		return errors.New("no kind")
	case d.At.IsZero():
		return errors.New("no time")
	}
	if d.ID == "" {
		id, err := randomID("d-")
		if err != nil {
			return err
		}
		d.ID = id
	}
	ts, err := timeArgs(d.At, d.Until)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT INTO decisions (id, key, arn, kind, by, origin, at, reason, until)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		d.ID, string(d.Key), d.ARN, string(d.Kind), d.By, d.From, ts[0], d.Reason, ts[1])
	return err
}

// KeepException records a Keep made without a link (by an operator, from
// the CLI or the dashboard): the decision d (kind keep) and its exception
// e, both or neither, in one transaction.
func (s *Store) KeepException(ctx context.Context, d iamsweep.Decision, e iamsweep.Exception) error {
	if err := s.keepException(ctx, d, e); err != nil {
		return fmt.Errorf("keep %s: %w", e.Key, err)
	}
	return nil
}

func (s *Store) keepException(ctx context.Context, d iamsweep.Decision, e iamsweep.Exception) error {
	if d.Kind != iamsweep.DecisionKeep {
		return fmt.Errorf("a %s decision, want keep", d.Kind)
	}
	if d.Key != e.Key {
		return fmt.Errorf("the decision is about %q, the exception about %q", d.Key, e.Key)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	if err := addException(ctx, tx, e); err != nil {
		return err
	}
	if err := recordDecision(ctx, tx, d); err != nil {
		return err
	}
	return tx.Commit()
}

// RevokeWithDecision revokes the exception id and records the decision d
// (kind revoke, about the exception's finding; its time and author are
// the revocation's) in one transaction. Errors as RevokeException's.
func (s *Store) RevokeWithDecision(ctx context.Context, id string, d iamsweep.Decision) error {
	if err := s.revokeWithDecision(ctx, id, d); err != nil {
		return fmt.Errorf("revoke exception %s: %w", id, err)
	}
	return nil
}

func (s *Store) revokeWithDecision(ctx context.Context, id string, d iamsweep.Decision) error {
	if d.Kind != iamsweep.DecisionRevoke {
		return fmt.Errorf("a %s decision, want revoke", d.Kind)
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	key, err := revoke(ctx, tx, id, d.At, d.By)
	if err != nil {
		return err
	}
	if d.Key != key {
		return fmt.Errorf("the decision is about %q, the exception about %q", d.Key, key)
	}
	if err := recordDecision(ctx, tx, d); err != nil {
		return err
	}
	return tx.Commit()
}

// randomID returns prefix and 16 random hex digits.
func randomID(prefix string) (string, error) {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", err
	}
	return prefix + hex.EncodeToString(b[:]), nil
}

// Decisions returns the decisions on key ("" for all), in the order they
// were made (At, then the order recorded).
func (s *Store) Decisions(ctx context.Context, key iamsweep.FindingKey) ([]iamsweep.Decision, error) {
	out, err := s.decisions(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("list decisions: %w", err)
	}
	return out, nil
}

func (s *Store) decisions(ctx context.Context, key iamsweep.FindingKey) ([]iamsweep.Decision, error) {
	q := `SELECT id, key, arn, kind, by, origin, at, reason, until FROM decisions`
	var args []any
	if key != "" {
		q += ` WHERE key = ?`
		args = append(args, string(key))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY at, seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []iamsweep.Decision
	for rows.Next() {
		var (
			d         iamsweep.Decision
			k, kind   string
			at, until sql.NullString
		)
		if err := rows.Scan(&d.ID, &k, &d.ARN, &kind, &d.By, &d.From, &at, &d.Reason, &until); err != nil {
			return nil, err
		}
		d.Key, d.Kind = iamsweep.FindingKey(k), iamsweep.DecisionKind(kind)
		if d.At, err = parseTime(at); err != nil {
			return nil, err
		}
		if d.Until, err = parseTime(until); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// LinkToken is a decision link's token as stored: only the SHA-256 hash
// of the token is kept, never the token.
type LinkToken struct {
	// Hash is sha256(token): 32 bytes.
	Hash     []byte
	NoticeID string
	Key      iamsweep.FindingKey
	ARN      string
	// Kind is the decision the link offers (keep, remove, snooze).
	Kind iamsweep.DecisionKind
	// Recipient is who the link was sent to (Recipient.String()).
	Recipient string
	Created   time.Time
	Expires   time.Time
	// Used is when the token was used; zero while it is not.
	Used time.Time
}

// PutLinkTokens stores tokens, all or none. A hash stored before is an
// error (tokens are random; a repeat is a bug).
func (s *Store) PutLinkTokens(ctx context.Context, ts []LinkToken) error {
	if err := s.putLinkTokens(ctx, ts); err != nil {
		return fmt.Errorf("store link tokens: %w", err)
	}
	return nil
}

func (s *Store) putLinkTokens(ctx context.Context, ts []LinkToken) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	for i, t := range ts {
		switch {
		case len(t.Hash) != 32:
			return fmt.Errorf("token %d: hash is %d bytes, want 32 (sha256)", i, len(t.Hash))
		case t.Key == "" || t.Kind == "":
			return fmt.Errorf("token %d: no finding key or no kind", i)
		case !t.Expires.After(t.Created):
			return fmt.Errorf("token %d: expires %s is not after created %s", i, t.Expires.UTC().Format(time.RFC3339), t.Created.UTC().Format(time.RFC3339))
		case !t.Used.IsZero():
			return fmt.Errorf("token %d: a new token cannot be used already", i)
		}
		tms, err := timeArgs(t.Created, t.Expires)
		if err != nil {
			return fmt.Errorf("token %d: %w", i, err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO link_tokens (hash, notice_id, key, arn, kind, recipient, created, expires)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			t.Hash, t.NoticeID, string(t.Key), t.ARN, string(t.Kind), t.Recipient, tms[0], tms[1]); err != nil {
			return fmt.Errorf("token %d: %w", i, err)
		}
	}
	return tx.Commit()
}

// LinkToken returns the token whose hash is hash; ErrNotFound when none.
func (s *Store) LinkToken(ctx context.Context, hash []byte) (LinkToken, error) {
	t, err := linkToken(ctx, s.db, hash)
	if err != nil {
		return LinkToken{}, fmt.Errorf("link token: %w", err)
	}
	return t, nil
}

func linkToken(ctx context.Context, q queryRower, hash []byte) (LinkToken, error) {
	var (
		t                      LinkToken
		key, kind              string
		created, expires, used sql.NullString
	)
	err := q.QueryRowContext(ctx, `SELECT hash, notice_id, key, arn, kind, recipient, created, expires, used
		FROM link_tokens WHERE hash = ?`, hash).
		Scan(&t.Hash, &t.NoticeID, &key, &t.ARN, &kind, &t.Recipient, &created, &expires, &used)
	if errors.Is(err, sql.ErrNoRows) {
		return LinkToken{}, iamsweep.ErrNotFound
	}
	if err != nil {
		return LinkToken{}, err
	}
	t.Key, t.Kind = iamsweep.FindingKey(key), iamsweep.DecisionKind(kind)
	if t.Created, err = parseTime(created); err != nil {
		return LinkToken{}, err
	}
	if t.Expires, err = parseTime(expires); err != nil {
		return LinkToken{}, err
	}
	if t.Used, err = parseTime(used); err != nil {
		return LinkToken{}, err
	}
	return t, nil
}

// UseLinkToken marks the token used at time at and records d in ONE
// transaction; it fails with ErrTokenUsed / ErrTokenExpired (at is not
// before Expires) / ErrNotFound, and records nothing, otherwise. When
// d.Kind is keep it also adds the exception e (which must then be non-nil,
// and nil for other kinds). d must be about the token's finding (Key) and
// of the token's Kind, or nothing is recorded. Exactly once under
// concurrency: the transaction holds the database's write lock from its
// first read, so of several uses of one token exactly one succeeds.
func (s *Store) UseLinkToken(ctx context.Context, hash []byte, at time.Time, d iamsweep.Decision, e *iamsweep.Exception) error {
	if err := s.useLinkToken(ctx, hash, at, d, e); err != nil {
		return fmt.Errorf("use link token: %w", err)
	}
	return nil
}

func (s *Store) useLinkToken(ctx context.Context, hash []byte, at time.Time, d iamsweep.Decision, e *iamsweep.Exception) error {
	if at.IsZero() {
		return errors.New("no time")
	}
	if (d.Kind == iamsweep.DecisionKeep) != (e != nil) {
		return fmt.Errorf("a %s decision with exception %t: a keep needs its exception, other decisions none", d.Kind, e != nil)
	}
	usedAt, err := timeArg(at)
	if err != nil {
		return err
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: the write lock from here
	if err != nil {
		return err
	}
	defer rollback(tx)
	t, err := linkToken(ctx, tx, hash)
	if err != nil {
		return err
	}
	switch {
	case !t.Used.IsZero():
		return fmt.Errorf("%w at %s", iamsweep.ErrTokenUsed, t.Used.Format(time.RFC3339))
	case !at.Before(t.Expires):
		return fmt.Errorf("%w at %s", iamsweep.ErrTokenExpired, t.Expires.Format(time.RFC3339))
	case d.Key != t.Key:
		return fmt.Errorf("the decision is about %q, the link about %q", d.Key, t.Key)
	case d.Kind != t.Kind:
		return fmt.Errorf("the decision is %s, the link offers %s", d.Kind, t.Kind)
	case e != nil && e.Key != t.Key:
		return fmt.Errorf("the exception is about %q, the link about %q", e.Key, t.Key)
	}
	res, err := tx.ExecContext(ctx, `UPDATE link_tokens SET used = ? WHERE hash = ? AND used IS NULL`, usedAt, hash)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return iamsweep.ErrTokenUsed // cannot happen under the write lock; never record twice
	}
	if err := recordDecision(ctx, tx, d); err != nil {
		return fmt.Errorf("record decision: %w", err)
	}
	if e != nil {
		if err := addException(ctx, tx, *e); err != nil {
			return fmt.Errorf("add exception: %w", err)
		}
	}
	return tx.Commit()
}

// The outcomes of a notice (FinishNotice), and "sending" for a claim not
// finished.
const (
	NoticeSending = "sending"
	NoticeSent    = "sent"
	NoticeFailed  = "failed"
	NoticeUnknown = "unknown"
)

// NoticeRecord is one claim of the notice journal: a notice that carried
// a finding at a stage.
type NoticeRecord struct {
	NoticeID string
	Key      iamsweep.FindingKey
	Stage    iamsweep.Stage
	// Round is the escalation round the claim is for (ClaimNoticeRound);
	// 0 for ClaimNotice.
	Round int
	// To is the recipient (Recipient.String()).
	To      string
	Claimed time.Time
	// Outcome is NoticeSending until FinishNotice, then its outcome.
	Outcome   string
	MessageID string
	Error     string
	// Finished is when FinishNotice ran; zero before.
	Finished time.Time
}

// ClaimNotice inserts (key, stage) as "sending" for notice noticeID to
// recipient to, and returns false if that pair was ever claimed (and not
// released by a failed send): at most once per (finding key, stage),
// across restarts and crashes. It is ClaimNoticeRound with round 0.
func (s *Store) ClaimNotice(ctx context.Context, noticeID string, key iamsweep.FindingKey, stage iamsweep.Stage, to string, at time.Time) (bool, error) {
	return s.ClaimNoticeRound(ctx, noticeID, key, stage, 0, to, at)
}

// ClaimNoticeRound is ClaimNotice for an escalation round: the same stage
// of the same finding is notified once per round (EscalationState.Round),
// so a finding that is judged again after its Keep expired is notified
// again.
func (s *Store) ClaimNoticeRound(ctx context.Context, noticeID string, key iamsweep.FindingKey, stage iamsweep.Stage, round int, to string, at time.Time) (bool, error) {
	ok, err := s.claimNotice(ctx, noticeID, key, stage, round, to, at)
	if err != nil {
		return false, fmt.Errorf("claim %s notice of %s for %s: %w", stage, key, noticeID, err)
	}
	return ok, nil
}

func (s *Store) claimNotice(ctx context.Context, noticeID string, key iamsweep.FindingKey, stage iamsweep.Stage, round int, to string, at time.Time) (bool, error) {
	switch {
	case noticeID == "" || key == "" || stage == "":
		return false, errors.New("no notice ID, finding key or stage")
	case at.IsZero():
		return false, errors.New("no time")
	}
	t, err := timeArg(at)
	if err != nil {
		return false, err
	}
	// The partial unique index notices_once refuses a second live claim;
	// DO NOTHING turns that into no row inserted.
	res, err := s.db.ExecContext(ctx, `INSERT INTO notices (notice_id, key, stage, round, recipient, claimed)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`, noticeID, string(key), string(stage), round, to, t)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return false, err
	}
	return n == 1, nil
}

// FinishNotice sets the outcome of every claim of a notice that is still
// "sending": NoticeSent (with the message ID), NoticeFailed (definitely
// not delivered: the claims are released so a later run may send again),
// or NoticeUnknown (possibly delivered: kept, never resent). A notice with
// no claim is ErrNotFound; one finished already is an error.
func (s *Store) FinishNotice(ctx context.Context, noticeID, outcome, messageID, errText string, at time.Time) error {
	if err := s.finishNotice(ctx, noticeID, outcome, messageID, errText, at); err != nil {
		return fmt.Errorf("finish notice %s: %w", noticeID, err)
	}
	return nil
}

func (s *Store) finishNotice(ctx context.Context, noticeID, outcome, messageID, errText string, at time.Time) error {
	switch outcome {
	case NoticeSent, NoticeFailed, NoticeUnknown:
	default:
		return fmt.Errorf("outcome %q is not sent, failed or unknown", outcome)
	}
	t, err := timeArg(at)
	if err != nil {
		return err
	}
	if t == nil {
		return errors.New("no time")
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer rollback(tx)
	res, err := tx.ExecContext(ctx, `UPDATE notices SET outcome = ?, message_id = ?, error = ?, finished = ?
		WHERE notice_id = ? AND outcome = 'sending'`, outcome, messageID, errText, t, noticeID)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		var all int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM notices WHERE notice_id = ?`, noticeID).Scan(&all); err != nil {
			return err
		}
		if all == 0 {
			return iamsweep.ErrNotFound
		}
		return errors.New("finished already")
	}
	return tx.Commit()
}

// Notices returns the notice journal's claims of key ("" for all), in the
// order claimed.
func (s *Store) Notices(ctx context.Context, key iamsweep.FindingKey) ([]NoticeRecord, error) {
	out, err := s.notices(ctx, key)
	if err != nil {
		return nil, fmt.Errorf("list notices: %w", err)
	}
	return out, nil
}

func (s *Store) notices(ctx context.Context, key iamsweep.FindingKey) ([]NoticeRecord, error) {
	q := `SELECT notice_id, key, stage, round, recipient, claimed, outcome, message_id, error, finished FROM notices`
	var args []any
	if key != "" {
		q += ` WHERE key = ?`
		args = append(args, string(key))
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY seq`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []NoticeRecord
	for rows.Next() {
		var (
			r                 NoticeRecord
			k, stage          string
			claimed, finished sql.NullString
		)
		if err := rows.Scan(&r.NoticeID, &k, &stage, &r.Round, &r.To, &claimed, &r.Outcome, &r.MessageID, &r.Error, &finished); err != nil {
			return nil, err
		}
		r.Key, r.Stage = iamsweep.FindingKey(k), iamsweep.Stage(stage)
		if r.Claimed, err = parseTime(claimed); err != nil {
			return nil, err
		}
		if r.Finished, err = parseTime(finished); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// EscalationState is where one finding is in the escalation.
type EscalationState struct {
	Key       iamsweep.FindingKey
	ARN       string
	AccountID string
	// Owner is the owner as the principal's tags name it ("" when none).
	Owner string
	Type  iamsweep.FindingType
	// Stage is the last stage notified.
	Stage iamsweep.Stage
	// Round counts the escalation's restarts (a Keep that expired, a
	// released tripwire); notices are once per (key, stage, round), see
	// ClaimNoticeRound.
	Round                                   int
	FirstNoticeAt, QuarantinedAt, DeletedAt time.Time
	SnoozedUntil                            time.Time
	// Next is the action due at NextAt without a decision; empty and zero
	// when none is scheduled.
	NextAt time.Time
	Next   iamsweep.ActionKind
	// PlanID and BackupID name the plan and backup of the quarantine or
	// deletion.
	PlanID, BackupID string
	// LastUsedAtQuarantine is the principal's last use when it was
	// quarantined: a later last use trips the tripwire.
	LastUsedAtQuarantine time.Time
	// Stopped, when not empty, says why the escalation stopped ("used on
	// DATE", "tripwire").
	Stopped string
	Updated time.Time
}

// PutEscalation stores st as the escalation state of st.Key, replacing
// the one before.
func (s *Store) PutEscalation(ctx context.Context, st EscalationState) error {
	if err := s.putEscalation(ctx, st); err != nil {
		return fmt.Errorf("store escalation of %s: %w", st.Key, err)
	}
	return nil
}

func (s *Store) putEscalation(ctx context.Context, st EscalationState) error {
	return putEscalation(ctx, s.db, st)
}

func putEscalation(ctx context.Context, db execer, st EscalationState) error {
	if st.Key == "" {
		return errors.New("no finding key")
	}
	ts, err := timeArgs(st.FirstNoticeAt, st.QuarantinedAt, st.DeletedAt, st.SnoozedUntil, st.NextAt, st.LastUsedAtQuarantine, st.Updated)
	if err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, `INSERT OR REPLACE INTO escalations (key, arn, account_id, owner, type, stage, round,
		first_notice_at, quarantined_at, deleted_at, snoozed_until, next_at, next, plan_id, backup_id,
		last_used_at_quarantine, stopped, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		string(st.Key), st.ARN, st.AccountID, st.Owner, string(st.Type), string(st.Stage), st.Round,
		ts[0], ts[1], ts[2], ts[3], ts[4], string(st.Next), st.PlanID, st.BackupID, ts[5], st.Stopped, ts[6])
	return err
}

// UpdateEscalation changes the escalation state of key atomically: fn
// gets the stored state (found false and a state holding only Key when
// there is none) and changes it; UpdateEscalation stores the result,
// unless fn returns an error, which it returns and stores nothing. The
// read and the write are one transaction that holds the database's write
// lock, so a decision (the service marking a Remove: NextAt now) and a
// run of the escalation never overwrite each other's change. fn must be
// quick and must not use the store.
func (s *Store) UpdateEscalation(ctx context.Context, key iamsweep.FindingKey, fn func(st *EscalationState, found bool) error) error {
	if err := s.updateEscalation(ctx, key, fn); err != nil {
		return fmt.Errorf("update escalation of %s: %w", key, err)
	}
	return nil
}

func (s *Store) updateEscalation(ctx context.Context, key iamsweep.FindingKey, fn func(st *EscalationState, found bool) error) error {
	if key == "" {
		return errors.New("no finding key")
	}
	tx, err := s.db.BeginTx(ctx, nil) // BEGIN IMMEDIATE
	if err != nil {
		return err
	}
	defer rollback(tx)
	st, err := scanEscalation(tx.QueryRowContext(ctx, `SELECT `+escalationColumns+` FROM escalations WHERE key = ?`, string(key)))
	found := err == nil
	switch {
	case errors.Is(err, sql.ErrNoRows):
		st = EscalationState{Key: key}
	case err != nil:
		return err
	}
	if err := fn(&st, found); err != nil {
		return err
	}
	if st.Key != key {
		return fmt.Errorf("fn changed the key to %q", st.Key)
	}
	if err := putEscalation(ctx, tx, st); err != nil {
		return err
	}
	return tx.Commit()
}

const escalationColumns = `key, arn, account_id, owner, type, stage, round, first_notice_at, quarantined_at,
	deleted_at, snoozed_until, next_at, next, plan_id, backup_id, last_used_at_quarantine, stopped, updated`

// rowScanner is a *sql.Row or *sql.Rows.
type rowScanner interface{ Scan(dest ...any) error }

func scanEscalation(r rowScanner) (EscalationState, error) {
	var (
		st                    EscalationState
		key, typ, stage, next string
		t                     [7]sql.NullString
	)
	if err := r.Scan(&key, &st.ARN, &st.AccountID, &st.Owner, &typ, &stage, &st.Round,
		&t[0], &t[1], &t[2], &t[3], &t[4], &next, &st.PlanID, &st.BackupID, &t[5], &st.Stopped, &t[6]); err != nil {
		return EscalationState{}, err
	}
	st.Key, st.Type, st.Stage, st.Next = iamsweep.FindingKey(key), iamsweep.FindingType(typ), iamsweep.Stage(stage), iamsweep.ActionKind(next)
	dst := []*time.Time{&st.FirstNoticeAt, &st.QuarantinedAt, &st.DeletedAt, &st.SnoozedUntil, &st.NextAt, &st.LastUsedAtQuarantine, &st.Updated}
	for i, p := range dst {
		v, err := parseTime(t[i])
		if err != nil {
			return EscalationState{}, err
		}
		*p = v
	}
	return st, nil
}

// Escalation returns the escalation state of key; ErrNotFound when none.
func (s *Store) Escalation(ctx context.Context, key iamsweep.FindingKey) (EscalationState, error) {
	st, err := scanEscalation(s.db.QueryRowContext(ctx, `SELECT `+escalationColumns+` FROM escalations WHERE key = ?`, string(key)))
	if errors.Is(err, sql.ErrNoRows) {
		return EscalationState{}, fmt.Errorf("escalation of %s: %w", key, iamsweep.ErrNotFound)
	}
	if err != nil {
		return EscalationState{}, fmt.Errorf("escalation of %s: %w", key, err)
	}
	return st, nil
}

// Escalations returns every escalation state, by key.
func (s *Store) Escalations(ctx context.Context) ([]EscalationState, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+escalationColumns+` FROM escalations ORDER BY key`)
	if err != nil {
		return nil, fmt.Errorf("list escalations: %w", err)
	}
	defer rows.Close()
	var out []EscalationState
	for rows.Next() {
		st, err := scanEscalation(rows)
		if err != nil {
			return nil, fmt.Errorf("list escalations: %w", err)
		}
		out = append(out, st)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list escalations: %w", err)
	}
	return out, nil
}

// The kinds of history events.
const (
	EventScan      = "scan"
	EventNotice    = "notice"
	EventDecision  = "decision"
	EventAction    = "action"
	EventTripwire  = "tripwire"
	EventException = "exception"
)

// Event is one entry of a finding's history.
type Event struct {
	Key iamsweep.FindingKey
	ARN string
	At  time.Time
	// Kind is one of EventScan, EventNotice, EventDecision, EventAction,
	// EventTripwire, EventException.
	Kind string
	Text string
}

// AddEvent appends an event to its finding's history.
func (s *Store) AddEvent(ctx context.Context, e Event) error {
	if err := s.addEvent(ctx, e); err != nil {
		return fmt.Errorf("add %s event of %s: %w", e.Kind, e.Key, err)
	}
	return nil
}

func (s *Store) addEvent(ctx context.Context, e Event) error {
	switch e.Kind {
	case EventScan, EventNotice, EventDecision, EventAction, EventTripwire, EventException:
	default:
		return fmt.Errorf("kind %q is not scan, notice, decision, action, tripwire or exception", e.Kind)
	}
	if e.Key == "" {
		return errors.New("no finding key")
	}
	if e.At.IsZero() {
		return errors.New("no time")
	}
	at, err := timeArg(e.At)
	if err != nil {
		return err
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO events (key, arn, at, kind, text) VALUES (?, ?, ?, ?, ?)`,
		string(e.Key), e.ARN, at, e.Kind, e.Text)
	return err
}

// Events returns the history of key ("" for every finding): the limit
// most recent events (limit <= 0: all), in time order, oldest first.
func (s *Store) Events(ctx context.Context, key iamsweep.FindingKey, limit int) ([]Event, error) {
	out, err := s.events(ctx, key, limit)
	if err != nil {
		return nil, fmt.Errorf("list events of %q: %w", key, err)
	}
	return out, nil
}

func (s *Store) events(ctx context.Context, key iamsweep.FindingKey, limit int) ([]Event, error) {
	q := `SELECT key, arn, at, kind, text FROM events`
	var args []any
	if key != "" {
		q += ` WHERE key = ?`
		args = append(args, string(key))
	}
	q += ` ORDER BY at DESC, seq DESC`
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Event
	for rows.Next() {
		var (
			e  Event
			k  string
			at sql.NullString
		)
		if err := rows.Scan(&k, &e.ARN, &at, &e.Kind, &e.Text); err != nil {
			return nil, err
		}
		e.Key = iamsweep.FindingKey(k)
		if e.At, err = parseTime(at); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return out, nil
}
