-- Tables of this database whose dead tuples exceed $1 times their autovacuum threshold
-- (autovacuum_vacuum_threshold + scale_factor x reltuples, per-table reloptions honoured), worst first,
-- with what the remedy follows from: autovacuum off for the table or the server, a vacuum running now,
-- the table's size.
WITH t AS (
    SELECT s.schemaname::text AS schemaname,
           s.relname::text    AS relname,
           s.n_dead_tup       AS dead,
           s.last_autovacuum  AS last_autovacuum,
           coalesce((SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                      WHERE option_name = 'autovacuum_vacuum_threshold'),
                    current_setting('autovacuum_vacuum_threshold')::float8)
         + coalesce((SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                      WHERE option_name = 'autovacuum_vacuum_scale_factor'),
                    current_setting('autovacuum_vacuum_scale_factor')::float8)
           * greatest(c.reltuples, 0)                                        AS threshold,
           coalesce((SELECT option_value FROM pg_options_to_table(c.reloptions)
                      WHERE option_name = 'autovacuum_enabled'), 'on')      AS autovacuum_enabled,
           greatest(c.reltuples, 0)::float8                                 AS reltuples,
           EXISTS (SELECT 1 FROM pg_stat_progress_vacuum AS p WHERE p.relid = s.relid) AS vacuuming_now
    FROM pg_stat_user_tables AS s
    JOIN pg_class AS c ON c.oid = s.relid
    WHERE s.schemaname <> 'pgtune'  -- pgtune's own records: small, and written by this very run
)
SELECT schemaname, relname, dead, threshold, dead / nullif(threshold, 0) AS ratio,
       last_autovacuum, autovacuum_enabled, reltuples, vacuuming_now,
       current_setting('autovacuum')::bool AS server_autovacuum, count(*) OVER () AS total
FROM t
WHERE dead > threshold * $1::float8
ORDER BY dead / nullif(threshold, 0) DESC NULLS LAST
LIMIT 200;
