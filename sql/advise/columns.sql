-- pgtune advise: the columns of those tables ($1 schemas and $2 names, pairwise): type, and from
-- pg_stats how many distinct values each holds (n_distinct: negative is a fraction of the rows)
-- and its average width, to order a multi-column index's keys, size a trigram index, and tell a
-- text column from one a statement casts to text.
SELECT n.nspname::text AS schema, c.relname::text AS table_name, a.attname::text AS column_name,
       pg_catalog.format_type(a.atttypid, NULL) AS type_name,
       s.n_distinct::float8 AS n_distinct, s.avg_width::float8 AS avg_width
FROM unnest($1::text[], $2::text[]) AS t(schema, name)
JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.name
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
LEFT JOIN pg_catalog.pg_stats s
       ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = a.attname
      AND NOT s.inherited
