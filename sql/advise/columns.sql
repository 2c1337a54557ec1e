-- pgtune advise: per column of those tables, how many distinct values it holds (pg_stats'
-- n_distinct: negative is a fraction of the rows) and its average width, to order a multi-column
-- index's keys and size a trigram index.
SELECT s.schemaname::text AS schema, s.tablename::text AS table_name, s.attname::text AS column_name,
       s.n_distinct::float8 AS n_distinct, s.avg_width::float8 AS avg_width
FROM unnest($1::text[], $2::text[]) AS t(schema, name)
JOIN pg_catalog.pg_stats s ON s.schemaname = t.schema AND s.tablename = t.name
WHERE NOT s.inherited
