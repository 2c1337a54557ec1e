-- pgtune maintain: the run in progress (the lock holder's), for the message a second run prints.
SELECT playbook, started_at, client
FROM pgtune.maintenance_runs
WHERE status = 'running'
ORDER BY started_at DESC
LIMIT 1;
