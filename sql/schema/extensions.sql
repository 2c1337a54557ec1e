-- pgtune schema: each declared extension, installed (schema, version) and whether the server has it.
SELECT d.name,
       n.nspname::text AS installed_schema,
       e.extversion AS installed_version,
       a.name IS NOT NULL AS available,
       a.default_version
FROM unnest($1::text[]) AS d(name)
LEFT JOIN pg_extension AS e ON e.extname = d.name
LEFT JOIN pg_namespace AS n ON n.oid = e.extnamespace
LEFT JOIN pg_available_extensions AS a ON a.name = d.name;
