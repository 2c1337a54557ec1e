-- pgtune advise: this database's statements from pg_stat_statements ({pg_stat_statements}, the
-- extension's view, schema-qualified), the costliest first, each with at least $1 calls. pgtune
-- leaves out its own afterwards (sql::is_pgtunes_own) and keeps those it can plan.
SELECT s.query, s.calls::float8 AS calls, s.total_exec_time::float8 AS total_ms,
       s.mean_exec_time::float8 AS mean_ms
FROM {pg_stat_statements} s
WHERE s.dbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
  AND s.calls >= $1
ORDER BY s.total_exec_time DESC
LIMIT 5000
