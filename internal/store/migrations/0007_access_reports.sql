-- Service last accessed reports (the evidence of iamsweep refine), one row
-- per principal ARN: the last report fetched for it, when it was fetched
-- and when IAM completed it, and the report as JSON (accessReportV1, in
-- the given format version). A later fetch replaces the row: this is a
-- cache, not history.
CREATE TABLE access_reports (
	arn       TEXT    PRIMARY KEY,
	fetched   TEXT    NOT NULL,
	generated TEXT    NOT NULL,
	format    INTEGER NOT NULL,
	report    TEXT    NOT NULL
) STRICT;
