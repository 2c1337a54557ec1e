-- pgtune maintain: a run ends; its summary is a sentence (a JSON string).
UPDATE pgtune.maintenance_runs
SET ended_at = now(), status = $2, summary = to_jsonb($3::text), error = $4
WHERE id = $1;
