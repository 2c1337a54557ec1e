-- pgtune schema: each declared index's table as PostgreSQL resolves it (search_path, quoting), or NULL;
-- a partitioned one with its partitions (an index is built on them one by one, concurrently).
SELECT given, c.oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind = 'p' AS partitioned,
       CASE WHEN c.relkind = 'p' THEN {partition_tree} END AS partitions,
       CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partition_key
FROM unnest($1::text[]) WITH ORDINALITY AS g(given, ord)
LEFT JOIN pg_class AS c ON c.oid = to_regclass(given) AND c.relkind IN ('r', 'p', 'm')
LEFT JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN LATERAL (SELECT c.oid) AS tree_root ON true
ORDER BY ord;
