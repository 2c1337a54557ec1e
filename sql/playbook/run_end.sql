-- pgtune maintain: a run ends.
UPDATE pgtune.maintenance_runs
SET ended_at = now(), status = $2, summary = $3::text::jsonb, error = $4
WHERE id = $1;
