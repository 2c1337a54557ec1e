-- pgtune maintain: runs and steps still marked running belong to a run that ended without recording
-- its outcome (connection lost, server restarted, process killed): only the lock holder, which is us,
-- could be running one. They are recorded as failed now.
WITH steps AS (
    UPDATE pgtune.maintenance_steps
    SET status = 'failed', ended_at = coalesce(ended_at, now()),
        error = coalesce(error, 'interrupted: the run ended before this step recorded its outcome (connection lost, server restart, or the process was stopped)')
    WHERE status = 'running'
    RETURNING run_id
)
UPDATE pgtune.maintenance_runs
SET status = 'failed', ended_at = coalesce(ended_at, now()),
    error = coalesce(error, 'interrupted: recorded as failed by the next run')
WHERE status = 'running' OR id IN (SELECT run_id FROM steps)
RETURNING id;
