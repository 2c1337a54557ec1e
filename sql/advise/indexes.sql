-- pgtune advise: the valid indexes those tables already have, each key as PostgreSQL prints it,
-- so a candidate an existing index serves (same leading keys, same method, no narrower predicate)
-- is never proposed. pg_get_indexdef reads the system caches and takes no lock.
SELECT n.nspname::text AS schema, c.relname::text AS table_name, ic.relname::text AS name,
       am.amname::text AS method,
       ARRAY(SELECT pg_catalog.pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS keys,
       pg_catalog.pg_get_expr(i.indpred, i.indrelid, true) AS predicate
FROM unnest($1::text[], $2::text[]) AS t(schema, name)
JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.name
JOIN pg_catalog.pg_index i ON i.indrelid = c.oid AND i.indisvalid
JOIN pg_catalog.pg_class ic ON ic.oid = i.indexrelid
JOIN pg_catalog.pg_am am ON am.oid = ic.relam
ORDER BY 1, 2, 3
