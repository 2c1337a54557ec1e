-- Checkpoints started by the timer versus requested by WAL volume (PostgreSQL up to 16).
SELECT checkpoints_timed::bigint AS timed,
       checkpoints_req::bigint   AS requested,
       stats_reset               AS stats_reset
FROM pg_stat_bgwriter;
