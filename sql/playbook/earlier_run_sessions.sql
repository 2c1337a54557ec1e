-- pgtune maintain: sessions of an earlier maintenance run still at work in this database ($1: this
-- run's application_name). A run killed outright (SIGKILL, OOM) leaves its steps' statements running
-- after its runner lock is gone; a new run must not start beside them. A state we may not see (no
-- pg_read_all_stats) counts as working.
SELECT pid, application_name AS application, coalesce(state, 'unknown') AS state,
       coalesce(extract(epoch FROM now() - query_start), 0)::float8 AS seconds,
       coalesce(left(regexp_replace(query, '\s+', ' ', 'g'), 120), '') AS query
FROM pg_stat_activity
WHERE datname = current_database()
  AND application_name LIKE 'pgtune maintain %'
  AND application_name <> $1
  AND pid <> pg_backend_pid()
  AND coalesce(state, 'unknown') NOT IN ('idle')
ORDER BY query_start NULLS LAST
LIMIT 5;
