-- pgtune trends: tables by growth between snapshots $1 (earlier) and $2 (latest), and dead tuples.
SELECT l.schema_name, l.table_name, coalesce(e.total_bytes, 0) AS before_bytes, l.total_bytes AS after_bytes,
       coalesce(e.dead_tuples, 0) AS dead_before, coalesce(l.dead_tuples, 0) AS dead_after,
       coalesce(e.live_tuples, 0) AS live_before, coalesce(l.live_tuples, 0) AS live_after,
       e.snapshot_id IS NULL AS is_new
FROM pgtune.snapshot_tables AS l
LEFT JOIN pgtune.snapshot_tables AS e
       ON e.snapshot_id = $1 AND e.schema_name = l.schema_name AND e.table_name = l.table_name
WHERE l.snapshot_id = $2;
