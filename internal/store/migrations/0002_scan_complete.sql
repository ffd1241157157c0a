-- 0002: scans recorded as they run. A scan written in batches (an
-- organization scan) is complete = 0 until its last batch is in; only
-- complete scans are seen by LatestScan and History.
ALTER TABLE scans ADD COLUMN complete INTEGER NOT NULL DEFAULT 1 CHECK (complete IN (0, 1));
