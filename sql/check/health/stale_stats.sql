-- Tables of this database with missing statistics (never analyzed, and holding rows or never
-- vacuumed nor analyzed at all, so that the planner does not know their size) or stale ones (changes
-- since the last ANALYZE above $1 times the autovacuum analyze threshold, reloptions honoured).
WITH t AS (
    SELECT s.schemaname::text AS schemaname,
           s.relname::text    AS relname,
           s.n_mod_since_analyze AS modified,
           s.n_live_tup       AS live,
           coalesce(s.last_analyze, s.last_autoanalyze) AS last_analyzed,
           c.reltuples,
           -- Nothing says how much it holds: never vacuumed nor analyzed, and no rows counted.
           ({never_measured} AND s.n_live_tup = 0)                          AS never_measured,
           coalesce((SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                      WHERE option_name = 'autovacuum_analyze_threshold'),
                    current_setting('autovacuum_analyze_threshold')::float8)
         + coalesce((SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                      WHERE option_name = 'autovacuum_analyze_scale_factor'),
                    current_setting('autovacuum_analyze_scale_factor')::float8)
           * greatest(c.reltuples, 0)                                        AS threshold
    FROM pg_stat_user_tables AS s
    JOIN pg_class AS c ON c.oid = s.relid
    CROSS JOIN LATERAL (SELECT c.oid, c.relpages, c.reltuples) AS measured
    WHERE s.schemaname <> 'pgtune'  -- pgtune's own records: small, and written by this very run
), judged AS (
    -- No ANALYZE recorded, and no statistics either: a statistics reset (pg_stat_reset()) clears
    -- the times but not pg_statistic. The same rule as maintain/analyze_candidates.sql.
    SELECT t.*,
           t.last_analyzed IS NULL AND (t.live > 0 OR t.reltuples > 0 OR t.never_measured)
           AND NOT EXISTS (SELECT FROM pg_stats AS st
                           WHERE st.schemaname = t.schemaname AND st.tablename = t.relname
                             AND NOT st.inherited) AS never_analyzed
    FROM t
)
SELECT schemaname, relname, modified, live, threshold, last_analyzed,
       never_analyzed, never_measured, count(*) OVER () AS total
FROM judged
WHERE never_analyzed
   OR modified > threshold * $1::float8
ORDER BY never_analyzed DESC, modified / nullif(threshold, 0) DESC NULLS LAST
LIMIT 200;
