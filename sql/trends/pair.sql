-- pgtune trends: the latest snapshot, and the latest one at least $1 seconds older than it (else the
-- oldest), with the database-level counters of both.
WITH latest AS (SELECT * FROM pgtune.snapshots ORDER BY taken_at DESC, id DESC LIMIT 1),
earlier AS (
    SELECT * FROM pgtune.snapshots
    WHERE id <> (SELECT id FROM latest)
    ORDER BY (taken_at <= (SELECT taken_at FROM latest) - make_interval(secs => $1::float8)) DESC,
             CASE WHEN taken_at <= (SELECT taken_at FROM latest) - make_interval(secs => $1::float8)
                  THEN taken_at END DESC NULLS LAST,
             taken_at ASC
    LIMIT 1
)
SELECT l.id AS latest_id, l.taken_at AS latest_at, e.id AS earlier_id, e.taken_at AS earlier_at,
       l.database_bytes AS latest_bytes, e.database_bytes AS earlier_bytes,
       l.blks_hit - e.blks_hit AS hit, l.blks_read - e.blks_read AS read,
       e.blks_hit AS hit_before, e.blks_read AS read_before,
       l.settings::text AS latest_settings, e.settings::text AS earlier_settings,
       (SELECT count(*) FROM pgtune.snapshots) AS snapshots
FROM latest AS l, earlier AS e;
