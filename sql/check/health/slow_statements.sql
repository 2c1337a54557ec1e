-- The slowest statements by mean execution time (PostgreSQL 13+ column names), with enough calls to
-- mean something. {pg_stat_statements} is the extension's view, schema-qualified and quoted.
-- pgtune's own statements are left out, and counted: here those that keep their "-- pgtune" comment
-- (up to PostgreSQL 17) or name pgtune_shadow_*; then pgtune compares each remaining text with its
-- own files (sql::is_pgtunes_own, for PostgreSQL 18, which drops leading comments), which is why the
-- full text and more rows than are shown come back. One row even when nothing is left.
WITH s AS (
    SELECT queryid, calls, mean_exec_time, total_exec_time, query,
           (query LIKE '-- pgtune%' OR query LIKE '%pgtune\_shadow%' OR query LIKE 'SAVEPOINT pgtune%') AS ours
    FROM {pg_stat_statements}
    WHERE calls >= 5
)
SELECT t.queryid::text                                      AS queryid,
       t.calls                                              AS calls,
       t.mean_exec_time / 1000.0                            AS mean_seconds,
       t.total_exec_time / 1000.0                           AS total_seconds,
       left(regexp_replace(t.query, '\s+', ' ', 'g'), 120)  AS query,
       t.query                                              AS full_query,
       o.left_out                                           AS left_out
FROM (SELECT count(*) FILTER (WHERE ours) AS left_out FROM s) AS o
LEFT JOIN LATERAL (
    SELECT * FROM s WHERE NOT ours ORDER BY mean_exec_time DESC LIMIT 200
) AS t ON true
ORDER BY t.mean_exec_time DESC NULLS LAST;
