-- pgtune report: the partitioned indexes each index ($1: schema names, $2: index names) is a
-- partition of, at every level, so no REINDEX is proposed for a partition of an index another
-- section drops (the drop takes its partitions with it).
SELECT g.schema, g.name, an.nspname::text AS ancestor_schema, a.relname::text AS ancestor
FROM unnest($1::text[], $2::text[]) AS g(schema, name)
JOIN pg_namespace AS n ON n.nspname = g.schema
JOIN pg_class AS c ON c.relnamespace = n.oid AND c.relname = g.name AND c.relispartition
CROSS JOIN LATERAL pg_partition_ancestors(c.oid) AS p(relid)
JOIN pg_class AS a ON a.oid = p.relid AND a.oid <> c.oid
JOIN pg_namespace AS an ON an.oid = a.relnamespace;
