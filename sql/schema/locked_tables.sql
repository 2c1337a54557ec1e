-- pgtune schema: which of the declared tables ($1) another session holds, or waits for, in ACCESS
-- EXCLUSIVE mode, and who: reading their index definitions or copying them for a shadow build would
-- queue behind it. A granted lock is named before a waiting one; a prepared transaction has no pid.
SELECT DISTINCT ON (l.relation)
       l.relation AS table_oid, l.pid, l.granted,
       coalesce(a.usename::text, '') AS role,
       coalesce(a.application_name, '') AS application,
       coalesce(a.state, CASE WHEN l.pid IS NULL THEN 'prepared transaction' ELSE 'unknown' END) AS state,
       coalesce(extract(epoch FROM now() - a.xact_start), 0)::float8 AS seconds
FROM pg_locks AS l
LEFT JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'relation'
  AND l.relation = ANY ($1::oid[])
  AND l.mode = 'AccessExclusiveLock'
  AND l.pid IS DISTINCT FROM pg_backend_pid()
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
ORDER BY l.relation, l.granted DESC, a.xact_start NULLS LAST;
