-- 0003: typed journal entries. An entry names its kind (call, backup,
-- complete), the IAM operation and subject of a call, the backup of a
-- backup entry and the unique ID a restore left. Entries written before
-- have kind '' and are read from their step and detail text.
ALTER TABLE journal ADD COLUMN kind TEXT NOT NULL DEFAULT ''
	CHECK (kind IN ('', 'call', 'backup', 'complete'));
ALTER TABLE journal ADD COLUMN op TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN subject TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN backup_id TEXT NOT NULL DEFAULT '';
ALTER TABLE journal ADD COLUMN principal_id TEXT NOT NULL DEFAULT '';
