-- pgtune: this session's backend, so another session can watch or cancel what it runs.
SELECT pg_backend_pid() AS pid;
