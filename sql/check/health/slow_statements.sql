-- The slowest statements by mean execution time (PostgreSQL 13+ column names), with enough calls to
-- mean something. {pg_stat_statements} is the extension's view, schema-qualified and quoted.
SELECT queryid::text                                      AS queryid,
       calls                                              AS calls,
       mean_exec_time / 1000.0                            AS mean_seconds,
       total_exec_time / 1000.0                           AS total_seconds,
       left(regexp_replace(query, '\s+', ' ', 'g'), 120)  AS query
FROM {pg_stat_statements}
WHERE calls >= 5
ORDER BY mean_exec_time DESC
LIMIT 5;
