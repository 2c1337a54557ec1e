-- pgtune maintain --metrics-file: when each playbook last ran every step to the end.
SELECT playbook, extract(epoch FROM max(ended_at))::float8 AS at
FROM pgtune.maintenance_runs
WHERE status IN ('ok', 'warning', 'critical') AND ended_at IS NOT NULL
GROUP BY playbook;
