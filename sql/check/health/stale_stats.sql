-- Tables of this database with missing statistics (rows but never analyzed) or stale ones (changes
-- since the last ANALYZE above $1 times the autovacuum analyze threshold, reloptions honoured).
WITH t AS (
    SELECT s.schemaname::text AS schemaname,
           s.relname::text    AS relname,
           s.n_mod_since_analyze AS modified,
           s.n_live_tup       AS live,
           coalesce(s.last_analyze, s.last_autoanalyze) AS last_analyzed,
           coalesce((SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                      WHERE option_name = 'autovacuum_analyze_threshold'),
                    current_setting('autovacuum_analyze_threshold')::float8)
         + coalesce((SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                      WHERE option_name = 'autovacuum_analyze_scale_factor'),
                    current_setting('autovacuum_analyze_scale_factor')::float8)
           * greatest(c.reltuples, 0)                                        AS threshold
    FROM pg_stat_user_tables AS s
    JOIN pg_class AS c ON c.oid = s.relid
    WHERE s.schemaname <> 'pgtune'  -- pgtune's own records: small, and written by this very run
)
SELECT schemaname, relname, modified, live, threshold, last_analyzed,
       last_analyzed IS NULL AS never_analyzed, count(*) OVER () AS total
FROM t
WHERE (last_analyzed IS NULL AND live > 0)
   OR modified > threshold * $1::float8
ORDER BY last_analyzed IS NULL DESC, modified / nullif(threshold, 0) DESC NULLS LAST
LIMIT 200;
