-- pgtune snapshot: one statement, so a snapshot is whole or absent. Per-table counters come from the
-- pg_stat_get_* functions (pg_stat_user_tables sums index scans over every index, slow at 10,000 tables).
WITH s AS (
    INSERT INTO pgtune.snapshots (database_bytes, xact_commit, xact_rollback, blks_read, blks_hit,
                                  tup_inserted, tup_updated, tup_deleted, deadlocks, temp_bytes, settings)
    SELECT pg_database_size(d.oid), st.xact_commit, st.xact_rollback, st.blks_read, st.blks_hit,
           st.tup_inserted, st.tup_updated, st.tup_deleted, st.deadlocks, st.temp_bytes,
           (SELECT coalesce(jsonb_object_agg(name, setting), '{}') FROM pg_settings
             WHERE source NOT IN ('default', 'override', 'client', 'session'))
    FROM pg_database AS d
    JOIN pg_stat_database AS st ON st.datid = d.oid
    WHERE d.datname = current_database()
    RETURNING id
), t AS (
    INSERT INTO pgtune.snapshot_tables
    SELECT s.id, n.nspname, c.relname,
           -- A partitioned table or index stores nothing itself (its relpages may read -1): 0 bytes.
           (greatest(c.relpages, 0)::bigint + coalesce(tc.relpages, 0)
            + coalesce((SELECT sum(greatest(ic.relpages, 0)) FROM pg_index AS i
                         JOIN pg_class AS ic ON ic.oid = i.indexrelid
                         WHERE i.indrelid = c.oid), 0)) * current_setting('block_size')::bigint,
           pg_stat_get_live_tuples(c.oid), pg_stat_get_dead_tuples(c.oid),
           pg_stat_get_numscans(c.oid),
           (SELECT sum(pg_stat_get_numscans(i.indexrelid)) FROM pg_index AS i WHERE i.indrelid = c.oid)::bigint,
           pg_stat_get_tuples_inserted(c.oid), pg_stat_get_tuples_updated(c.oid), pg_stat_get_tuples_deleted(c.oid)
    FROM s, pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    LEFT JOIN pg_class AS tc ON tc.oid = c.reltoastrelid
    WHERE c.relkind IN ('r', 'm', 'p')
      AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgtune')
      AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
    RETURNING 1
), i AS (
    INSERT INTO pgtune.snapshot_indexes
    SELECT s.id, n.nspname, t.relname, c.relname,
           greatest(c.relpages, 0)::bigint * current_setting('block_size')::bigint,
           -- is_unique: it enforces something (unique, or an exclusion constraint), so never unused.
           pg_stat_get_numscans(c.oid), x.indisunique OR ex.conindid IS NOT NULL
    FROM s, pg_index AS x
    JOIN pg_class AS c ON c.oid = x.indexrelid
    JOIN pg_class AS t ON t.oid = x.indrelid
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    -- One pass over pg_constraint (conindid has no index of its own), not a lookup per index.
    LEFT JOIN (SELECT DISTINCT conindid FROM pg_constraint WHERE contype = 'x') AS ex
           ON ex.conindid = x.indexrelid
    WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pgtune')
      AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'
    RETURNING 1
)
SELECT s.id, (SELECT count(*) FROM t) AS tables, (SELECT count(*) FROM i) AS indexes FROM s;
