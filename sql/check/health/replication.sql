-- Replication lag. On a primary, per standby: bytes not yet replayed, 0 when it has replayed all it
-- was sent (so an idle primary is no false alarm). On a standby: seconds behind, 0 when all it
-- received is replayed.
SELECT 'standby'::text AS role,
       NULL::text AS name,
       CASE WHEN pg_last_wal_receive_lsn() IS NULL OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END::float8 AS lag_seconds,
       NULL::float8 AS lag_bytes
WHERE pg_is_in_recovery()
UNION ALL
SELECT 'primary',
       coalesce(application_name, client_addr::text),
       CASE WHEN replay_lsn = sent_lsn THEN 0 ELSE extract(epoch FROM replay_lag) END::float8,
       CASE WHEN replay_lsn = sent_lsn THEN 0
            ELSE pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
                                      ELSE pg_current_wal_lsn() END, replay_lsn)::float8 END
FROM pg_stat_replication;
