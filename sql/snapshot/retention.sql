-- pgtune snapshot: snapshots older than the retention ($1 seconds) go, with their rows.
WITH gone AS (
    DELETE FROM pgtune.snapshots WHERE taken_at < now() - make_interval(secs => $1::float8) RETURNING 1
)
SELECT count(*) AS deleted FROM gone;
