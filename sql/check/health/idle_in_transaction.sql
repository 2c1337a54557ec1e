-- Sessions idle inside a transaction for at least $1 seconds, longest first: they hold locks and
-- snapshots, and keep VACUUM from cleaning up.
SELECT pid,
       datname::text                                         AS datname,
       usename::text                                         AS usename,
       extract(epoch FROM now() - state_change)::float8      AS seconds,
       count(*) OVER ()                                      AS total
FROM pg_stat_activity
WHERE state IN ('idle in transaction', 'idle in transaction (aborted)')
  AND now() - state_change >= make_interval(secs => $1::float8)
ORDER BY state_change
LIMIT 200;
