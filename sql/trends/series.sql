-- pgtune trends --capacity: the size history of the database and of the $1 largest tables now.
WITH top AS (
    SELECT schema_name, table_name FROM pgtune.snapshot_tables
    WHERE snapshot_id = (SELECT id FROM pgtune.snapshots ORDER BY taken_at DESC, id DESC LIMIT 1)
    ORDER BY total_bytes DESC LIMIT $1
)
SELECT NULL::text AS schema_name, NULL::text AS table_name,
       extract(epoch FROM s.taken_at)::float8 AS at, s.database_bytes AS bytes
FROM pgtune.snapshots AS s
UNION ALL
SELECT t.schema_name, t.table_name, extract(epoch FROM s.taken_at)::float8, t.total_bytes
FROM pgtune.snapshot_tables AS t
JOIN top USING (schema_name, table_name)
JOIN pgtune.snapshots AS s ON s.id = t.snapshot_id
ORDER BY 1 NULLS FIRST, 2 NULLS FIRST, 3;
