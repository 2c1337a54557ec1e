-- Fragment of report/bloat_estimate.sql for roles that are not superusers: column statistics through
-- pg_stats (only the tables this role may read).
LEFT JOIN pg_stats AS s ON s.schemaname = r.schema AND s.tablename = r.name AND s.attname = a.attname
                       AND NOT s.inherited
