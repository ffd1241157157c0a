-- 0001: the first schema. Times are UTC text in the fixed-width layout
-- 2006-01-02T15:04:05.000000000Z (so text order is time order and
-- nanoseconds round-trip); NULL stands for the zero time.

-- One row per recorded scan.
CREATE TABLE scans (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	as_of       TEXT    NOT NULL,
	unused_days INTEGER NOT NULL,
	recorded_at TEXT    NOT NULL
) STRICT;

CREATE INDEX scans_as_of ON scans (as_of, id);

-- One row per finding of a scan; seq is its position in the scan's result.
-- tags is a JSON array of {"key", "value"} objects, NULL when the scan did
-- not read the principal's tags.
CREATE TABLE findings (
	scan_id          INTEGER NOT NULL REFERENCES scans (id),
	seq              INTEGER NOT NULL,
	type             TEXT    NOT NULL,
	account_id       TEXT    NOT NULL,
	account_name     TEXT    NOT NULL,
	arn              TEXT    NOT NULL,
	principal_id     TEXT    NOT NULL,
	name             TEXT    NOT NULL,
	path             TEXT    NOT NULL,
	verdict          TEXT    NOT NULL,
	rule             TEXT    NOT NULL,
	reason           TEXT    NOT NULL,
	created          TEXT,
	last_used        TEXT,
	last_used_region TEXT    NOT NULL,
	days_unused      INTEGER,
	access_key_id    TEXT    NOT NULL,
	key_slot         INTEGER NOT NULL,
	tags             TEXT,
	PRIMARY KEY (scan_id, seq)
) STRICT;

CREATE INDEX findings_arn ON findings (arn, scan_id);

-- Saved plans; body is the plan as JSON in the given format version.
CREATE TABLE plans (
	id      TEXT    PRIMARY KEY,
	created TEXT,
	format  INTEGER NOT NULL,
	body    TEXT    NOT NULL
) STRICT;

-- Backups of principals; state is the RoleState or UserState as JSON in the
-- given format version. Rows are never updated or deleted.
CREATE TABLE backups (
	id         TEXT    PRIMARY KEY,
	created    TEXT    NOT NULL,
	account_id TEXT    NOT NULL,
	arn        TEXT    NOT NULL,
	principal  TEXT    NOT NULL CHECK (principal IN ('role', 'user')),
	plan_id    TEXT    NOT NULL,
	action_id  TEXT    NOT NULL,
	format     INTEGER NOT NULL,
	state      TEXT    NOT NULL
) STRICT;

CREATE INDEX backups_arn ON backups (arn, created);

CREATE TRIGGER backups_never_updated BEFORE UPDATE ON backups
BEGIN
	SELECT RAISE(ABORT, 'backups are never updated');
END;

CREATE TRIGGER backups_never_deleted BEFORE DELETE ON backups
BEGIN
	SELECT RAISE(ABORT, 'backups are never deleted');
END;

-- The action journal: a row is written before a step runs and completed
-- (finished, outcome, detail) once after it ran.
CREATE TABLE journal (
	id        INTEGER PRIMARY KEY AUTOINCREMENT,
	plan_id   TEXT    NOT NULL,
	action_id TEXT    NOT NULL,
	step      TEXT    NOT NULL,
	started   TEXT    NOT NULL,
	finished  TEXT,
	outcome   TEXT    NOT NULL DEFAULT '',
	detail    TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE INDEX journal_action ON journal (plan_id, action_id, id);

CREATE TRIGGER journal_finished_once BEFORE UPDATE ON journal
WHEN OLD.finished IS NOT NULL
BEGIN
	SELECT RAISE(ABORT, 'journal entry already finished');
END;

CREATE TRIGGER journal_never_deleted BEFORE DELETE ON journal
BEGIN
	SELECT RAISE(ABORT, 'journal entries are never deleted');
END;

-- Leases: who holds a principal, until when.
CREATE TABLE leases (
	arn    TEXT NOT NULL PRIMARY KEY,
	owner  TEXT NOT NULL,
	expiry TEXT NOT NULL
) STRICT, WITHOUT ROWID;
