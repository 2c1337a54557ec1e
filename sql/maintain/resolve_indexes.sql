-- pgtune reindex --index NAME: each name as PostgreSQL resolves it (search_path, quoting), or NULL.
SELECT given, n.nspname::text AS schema, c.relname::text AS name
FROM unnest($1::text[]) AS given
LEFT JOIN pg_class AS c ON c.oid = to_regclass(given) AND c.relkind IN ('i', 'I')
LEFT JOIN pg_namespace AS n ON n.oid = c.relnamespace;
