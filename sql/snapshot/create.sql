-- pgtune snapshot: where snapshots are kept. Sizes come from pg_class.relpages (as of the last VACUUM
-- or ANALYZE), so taking one never opens, locks or stats a relation.
CREATE SCHEMA IF NOT EXISTS pgtune;
CREATE TABLE IF NOT EXISTS pgtune.snapshots (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    taken_at      timestamptz NOT NULL DEFAULT now(),
    database_bytes bigint NOT NULL,
    xact_commit   bigint, xact_rollback bigint, blks_read bigint, blks_hit bigint,
    tup_inserted  bigint, tup_updated bigint, tup_deleted bigint, deadlocks bigint, temp_bytes bigint,
    settings      jsonb NOT NULL
);
CREATE TABLE IF NOT EXISTS pgtune.snapshot_tables (
    snapshot_id   bigint NOT NULL REFERENCES pgtune.snapshots ON DELETE CASCADE,
    schema_name   text NOT NULL,
    table_name    text NOT NULL,
    total_bytes   bigint NOT NULL,
    live_tuples   bigint, dead_tuples bigint, seq_scan bigint, idx_scan bigint,
    n_tup_ins     bigint, n_tup_upd bigint, n_tup_del bigint,
    PRIMARY KEY (snapshot_id, schema_name, table_name)
);
CREATE TABLE IF NOT EXISTS pgtune.snapshot_indexes (
    snapshot_id   bigint NOT NULL REFERENCES pgtune.snapshots ON DELETE CASCADE,
    schema_name   text NOT NULL,
    table_name    text NOT NULL,
    index_name    text NOT NULL,
    bytes         bigint NOT NULL,
    idx_scan      bigint,
    is_unique     boolean NOT NULL,
    PRIMARY KEY (snapshot_id, schema_name, index_name)
);
CREATE INDEX IF NOT EXISTS snapshots_taken_at ON pgtune.snapshots (taken_at);
