-- pgtune maintain: a run begins.
INSERT INTO pgtune.maintenance_runs (playbook, client) VALUES ($1, $2) RETURNING id;
