-- pgtune maintain: a step begins.
INSERT INTO pgtune.maintenance_steps (run_id, position, name, step, command)
VALUES ($1, $2, $3, $4, $5) RETURNING id;
