-- pgtune refresh: materialized views in scope, whether each is populated and has a unique index usable
-- by REFRESH ... CONCURRENTLY (unique, valid, immediate, no predicate, plain columns only), and the
-- materialized views each reads, directly or through plain views (a recursive walk of the _RETURN
-- rules' dependencies in pg_depend). Filters as in report/indexes.sql.
WITH RECURSIVE mv AS (
    SELECT c.oid, n.nspname::text AS schema, c.relname::text AS name, c.relispopulated,
           c.relpages::int8 * current_setting('block_size')::int8 AS bytes
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.relkind = 'm'
      AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
      AND (cardinality($1::text[]) = 0 OR n.nspname ~ ANY ($1::text[]))
      AND NOT (n.nspname ~ ANY ($2::text[]))
      AND (cardinality($3::text[]) = 0 OR c.relname ~ ANY ($3::text[]))
), edge AS (
    -- relation obj (a view or materialized view) reads relation dep
    SELECT DISTINCT r.ev_class AS obj, d.refobjid AS dep
    FROM pg_rewrite AS r
    JOIN pg_depend AS d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
                       AND d.refclassid = 'pg_class'::regclass AND d.deptype = 'n'
    WHERE d.refobjid <> r.ev_class
), walk (root, dep, depth) AS (
    SELECT e.obj, e.dep, 1 FROM edge AS e JOIN mv ON mv.oid = e.obj
    UNION
    SELECT w.root, e.dep, w.depth + 1
    FROM walk AS w
    JOIN pg_class AS via ON via.oid = w.dep AND via.relkind = 'v'
    JOIN edge AS e ON e.obj = w.dep
    WHERE w.depth < 64
)
SELECT mv.oid::int8 AS oid, mv.schema, mv.name, mv.relispopulated AS populated, mv.bytes,
       EXISTS (SELECT FROM pg_index AS x
               WHERE x.indrelid = mv.oid AND x.indisunique AND x.indisvalid AND x.indimmediate
                 AND x.indpred IS NULL AND x.indexprs IS NULL) AS has_unique_index,
       coalesce((SELECT array_agg(DISTINCT w.dep::int8)
                   FROM walk AS w JOIN pg_class AS d ON d.oid = w.dep AND d.relkind = 'm'
                  WHERE w.root = mv.oid), '{}') AS reads
FROM mv
ORDER BY mv.schema, mv.name;
