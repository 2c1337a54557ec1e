-- pgtune analyze: tables, materialized views and partitioned tables in scope, with why each needs
-- ANALYZE: changes since the last ANALYZE above its autovacuum analyze threshold (per-table reloptions
-- honoured), never analyzed although it has rows, or a partitioned parent (which autovacuum never
-- analyzes) never analyzed, or whose leaf partitions now hold a number of rows that differs from the
-- parent's count at its last ANALYZE, or carry changes not yet analyzed, by more than its threshold.
-- Only those are returned, unless $4 (--all): then every relation in scope, stale or not.
-- Filters as in report/indexes.sql ($1 schemas, $2 excluded schemas, $3 tables). Whether a relation
-- has statistics comes from pg_statistic where the role may read it, else from pg_stats (the
-- fragments maintain/statistics_*.sql).
WITH rel AS (
    SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, c.relkind, c.reltuples, c.relpages,
           c.relispartition,
           c.relpages::int8 * current_setting('block_size')::int8 AS bytes,
           -- The statistics functions, not pg_stat_all_tables: that view sums index scans over every
           -- index of the database, which costs more than the rest of this query on 40,000 indexes.
           pg_stat_get_mod_since_analyze(c.oid) AS n_mod_since_analyze,
           pg_stat_get_live_tuples(c.oid) AS n_live_tup,
           greatest(pg_stat_get_last_analyze_time(c.oid), pg_stat_get_last_autoanalyze_time(c.oid)) AS last_analyzed,
           -- Per-table reloptions, read only where a table has any (most have none).
           coalesce(CASE WHEN c.reloptions IS NOT NULL THEN
                        (SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                          WHERE option_name = 'autovacuum_analyze_threshold') END,
                    current_setting('autovacuum_analyze_threshold')::float8)
         + coalesce(CASE WHEN c.reloptions IS NOT NULL THEN
                        (SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                          WHERE option_name = 'autovacuum_analyze_scale_factor') END,
                    current_setting('autovacuum_analyze_scale_factor')::float8)
           * greatest(c.reltuples, 0) AS threshold
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'm', 'p')
), scoped AS (
    SELECT * FROM rel
    -- pgtune's own records are left out: small, and written by the very run that would analyze them
    -- (its dry run could not list them).
    WHERE schema !~ '^pg_' AND schema NOT IN ('information_schema', 'pgtune')
      AND (cardinality($1::text[]) = 0 OR schema ~ ANY ($1::text[]))
      AND NOT (schema ~ ANY ($2::text[]))
      AND (cardinality($3::text[]) = 0 OR name ~ ANY ($3::text[]))
), parts AS (
    -- Partitioned parents in scope, summed over their leaf partitions at every level.
    SELECT s.oid AS parent,
           sum(pg_stat_get_mod_since_analyze(t.relid))::int8 AS modified,
           sum(greatest(pc.reltuples, 0))::float8 AS leaf_rows,
           (sum(pc.relpages::int8) * current_setting('block_size')::int8)::int8 AS bytes
    FROM scoped AS s
    CROSS JOIN LATERAL (SELECT s.oid) AS leaves_root
    CROSS JOIN LATERAL {partition_leaves} AS t
    JOIN pg_class AS pc ON pc.oid = t.relid
    WHERE s.relkind = 'p'
    GROUP BY s.oid
)
SELECT * FROM (
SELECT schema, name, relkind::text AS relkind,
       -- A partition's partitioned ancestors, nearest first, as quoted qualified names: analyzing
       -- the partition changes what their statistics should say, so they follow it in the run.
       CASE WHEN s.relispartition THEN ARRAY(
           SELECT quote_ident(an.nspname) || '.' || quote_ident(ac.relname)
           FROM pg_partition_ancestors(s.oid) WITH ORDINALITY AS a(relid, ord)
           JOIN pg_class AS ac ON ac.oid = a.relid
           JOIN pg_namespace AS an ON an.oid = ac.relnamespace
           WHERE a.relid <> s.oid
           ORDER BY a.ord)
       ELSE '{}'::text[] END AS ancestors,
       CASE WHEN relkind = 'p' THEN coalesce(p.bytes, 0) ELSE s.bytes END AS bytes,
       CASE
           -- A partitioned table's ANALYZE shows as inherited statistics on every version; before
           -- PostgreSQL 14 the server records neither its last ANALYZE time nor its row count.
           WHEN relkind = 'p' AND s.last_analyzed IS NULL AND coalesce(p.bytes, 0) > 0
                AND NOT {inherited_statistics}
               THEN 'partitioned table never analyzed (autovacuum never analyzes partitioned tables)'
           WHEN relkind = 'p' AND s.reltuples > 0 AND abs(p.leaf_rows - s.reltuples) > s.threshold
               THEN format('its partitions hold %s rows, %s when it was last analyzed (autovacuum never analyzes partitioned tables)',
                           round(p.leaf_rows::numeric), round(greatest(s.reltuples, 0)::numeric))
           WHEN relkind = 'p' AND p.modified > s.threshold
               THEN format('%s changes in its partitions not yet analyzed, over its threshold of %s', p.modified, round(s.threshold::numeric))
           -- No ANALYZE recorded, and no statistics either: a statistics reset (pg_stat_reset())
           -- clears the times but not pg_statistic. The same rule as check/health/stale_stats.sql.
           -- Never vacuumed nor analyzed: the planner does not know its size (ANALYZE finds out, at
           -- once when it is empty).
           WHEN relkind <> 'p' AND s.last_analyzed IS NULL
                AND (coalesce(s.n_live_tup, 0) > 0 OR s.reltuples > 0 OR {never_measured})
                AND NOT {own_statistics}
               THEN CASE WHEN coalesce(s.n_live_tup, 0) > 0 OR s.reltuples > 0 THEN 'never analyzed'
                         ELSE 'never vacuumed nor analyzed: the planner does not know its size' END
           WHEN relkind <> 'p' AND s.n_mod_since_analyze > s.threshold
               THEN format('%s changes since the last ANALYZE, over its threshold of %s', s.n_mod_since_analyze, round(s.threshold::numeric))
       END AS stale_reason
FROM scoped AS s
CROSS JOIN LATERAL (SELECT s.oid, s.relpages, s.reltuples) AS measured
LEFT JOIN parts AS p ON p.parent = s.oid
WHERE relkind <> 'p' OR p.parent IS NOT NULL
) AS candidates
WHERE $4::bool OR stale_reason IS NOT NULL
ORDER BY bytes DESC, schema, name;
