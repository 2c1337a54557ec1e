-- pgtune schema: each declared index's table as PostgreSQL resolves it (search_path, quoting), or NULL.
SELECT given, c.oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'p' AS partitioned
FROM unnest($1::text[]) WITH ORDINALITY AS g(given, ord)
LEFT JOIN pg_class AS c ON c.oid = to_regclass(given) AND c.relkind IN ('r', 'p', 'm')
LEFT JOIN pg_namespace AS n ON n.oid = c.relnamespace
ORDER BY ord;
