-- pgtune schema apply: the indexes attached below the partitioned index $1, at every level: the
-- partition each is on and whether it is valid (an invalid partitioned index is completed, not rebuilt).
WITH RECURSIVE tree AS (
    SELECT inh.inhrelid AS index_oid FROM pg_inherits AS inh WHERE inh.inhparent = $1::oid
    UNION ALL
    SELECT inh.inhrelid FROM pg_inherits AS inh JOIN tree ON inh.inhparent = tree.index_oid
)
SELECT n.nspname::text AS schema, t.relname::text AS table_name, ic.relname::text AS index_name,
       ic.relkind = 'I' AS partitioned, x.indisvalid AS valid
FROM tree
JOIN pg_index AS x ON x.indexrelid = tree.index_oid
JOIN pg_class AS ic ON ic.oid = tree.index_oid
JOIN pg_class AS t ON t.oid = x.indrelid
JOIN pg_namespace AS n ON n.oid = t.relnamespace;
