-- pgtune maintain / history: whether the run record exists yet.
SELECT to_regclass('pgtune.maintenance_runs') IS NOT NULL AS present;
