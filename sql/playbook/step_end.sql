-- pgtune maintain: a step ends.
UPDATE pgtune.maintenance_steps
SET ended_at = now(), status = $2, summary = $3::text::jsonb, error = $4
WHERE id = $1;
