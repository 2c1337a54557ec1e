-- Replication slots: inactive ones, and the WAL each keeps on disk.
SELECT slot_name::text AS slot_name,
       slot_type       AS slot_type,
       active          AS active,
       pg_wal_lsn_diff(CASE WHEN pg_is_in_recovery() THEN pg_last_wal_receive_lsn()
                            ELSE pg_current_wal_lsn() END, restart_lsn)::float8 AS retained_bytes
FROM pg_replication_slots
ORDER BY active, retained_bytes DESC NULLS LAST;
