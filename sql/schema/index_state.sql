-- pgtune schema apply: whether the index $1.$2 exists, and whether it is valid and ready.
SELECT i.indisvalid AS valid, i.indisready AS ready, pg_relation_size(c.oid) AS bytes
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_index AS i ON i.indexrelid = c.oid
WHERE n.nspname = $1 AND c.relname = $2;
