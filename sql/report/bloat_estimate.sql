-- pgtune report bloat: estimated wasted space of tables and B-tree indexes, without reading them.
-- Expected size: live rows (reltuples) packed at the relation's fillfactor into pages, each row a
-- MAXALIGNed header (23 bytes, plus a null bitmap when columns have nulls) and data (pg_stats average
-- widths weighted by non-null fraction), plus a 4-byte line pointer; B-tree entries are an 8-byte
-- header and the key (or, deduplicated, one posting-list tuple per distinct key and run of heap TIDs),
-- 16 bytes of special space per page and a metapage. What the estimate cannot judge
-- comes back with a reason instead of a number. Same filter parameters as indexes.sql.
-- Scale: every per-relation figure is one GROUP BY over all columns, joined by hash, never a subquery
-- per relation. The column_stats placeholder is where column statistics come from, by privilege
-- (column_stats_pg_statistic.sql for superusers, column_stats_pg_stats.sql otherwise).
WITH rel AS (
    SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name,
           c.reltuples, c.relpages::int8 AS relpages, c.reloptions
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm')
      AND n.nspname !~ '^pg_' AND n.nspname NOT IN ('information_schema', 'pgtune')
      AND (cardinality($1::text[]) = 0 OR n.nspname ~ ANY ($1::text[]))
      AND NOT (n.nspname ~ ANY ($2::text[]))
      AND (cardinality($3::text[]) = 0 OR c.relname ~ ANY ($3::text[]))
), col AS MATERIALIZED (
    SELECT r.oid AS relid, a.attnum, a.atttypid = 'name'::regtype AS is_name,
           s.avg_width, coalesce(s.null_frac, 0) AS null_frac, s.avg_width IS NOT NULL AS has_stats,
           -- Distinct values: n_distinct < 0 is a fraction of the rows.
           CASE WHEN s.n_distinct < 0 THEN -s.n_distinct * greatest(r.reltuples, 0) ELSE s.n_distinct END AS distinct_values
    FROM rel AS r
    JOIN pg_attribute AS a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
    {column_stats}
), tbl_cols AS (
    SELECT relid,
           count(*) AS natts,
           count(*) FILTER (WHERE NOT has_stats) AS without_stats,
           bool_or(is_name) AS has_name,
           bool_or(null_frac > 0) AS has_nulls,
           sum((1 - null_frac) * avg_width) AS data_width
    FROM col GROUP BY relid
), dedup_opclass AS (
    -- Operator classes whose equality is image equality (btequalimage, support function 4): the
    -- ones B-tree deduplication works with. A few hundred rows, hashed once.
    SELECT o.oid
    FROM pg_opclass AS o
    WHERE EXISTS (SELECT FROM pg_amproc AS ap
                  WHERE ap.amprocfamily = o.opcfamily AND ap.amprocnum = 4
                    AND ap.amproclefttype = o.opcintype)
), idx_keys AS (
    -- Each index column with its operator class (INCLUDE columns have none).
    SELECT x.indexrelid, x.indrelid, k.attnum, k.opclass, k.ord, x.indnkeyatts
    FROM rel AS r
    JOIN pg_index AS x ON x.indrelid = r.oid AND x.indisvalid,
         unnest(string_to_array(x.indkey::text, ' ')::int[],
                string_to_array(x.indclass::text, ' ')::oid[]) WITH ORDINALITY AS k(attnum, opclass, ord)
), idx_cols AS (
    SELECT k.indexrelid,
           count(*) FILTER (WHERE k.attnum > 0 AND NOT coalesce(c.has_stats, false)) AS without_stats,
           bool_or(c.is_name) AS has_name,
           sum((1 - c.null_frac) * c.avg_width) AS key_width,
           -- Distinct keys, at most: the product of the key columns' distinct values.
           exp(sum(ln(greatest(c.distinct_values, 1))) FILTER (WHERE k.ord <= k.indnkeyatts)) AS key_distinct,
           bool_and(d.oid IS NOT NULL) FILTER (WHERE k.ord <= k.indnkeyatts) AS dedup_opclasses
    FROM idx_keys AS k
    LEFT JOIN col AS c ON c.relid = k.indrelid AND c.attnum = k.attnum
    LEFT JOIN dedup_opclass AS d ON d.oid = k.opclass
    GROUP BY k.indexrelid
), est AS (
    SELECT 'table'::text AS kind, r.oid::int8 AS oid, r.schema, r.name AS table_name, NULL::text AS index_name,
           r.relpages, r.reltuples, r.reltuples AS entries,
           -- A table never vacuumed or analyzed has relpages 0 whatever its size: not "small".
           CASE WHEN {never_measured}
                    THEN 'no statistics yet (never vacuumed or analyzed): run ANALYZE'
                WHEN r.relpages < 10 THEN 'too small to judge (under 10 pages)'
                WHEN r.reltuples < 0 THEN 'never analyzed: no statistics'
                WHEN t.without_stats > 0 THEN format('no statistics for %s column(s): run ANALYZE', t.without_stats)
                WHEN t.has_name THEN 'has columns of type name, whose statistics do not reflect their 64-byte storage'
           END AS not_estimated,
           -- MAXALIGN(header + null bitmap) + MAXALIGN(data) + line pointer
           ceil((23 + CASE WHEN t.has_nulls THEN ceil(t.natts / 8.0) ELSE 0 END) / 8.0) * 8
             + ceil(coalesce(t.data_width, 0) / 8.0) * 8 + 4 AS entry_bytes,
           (current_setting('block_size')::int8 - 24)
             * coalesce((SELECT option_value::int FROM pg_options_to_table(r.reloptions) WHERE option_name = 'fillfactor'), 100)
             / 100.0 AS usable_bytes,
           0 AS extra_pages
    FROM rel AS r
    CROSS JOIN LATERAL (SELECT r.oid, r.relpages, r.reltuples) AS measured
    LEFT JOIN tbl_cols AS t ON t.relid = r.oid
    UNION ALL
    SELECT 'index', i.oid::int8, r.schema, r.name, i.relname::text,
           i.relpages::int8, i.reltuples, CASE WHEN p.dedup THEN p.keys * p.per_key ELSE i.reltuples END,
           CASE WHEN am.amname <> 'btree' THEN format('a %s index: only B-tree indexes are estimated', am.amname)
                WHEN i.relpages < 10 THEN 'too small to judge (under 10 pages)'
                WHEN i.reltuples < 0 THEN 'never analyzed: no statistics'
                WHEN x.indexprs IS NOT NULL THEN 'an expression index: no width statistics for its key'
                WHEN x.indpred IS NOT NULL THEN 'a partial index: estimates of partial indexes are unreliable'
                WHEN ic.without_stats > 0 THEN 'no statistics for its columns: run ANALYZE'
                WHEN ic.has_name THEN 'has a key of type name'
           END,
           CASE WHEN p.dedup THEN h.head + ceil(6 * p.rows_per_key / p.per_key / 8.0) * 8 + 4
                ELSE h.head + 4 END,
           (current_setting('block_size')::int8 - 24 - 16)
             * coalesce((SELECT option_value::int FROM pg_options_to_table(i.reloptions) WHERE option_name = 'fillfactor'), 90)
             / 100.0,
           1
    FROM rel AS r
    JOIN pg_index AS x ON x.indrelid = r.oid AND x.indisvalid
    JOIN pg_class AS i ON i.oid = x.indexrelid
    JOIN pg_am AS am ON am.oid = i.relam
    LEFT JOIN idx_cols AS ic ON ic.indexrelid = x.indexrelid
    -- A B-tree entry: MAXALIGNed header and key, and a line pointer.
    CROSS JOIN LATERAL (SELECT ceil((8 + coalesce(ic.key_width, 0)) / 8.0) * 8 AS head) AS h
    -- Deduplication (PostgreSQL 13+): each distinct key once per posting-list tuple, holding up to
    -- what fits in a tenth of a page (a build's limit) of 6-byte heap TIDs. It applies to B-trees
    -- that are not unique, have no INCLUDE columns, keep deduplicate_items on, and whose key
    -- operator classes all declare equality as image equality (numeric and jsonb do not).
    CROSS JOIN LATERAL (
        SELECT d.keys, d.rows_per_key, d.dedup,
               ceil(d.rows_per_key / floor((floor(current_setting('block_size')::int8 * 0.10 / 8) * 8 - 4 - h.head) / 6)) AS per_key
        FROM (SELECT greatest(coalesce(ic.key_distinct, 1), 1) AS keys,
                     greatest(i.reltuples, 0) / greatest(coalesce(ic.key_distinct, 1), 1) AS rows_per_key,
                     am.amname = 'btree'
                     AND current_setting('server_version_num')::int >= 130000
                     AND NOT x.indisunique AND x.indnkeyatts = x.indnatts
                     AND ic.key_distinct IS NOT NULL
                     AND greatest(i.reltuples, 0) >= 2 * ic.key_distinct
                     AND (i.reloptions IS NULL OR coalesce(
                            (SELECT lower(option_value) FROM pg_options_to_table(i.reloptions)
                              WHERE option_name = 'deduplicate_items'), 'on') NOT IN ('off', 'false', 'no', '0'))
                     AND coalesce(ic.dedup_opclasses, false) AS dedup) AS d
    ) AS p
)
-- Relations too small to judge come back as one count (kind 'too-small', the count in
-- actual_bytes), not a row each: on a catalog of many small tenants they are most of it.
SELECT kind, oid, schema, table_name, index_name,
       relpages * current_setting('block_size')::int8 AS actual_bytes,
       not_estimated,
       CASE WHEN not_estimated IS NULL THEN
           ((ceil(greatest(entries, 0) / greatest(floor(usable_bytes / entry_bytes), 1)) + extra_pages)
             * current_setting('block_size')::int8)::int8
       END AS expected_bytes
FROM est
WHERE not_estimated IS DISTINCT FROM 'too small to judge (under 10 pages)'
UNION ALL
SELECT 'too-small', NULL, NULL, NULL, NULL, count(*), NULL, NULL
FROM est
WHERE not_estimated = 'too small to judge (under 10 pages)'
ORDER BY schema, table_name, kind DESC, index_name;
