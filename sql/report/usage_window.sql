-- pgtune report: how long index usage has been counted in this database: since its statistics were
-- reset, and since the server started (before PostgreSQL 15 a restart also reset them).
SELECT (SELECT stats_reset FROM pg_stat_database WHERE datname = current_database()) AS stats_reset,
       pg_postmaster_start_time()                                                 AS started_at,
       current_setting('server_version_num')::int                                 AS version_num,
       (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)               AS is_superuser;
