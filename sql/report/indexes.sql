-- pgtune report: every index in scope with the structured catalog data the index reports compare
-- (method, key columns, operator classes, collations, options, expressions, predicate, INCLUDE
-- columns), its constraints, usage and size.
-- $1 schema patterns to include (empty: all), $2 schema patterns to exclude, $3 table patterns (empty:
-- all): anchored regular expressions; $4: invalid indexes only (what invalid-indexes and reindex
-- --invalid need, without reading every index's counters); $5: only indexes that share their
-- table and first key column (or expression) with another valid one (every duplicate or prefix
-- pair does: what duplicate-indexes needs); $6: only valid indexes without a scan, not primary,
-- exclusion or replica identity, not attached to a parent's (the only ones unused-indexes judges,
-- so its memory follows its findings, not the catalog; the few backing a unique constraint are left
-- to it, as testing the constraint join here would turn it into a nested loop). Column names are not spelled out here: they cost a third of
-- the query on a large catalog, and only the duplicates report shows them, for its few findings
-- (index_column_names.sql).
-- The last_idx_scan placeholder takes a fragment chosen by server version (last_idx_scan_16.sql or
-- last_idx_scan_none.sql); serves_fk is the one rule for "this index serves that foreign key".
-- Sizes come from pg_class.relpages (as of the last VACUUM or ANALYZE), not pg_relation_size(): that
-- takes a lock per relation, and a catalog of 40,000 indexes would exhaust the lock table.
-- Scale: pg_constraint has no index on conindid, so constraints are joined once, not looked up per
-- index; the progress view is read once; pg_get_indexdef() runs only for invalid indexes.
SELECT * FROM (
WITH constraint_index AS (
    SELECT conindid, min(conname)::text AS conname
    FROM pg_constraint
    WHERE contype IN ('p', 'u', 'x') AND conindid <> 0
    GROUP BY conindid
), building AS (
    SELECT DISTINCT index_relid FROM pg_stat_progress_create_index
)
SELECT
    i.oid::bigint                                         AS index_oid,
    n.nspname::text                                       AS schema,
    t.relname::text                                       AS table_name,
    i.relname::text                                       AS index_name,
    am.amname::text                                       AS method,
    x.indisunique                                         AS is_unique,
    x.indisprimary                                        AS is_primary,
    x.indisexclusion                                      AS is_exclusion,
    x.indisreplident                                      AS is_replica_identity,
    x.indisvalid                                          AS is_valid,
    x.indisready                                          AS is_ready,
    ci.conname                                            AS constraint_name,
    (SELECT c.conname::text FROM pg_constraint AS c
      WHERE c.contype = 'f' AND c.conrelid = x.indrelid AND c.conparentid = 0
        AND {serves_fk}
      ORDER BY c.conname
      LIMIT 1)                                            AS supports_fk,
    x.indnkeyatts::int                                    AS key_count,
    string_to_array(x.indkey::text, ' ')::int[]           AS columns,
    string_to_array(x.indclass::text, ' ')::oid[]::int8[] AS opclasses,
    string_to_array(x.indcollation::text, ' ')::oid[]::int8[] AS collations,
    string_to_array(x.indoption::text, ' ')::int[]        AS options,
    coalesce(pg_get_expr(x.indexprs, x.indrelid), '')     AS expressions,
    coalesce(pg_get_expr(x.indpred, x.indrelid), '')      AS predicate,
    -- A partitioned index has no storage and no scans of its own: both are its partitions' indexes'.
    CASE WHEN i.relkind = 'I'
         THEN (SELECT coalesce(sum(c.relpages), 0) FROM (SELECT i.oid) AS leaves_root,
                 LATERAL {partition_leaves} AS p JOIN pg_class AS c ON c.oid = p.relid)
         ELSE i.relpages END::int8 * current_setting('block_size')::int8 AS index_bytes,
    CASE WHEN t.relkind = 'p'
         THEN (SELECT coalesce(sum(c.relpages), 0) FROM (SELECT t.oid) AS leaves_root,
                 LATERAL {partition_leaves} AS p JOIN pg_class AS c ON c.oid = p.relid)
         ELSE t.relpages END::int8 * current_setting('block_size')::int8 AS table_bytes,
    CASE WHEN i.relkind = 'I'
         THEN (SELECT coalesce(sum(pg_stat_get_numscans(p.relid)), 0)
               FROM (SELECT i.oid) AS leaves_root, LATERAL {partition_leaves} AS p)
         ELSE pg_stat_get_numscans(i.oid) END::int8        AS idx_scan,
    CASE WHEN i.relkind = 'I'
         THEN (SELECT coalesce(sum(pg_stat_get_tuples_returned(p.relid)), 0)
               FROM (SELECT i.oid) AS leaves_root, LATERAL {partition_leaves} AS p)
         ELSE pg_stat_get_tuples_returned(i.oid) END::int8 AS idx_tup_read,
    i.relkind = 'I'                                       AS partitioned,
    -- A partition's index attached to its parent's: judged (and dropped) only through the parent.
    EXISTS (SELECT 1 FROM pg_inherits AS h WHERE h.inhrelid = i.oid) AS attached,
    {last_idx_scan}                                       AS last_idx_scan,
    b.index_relid IS NOT NULL                             AS build_in_progress,
    CASE WHEN NOT x.indisvalid THEN pg_get_indexdef(i.oid) ELSE '' END AS definition,
    -- An invalid partitioned index is not a failed build: some partitions have no index attached
    -- to it (it was built ON ONLY, or a partition was attached without one). Those partitions.
    CASE WHEN NOT x.indisvalid AND i.relkind = 'I' THEN (
        SELECT json_agg(json_build_object('schema', pn.nspname, 'name', pc.relname,
                                          'partitioned', pc.relkind = 'p',
                                          -- A partitioned one's own tree, indexed the same way.
                                          'partitions', CASE WHEN pc.relkind = 'p' THEN {partition_tree} END)
                        ORDER BY pn.nspname, pc.relname)
        FROM pg_inherits AS ti
        JOIN pg_class AS pc ON pc.oid = ti.inhrelid
        JOIN pg_namespace AS pn ON pn.oid = pc.relnamespace
        CROSS JOIN LATERAL (SELECT pc.oid) AS tree_root
        WHERE ti.inhparent = x.indrelid
          AND NOT EXISTS (
              SELECT 1 FROM pg_inherits AS ii
              JOIN pg_index AS ci ON ci.indexrelid = ii.inhrelid
              WHERE ii.inhparent = i.oid AND ci.indrelid = ti.inhrelid AND ci.indisvalid))
    END AS unattached_partitions
FROM pg_index AS x
JOIN pg_class AS i ON i.oid = x.indexrelid
JOIN pg_class AS t ON t.oid = x.indrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace
JOIN pg_am AS am ON am.oid = i.relam
LEFT JOIN constraint_index AS ci ON ci.conindid = i.oid
LEFT JOIN building AS b ON b.index_relid = i.oid
WHERE n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgtune')
  AND t.relkind IN ('r', 'm', 'p')
  AND (cardinality($1::text[]) = 0 OR n.nspname ~ ANY ($1::text[]))
  AND NOT (n.nspname ~ ANY ($2::text[]))
  AND (cardinality($3::text[]) = 0 OR t.relname ~ ANY ($3::text[]))
  AND (NOT $4::bool OR NOT x.indisvalid)
  -- The indexes sharing a table and first key, found by one grouping of pg_index rather than a
  -- lookup per index: each member of a group with a valid index besides itself.
  AND (NOT $5::bool OR x.indexrelid IN (
          SELECT m.indexrelid
          FROM (SELECT array_agg(indexrelid) AS members, array_agg(indisvalid) AS valid
                FROM pg_index GROUP BY indrelid, indkey[0] HAVING count(*) > 1) AS g
          CROSS JOIN LATERAL unnest(g.members, g.valid) AS m(indexrelid, valid)
          WHERE (SELECT count(*) FILTER (WHERE v) FROM unnest(g.valid) AS v) > m.valid::int))
  -- A fence: the filter on $6 below is applied to the rows this makes; pushed down, its
  -- misestimate (a scan count of 0 is rare to the planner) made a nested loop over schemas.
OFFSET 0
) AS index_row
WHERE NOT $6::bool
   OR (is_valid AND NOT is_primary AND NOT is_exclusion AND NOT is_replica_identity
       AND NOT attached AND idx_scan = 0)
ORDER BY schema COLLATE "C", table_name COLLATE "C", index_name COLLATE "C";
