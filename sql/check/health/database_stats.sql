-- Deadlocks and temporary files per database since its statistics were last reset.
SELECT datname::text       AS datname,
       deadlocks           AS deadlocks,
       temp_files          AS temp_files,
       temp_bytes          AS temp_bytes,
       stats_reset         AS stats_reset
FROM pg_stat_database
WHERE datname IS NOT NULL
ORDER BY deadlocks DESC, temp_bytes DESC;
