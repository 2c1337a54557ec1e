-- pgtune report: foreign keys whose referencing columns are not the leading columns (in any order) of
-- a valid, non-partial index on the referencing table: every delete or key update on the referenced
-- table then scans the referencing one. Same parameters as indexes.sql.
SELECT
    t.oid::int8                                               AS table_oid,
    n.nspname::text                                           AS schema,
    t.relname::text                                           AS table_name,
    c.conname::text                                           AS constraint_name,
    (SELECT array_agg(a.attname::text ORDER BY k.ord)
       FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, ord)
       JOIN pg_attribute AS a ON a.attrelid = c.conrelid AND a.attnum = k.attnum) AS column_names,
    rn.nspname::text                                          AS referenced_schema,
    r.relname::text                                           AS referenced_table,
    -- A partitioned table has no storage of its own: its size and rows are its partitions'.
    CASE WHEN t.relkind = 'p'
         THEN (SELECT coalesce(sum(pc.relpages), 0) FROM (SELECT t.oid) AS leaves_root,
                 LATERAL {partition_leaves} AS p JOIN pg_class AS pc ON pc.oid = p.relid)
         ELSE t.relpages END::int8 * current_setting('block_size')::int8 AS table_bytes,
    CASE WHEN t.relkind = 'p'
         THEN (SELECT coalesce(sum(greatest(pc.reltuples, 0)), 0) FROM (SELECT t.oid) AS leaves_root,
                 LATERAL {partition_leaves} AS p JOIN pg_class AS pc ON pc.oid = p.relid)
         ELSE greatest(t.reltuples, 0) END::int8          AS table_rows,
    -- Whether the size above means anything: relpages stays 0 until the first VACUUM or ANALYZE.
    (t.relkind = 'p' OR NOT {never_measured})                 AS size_known,
    -- Its partitions at every level, parents before children: the index is built ON ONLY each
    -- partitioned one, concurrently on each leaf, and attached up the tree.
    CASE WHEN t.relkind = 'p' THEN {partition_tree}
    END                                                       AS partitions
FROM pg_constraint AS c
JOIN pg_class AS t ON t.oid = c.conrelid
CROSS JOIN LATERAL (SELECT t.oid, t.relpages, t.reltuples) AS measured
CROSS JOIN LATERAL (SELECT t.oid) AS tree_root
JOIN pg_namespace AS n ON n.oid = t.relnamespace
JOIN pg_class AS r ON r.oid = c.confrelid
JOIN pg_namespace AS rn ON rn.oid = r.relnamespace
WHERE c.contype = 'f'
  -- A foreign key on a partitioned table is cloned onto each partition (and onto each partition
  -- of a partitioned referenced table): the clones are the same key, found once through it.
  AND c.conparentid = 0
  AND n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgtune')
  AND (cardinality($1::text[]) = 0 OR n.nspname ~ ANY ($1::text[]))
  AND NOT (n.nspname ~ ANY ($2::text[]))
  AND (cardinality($3::text[]) = 0 OR t.relname ~ ANY ($3::text[]))
  AND NOT EXISTS (SELECT FROM pg_index AS x WHERE x.indrelid = c.conrelid AND {serves_fk})
ORDER BY t.relpages DESC, n.nspname, t.relname, c.conname;
