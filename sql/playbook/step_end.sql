-- pgtune maintain: a step ends; its summary is the sentence its command wrote (a JSON string).
UPDATE pgtune.maintenance_steps
SET ended_at = now(), status = $2, summary = to_jsonb($3::text), error = $4
WHERE id = $1;
