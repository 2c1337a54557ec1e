-- pgtune reindex: what a failed REINDEX INDEX CONCURRENTLY of $1 (a schema-qualified, quoted index
-- name; $2 its bare name) left behind: an invalid copy on the same table named after it with _ccnew.
-- None while any index build on that table is in progress: it could be another session's.
SELECT n.nspname AS schema, c.relname AS name
FROM pg_index AS x
JOIN pg_class AS c ON c.oid = x.indexrelid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
WHERE x.indrelid = (SELECT indrelid FROM pg_index WHERE indexrelid = to_regclass($1))
  AND NOT x.indisvalid
  AND c.relname ~ '_ccnew[0-9]*$'
  AND starts_with(c.relname, left($2, 40))
  AND NOT EXISTS (
      SELECT 1 FROM pg_stat_progress_create_index AS p WHERE p.relid = x.indrelid
  );
