-- pgtune maintenance: what the runner's sessions ($1: their pids) are doing, for the progress line on
-- a terminal: the phase of a CREATE INDEX / REINDEX, VACUUM or ANALYZE, and how far it is.
SELECT pid, phase, blocks_done::float8 AS done, blocks_total::float8 AS total
FROM pg_stat_progress_create_index WHERE pid = ANY ($1::int[])
UNION ALL
SELECT pid, phase, heap_blks_scanned::float8, heap_blks_total::float8
FROM pg_stat_progress_vacuum WHERE pid = ANY ($1::int[])
UNION ALL
SELECT pid, phase, sample_blks_scanned::float8, sample_blks_total::float8
FROM pg_stat_progress_analyze WHERE pid = ANY ($1::int[]);
