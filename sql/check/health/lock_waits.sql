-- Sessions waiting on a lock for at least $1 seconds, and who blocks them.
SELECT pid,
       datname::text                                             AS datname,
       usename::text                                             AS usename,
       extract(epoch FROM now() - coalesce(state_change, query_start))::float8 AS seconds,
       pg_blocking_pids(pid)                                     AS blocked_by,
       left(regexp_replace(query, '\s+', ' ', 'g'), 120)         AS query,
       count(*) OVER ()                                          AS total
FROM pg_stat_activity
WHERE wait_event_type = 'Lock'
  AND now() - coalesce(state_change, query_start) >= make_interval(secs => $1::float8)
ORDER BY coalesce(state_change, query_start)
LIMIT 200;
