-- pgtune schema apply: transactions in this database older than $1 seconds, which a concurrent index
-- build must wait for (it waits for every transaction that started before each of its phases).
SELECT pid, usename::text AS role, coalesce(application_name, '') AS application,
       coalesce(state, '') AS state,
       extract(epoch FROM now() - xact_start)::float8 AS seconds
FROM pg_stat_activity
WHERE datname = current_database()
  AND pid <> pg_backend_pid()
  AND xact_start < now() - make_interval(secs => $1::float8)
  AND backend_type = 'client backend'
ORDER BY xact_start
LIMIT 10;
