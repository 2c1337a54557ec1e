-- pgtune schema apply: record one change and how it ended.
INSERT INTO pgtune.schema_journal
    (client, object_kind, object_name, action, statement, file, line, checksum, duration_ms, outcome, error)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11);
