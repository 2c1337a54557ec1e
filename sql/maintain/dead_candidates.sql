-- pgtune vacuum --dead: tables whose dead tuples exceed their autovacuum vacuum threshold
-- (autovacuum_vacuum_threshold + scale_factor x reltuples, capped by autovacuum_vacuum_max_threshold
-- where the server has it (18+), per-table reloptions honoured). Filters as in report/indexes.sql.
WITH t AS (
    SELECT n.nspname::text AS schema, c.relname::text AS name, s.n_dead_tup AS dead,
           c.relpages::int8 * current_setting('block_size')::int8 AS bytes,
           least(
               coalesce((SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                          WHERE option_name = 'autovacuum_vacuum_threshold'),
                        current_setting('autovacuum_vacuum_threshold')::float8)
             + coalesce((SELECT option_value::float8 FROM pg_options_to_table(c.reloptions)
                          WHERE option_name = 'autovacuum_vacuum_scale_factor'),
                        current_setting('autovacuum_vacuum_scale_factor')::float8)
               * greatest(c.reltuples, 0),
               coalesce(nullif(current_setting('autovacuum_vacuum_max_threshold', true), '-1')::float8,
                        'infinity'::float8)) AS threshold
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    JOIN pg_stat_all_tables AS s ON s.relid = c.oid
    WHERE c.relkind IN ('r', 'm')
      AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND (cardinality($1::text[]) = 0 OR n.nspname ~ ANY ($1::text[]))
      AND NOT (n.nspname ~ ANY ($2::text[]))
      AND (cardinality($3::text[]) = 0 OR c.relname ~ ANY ($3::text[]))
)
SELECT schema, name, dead, threshold, bytes
FROM t
WHERE dead > threshold
ORDER BY bytes DESC, schema, name;
