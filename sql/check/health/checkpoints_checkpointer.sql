-- Checkpoints started by the timer versus requested by WAL volume (PostgreSQL 17 and later).
SELECT num_timed::bigint     AS timed,
       num_requested::bigint AS requested,
       stats_reset           AS stats_reset
FROM pg_stat_checkpointer;
