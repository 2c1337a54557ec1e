-- pgtune maintain: on Ctrl-C or SIGTERM, cancel what this run's sessions are running ($1: the run's
-- application_name), server-side.
SELECT count(pg_cancel_backend(pid)) AS cancelled
FROM pg_stat_activity
WHERE application_name = $1 AND pid <> pg_backend_pid() AND state = 'active';
