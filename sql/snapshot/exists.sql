-- pgtune snapshot / trends: whether snapshots are kept here yet.
SELECT to_regclass('pgtune.snapshots') IS NOT NULL AS present;
