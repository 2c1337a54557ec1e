-- pgtune schema apply: whether the journal exists yet.
SELECT to_regclass('pgtune.schema_journal') IS NOT NULL AS present;
