-- What holds the xmin horizon back the most, when something does: the oldest of a session's
-- snapshot (backend_xmin), a prepared transaction, or a replication slot. VACUUM cannot remove rows
-- deleted after it, so this names who to ask, or end. Seconds: how long the transaction has run
-- (NULL for a slot).
SELECT kind, who, detail, xmin_age, seconds FROM (
    SELECT 'session' AS kind, a.pid::text AS who,
           concat_ws(', ', 'role ' || a.usename, CASE WHEN a.application_name <> '' THEN 'application "' || a.application_name || '"' END, a.state) AS detail,
           age(a.backend_xmin)::bigint AS xmin_age,
           extract(epoch FROM now() - a.xact_start)::float8 AS seconds
    FROM pg_stat_activity AS a
    WHERE a.backend_xmin IS NOT NULL AND a.pid <> pg_backend_pid()
    UNION ALL
    SELECT 'prepared transaction', p.gid, 'prepared ' || p.prepared::text, age(p.transaction)::bigint,
           extract(epoch FROM now() - p.prepared)::float8
    FROM pg_prepared_xacts AS p
    UNION ALL
    SELECT 'replication slot', s.slot_name::text, CASE WHEN s.active THEN 'active' ELSE 'inactive' END,
           greatest(age(s.xmin), age(s.catalog_xmin))::bigint, NULL
    FROM pg_replication_slots AS s
    WHERE s.xmin IS NOT NULL OR s.catalog_xmin IS NOT NULL
) AS holders
ORDER BY xmin_age DESC NULLS LAST
LIMIT 1;
