-- pgtune report bloat --exact: wasted space measured with pgstattuple ({pgstattuple_approx} and
-- {pgstatindex}, schema-qualified). Tables: free space plus dead tuples from pgstattuple_approx,
-- which skips all-visible pages using the visibility map. B-tree indexes: the share of leaf pages
-- left empty beyond their fillfactor and the empty and deleted pages, from pgstatindex. $4: only relations of at least this many bytes.
-- Same filter parameters as indexes.sql.
WITH rel AS (
    SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name,
           c.relpages::int8 * current_setting('block_size')::int8 AS bytes,
           tam.amname::text AS access_method
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    LEFT JOIN pg_am AS tam ON tam.oid = c.relam
    WHERE c.relkind IN ('r', 'm')
      AND n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgtune')
      AND (cardinality($1::text[]) = 0 OR n.nspname ~ ANY ($1::text[]))
      AND NOT (n.nspname ~ ANY ($2::text[]))
      AND (cardinality($3::text[]) = 0 OR c.relname ~ ANY ($3::text[]))
      -- relpages stays 0 until the first VACUUM or ANALYZE: such a table is measured, not skipped.
      AND (c.relpages = 0 OR c.relpages::int8 * current_setting('block_size')::int8 >= $4::int8)
), idx AS (
    SELECT i.oid, r.schema, r.name AS table_name, i.relname::text AS index_name,
           coalesce((SELECT option_value::int FROM pg_options_to_table(i.reloptions) WHERE option_name = 'fillfactor'), 90) AS fillfactor
    FROM rel AS r
    JOIN pg_index AS x ON x.indrelid = r.oid AND x.indisvalid
    JOIN pg_class AS i ON i.oid = x.indexrelid
    JOIN pg_am AS am ON am.oid = i.relam AND am.amname = 'btree'
    WHERE i.relpages::int8 * current_setting('block_size')::int8 >= $4::int8
), heap AS (
    -- pgstattuple measures heap tables only: another table access method is listed, with why,
    -- rather than ending the whole report with pgstattuple's error.
    SELECT * FROM rel WHERE access_method = 'heap'
)
SELECT 'table'::text AS kind, r.schema, r.name AS table_name, NULL::text AS index_name,
       a.table_len::int8 AS actual_bytes,
       (a.approx_free_space + a.dead_tuple_len)::int8 AS wasted_bytes,
       NULL::text AS not_measured
FROM heap AS r, LATERAL {pgstattuple_approx}(r.oid) AS a
UNION ALL
SELECT 'table', r.schema, r.name, NULL, r.bytes, NULL,
       format('table access method %s: pgstattuple measures heap tables only', r.access_method)
FROM rel AS r
WHERE r.access_method IS DISTINCT FROM 'heap'
UNION ALL
SELECT 'index', i.schema, i.table_name, i.index_name,
       s.index_size::int8,
       -- Leaf pages' space beyond the fillfactor, and pages VACUUM emptied or deleted (free for
       -- the index to reuse, but still its size on disk).
       (CASE WHEN s.leaf_pages = 0 THEN 0
             ELSE greatest(0, s.leaf_pages * current_setting('block_size')::int8
                              * (1 - s.avg_leaf_density / i.fillfactor)) END
        + (s.empty_pages + s.deleted_pages) * current_setting('block_size')::int8)::int8,
       NULL
FROM idx AS i, LATERAL {pgstatindex}(i.oid::regclass) AS s
ORDER BY 2, 3, 1 DESC, 4;
