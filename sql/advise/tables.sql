-- pgtune advise: the tables the workload's plans scan ($1 schemas and $2 names, pairwise): size,
-- kind, and the writes since the statistics' reset that a new index would slow down (HOT updates
-- touch no index).
SELECT n.nspname::text AS schema, c.relname::text AS name, c.relkind::text AS kind,
       c.relispartition AS is_partition,
       greatest(c.reltuples, 0)::float8 AS tuples, c.relpages::float8 AS pages,
       coalesce(s.n_tup_ins + s.n_tup_upd - s.n_tup_hot_upd, 0)::float8 AS index_writes
FROM unnest($1::text[], $2::text[]) AS t(schema, name)
JOIN pg_catalog.pg_namespace n ON n.nspname = t.schema
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid AND c.relname = t.name
LEFT JOIN pg_catalog.pg_stat_all_tables s ON s.relid = c.oid
