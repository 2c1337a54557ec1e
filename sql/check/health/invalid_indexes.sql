-- Invalid indexes of this database (a failed CREATE INDEX CONCURRENTLY or REINDEX CONCURRENTLY),
-- leaving out indexes whose build is still in progress; unique ones first (they enforce nothing).
SELECT n.nspname::text AS schemaname,
       t.relname::text AS tablename,
       i.relname::text AS indexname,
       pg_relation_size(i.oid) AS bytes,
       x.indisunique AS is_unique,
       i.relkind = 'I' AS partitioned,
       count(*) OVER () AS total
FROM pg_index AS x
JOIN pg_class AS i ON i.oid = x.indexrelid
JOIN pg_class AS t ON t.oid = x.indrelid
JOIN pg_namespace AS n ON n.oid = i.relnamespace
WHERE NOT x.indisvalid
  AND NOT EXISTS (SELECT FROM pg_stat_progress_create_index AS p WHERE p.index_relid = x.indexrelid)
ORDER BY x.indisunique DESC, n.nspname, i.relname
LIMIT 200;
