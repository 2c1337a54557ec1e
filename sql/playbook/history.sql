-- pgtune history: the latest $1 runs (of playbook $2 when given), each with its steps in order.
SELECT r.id, r.playbook, r.started_at, r.ended_at, r.status, r.client, r.summary::text AS summary, r.error,
       coalesce(jsonb_agg(jsonb_build_object(
           'position', s.position, 'name', s.name, 'step', s.step, 'command', s.command,
           'started_at', s.started_at, 'ended_at', s.ended_at, 'status', s.status,
           'summary', s.summary, 'error', s.error) ORDER BY s.position)
         FILTER (WHERE s.id IS NOT NULL), '[]')::text AS steps
FROM (SELECT * FROM pgtune.maintenance_runs
      WHERE $2::text IS NULL OR playbook = $2
      ORDER BY started_at DESC, id DESC LIMIT $1) AS r
LEFT JOIN pgtune.maintenance_steps AS s ON s.run_id = r.id
GROUP BY r.id, r.playbook, r.started_at, r.ended_at, r.status, r.client, r.summary::text, r.error
ORDER BY r.started_at DESC, r.id DESC;
