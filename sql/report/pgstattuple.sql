-- pgtune report bloat --exact: where the pgstattuple extension is installed in this database.
SELECT n.nspname::text AS schema
FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace
WHERE e.extname = 'pgstattuple';
