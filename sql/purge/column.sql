-- pgtune purge: the table ($1, as SQL text) and the type of its column $2, as PostgreSQL resolves them.
SELECT n.nspname::text AS schema, c.relname::text AS name, format_type(a.atttypid, a.atttypmod) AS column_type
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_attribute AS a ON a.attrelid = c.oid AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.oid = to_regclass($1) AND c.relkind IN ('r', 'p');
