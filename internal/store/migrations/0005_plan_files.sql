-- Plans are kept as plan files (internal/planfile), format 2, and
-- name the scan they were made from (NULL when the plan does not say). The
-- plans stored before, format 1, are rewritten as plan files by the Go
-- step of this migration (convertPlans in migrate_plans.go), in the same
-- transaction.
ALTER TABLE plans ADD COLUMN scan_id INTEGER;
