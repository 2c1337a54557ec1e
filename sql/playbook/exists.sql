-- pgtune maintain / history: whether the run record exists yet, and whether this role may read
-- it (a role with only pg_monitor has no USAGE on schema pgtune). Never fails for want of privileges.
SELECT c.oid IS NOT NULL AS present,
       coalesce(has_schema_privilege(c.relnamespace, 'USAGE') AND has_table_privilege(c.oid, 'SELECT'), false) AS readable,
       current_user::text AS role, quote_ident(current_user) AS role_ident
FROM (VALUES (1)) AS one (x)
LEFT JOIN pg_namespace AS n ON n.nspname = 'pgtune'
LEFT JOIN pg_class AS c ON c.relnamespace = n.oid AND c.relname = 'maintenance_runs';
