-- Findings stored compactly, in chunks (see findings.go). The rows of
-- the findings table are copied into chunks, and the table dropped, by the
-- Go step of this migration (convertFindings in migrate_findings.go), in
-- the same transaction.
CREATE TABLE finding_chunks (
	scan_id INTEGER NOT NULL REFERENCES scans (id),
	seq     INTEGER NOT NULL,
	count   INTEGER NOT NULL,
	min_arn TEXT    NOT NULL,
	max_arn TEXT    NOT NULL,
	format  INTEGER NOT NULL,
	body    BLOB    NOT NULL,
	PRIMARY KEY (scan_id, seq)
) STRICT;

CREATE INDEX finding_chunks_arn ON finding_chunks (min_arn, max_arn);
