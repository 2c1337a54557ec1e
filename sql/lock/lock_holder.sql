-- pgtune: who holds the runner lock ($1, $2) in this database, and since when their session started.
SELECT a.pid, a.usename::text AS role, a.application_name AS application,
       CASE WHEN a.client_addr IS NOT NULL THEN host(a.client_addr) WHEN a.backend_start IS NOT NULL THEN 'local' END AS client,
       a.backend_start
FROM pg_locks AS l
JOIN pg_stat_activity AS a ON a.pid = l.pid
WHERE l.locktype = 'advisory' AND l.granted
  AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND l.classid = $1::int::oid AND l.objid = $2::int::oid AND l.objsubid = 2
LIMIT 1;
