-- 0006: the owner workflow (iamsweep serve): secrets, exceptions,
-- decisions, decision-link tokens, the notice journal, the escalation
-- state of each finding and its history events. A finding is named by its
-- key (iamsweep.FindingKey: account, type, ARN and key ID). Times as in
-- 0001; NULL is the zero time.

-- Named secrets the service generates once (the link-signing key).
CREATE TABLE secrets (
	name    TEXT NOT NULL PRIMARY KEY,
	value   BLOB NOT NULL,
	created TEXT NOT NULL
) STRICT, WITHOUT ROWID;

-- Exceptions (a Keep): the finding is exempt from created until until,
-- unless revoked before.
CREATE TABLE exceptions (
	id         TEXT NOT NULL PRIMARY KEY,
	key        TEXT NOT NULL,
	arn        TEXT NOT NULL,
	by         TEXT NOT NULL,
	reason     TEXT NOT NULL,
	created    TEXT NOT NULL,
	until      TEXT NOT NULL,
	revoked    TEXT,
	revoked_by TEXT NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX exceptions_key ON exceptions (key, created);
CREATE INDEX exceptions_until ON exceptions (until);

-- Every decision, in the order recorded. Never updated or deleted.
CREATE TABLE decisions (
	seq    INTEGER PRIMARY KEY AUTOINCREMENT,
	id     TEXT NOT NULL UNIQUE,
	key    TEXT NOT NULL,
	arn    TEXT NOT NULL,
	kind   TEXT NOT NULL,
	by     TEXT NOT NULL,
	origin TEXT NOT NULL,
	at     TEXT NOT NULL,
	reason TEXT NOT NULL,
	until  TEXT
) STRICT;

CREATE INDEX decisions_key ON decisions (key, at, seq);

CREATE TRIGGER decisions_never_updated BEFORE UPDATE ON decisions
BEGIN
	SELECT RAISE(ABORT, 'decisions are never updated');
END;

CREATE TRIGGER decisions_never_deleted BEFORE DELETE ON decisions
BEGIN
	SELECT RAISE(ABORT, 'decisions are never deleted');
END;

-- Decision-link tokens, by the SHA-256 of the token (the token itself is
-- never stored). used is set once.
CREATE TABLE link_tokens (
	hash      BLOB NOT NULL PRIMARY KEY,
	notice_id TEXT NOT NULL,
	key       TEXT NOT NULL,
	arn       TEXT NOT NULL,
	kind      TEXT NOT NULL,
	recipient TEXT NOT NULL,
	created   TEXT NOT NULL,
	expires   TEXT NOT NULL,
	used      TEXT
) STRICT, WITHOUT ROWID;

CREATE INDEX link_tokens_expires ON link_tokens (expires);

CREATE TRIGGER link_tokens_used_once BEFORE UPDATE OF used ON link_tokens
WHEN OLD.used IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'link token already used');
END;

-- The notice journal: one row per claim of (key, stage, round) by a
-- notice. outcome is sending (claimed, not known to be sent: never sent
-- again), sent, unknown (possibly delivered: never sent again) or failed
-- (definitely not delivered: released, a later claim may send again).
CREATE TABLE notices (
	seq        INTEGER PRIMARY KEY AUTOINCREMENT,
	notice_id  TEXT NOT NULL,
	key        TEXT NOT NULL,
	stage      TEXT NOT NULL,
	round      INTEGER NOT NULL DEFAULT 0,
	recipient  TEXT NOT NULL,
	claimed    TEXT NOT NULL,
	outcome    TEXT NOT NULL DEFAULT 'sending'
		CHECK (outcome IN ('sending', 'sent', 'failed', 'unknown')),
	message_id TEXT NOT NULL DEFAULT '',
	error      TEXT NOT NULL DEFAULT '',
	finished   TEXT
) STRICT;

CREATE UNIQUE INDEX notices_once ON notices (key, stage, round) WHERE outcome <> 'failed';
CREATE INDEX notices_notice ON notices (notice_id);
CREATE INDEX notices_key ON notices (key, seq);

-- The escalation state of each finding key.
CREATE TABLE escalations (
	key                     TEXT NOT NULL PRIMARY KEY,
	arn                     TEXT NOT NULL,
	account_id              TEXT NOT NULL,
	owner                   TEXT NOT NULL,
	type                    TEXT NOT NULL,
	stage                   TEXT NOT NULL,
	round                   INTEGER NOT NULL,
	first_notice_at         TEXT,
	quarantined_at          TEXT,
	deleted_at              TEXT,
	snoozed_until           TEXT,
	next_at                 TEXT,
	next                    TEXT NOT NULL,
	plan_id                 TEXT NOT NULL,
	backup_id               TEXT NOT NULL,
	last_used_at_quarantine TEXT,
	stopped                 TEXT NOT NULL,
	updated                 TEXT
) STRICT, WITHOUT ROWID;

-- History events of findings (scan, notice, decision, action, tripwire,
-- exception), for the dashboard and iamsweep escalation.
CREATE TABLE events (
	seq  INTEGER PRIMARY KEY AUTOINCREMENT,
	key  TEXT NOT NULL,
	arn  TEXT NOT NULL,
	at   TEXT NOT NULL,
	kind TEXT NOT NULL,
	text TEXT NOT NULL
) STRICT;

CREATE INDEX events_key ON events (key, at, seq);
CREATE INDEX events_at ON events (at);
