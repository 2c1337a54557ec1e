-- Fragment: the leaf partitions (relid) below `leaves_root` (oid) at every level, a table's or a
-- partitioned index's, for sums over them. Walked through pg_inherits, which takes no lock:
-- pg_partition_tree takes ACCESS SHARE on every partition, so one held in ACCESS EXCLUSIVE
-- elsewhere stalled a read-only report until lock_timeout.
(WITH RECURSIVE tree (relid) AS (
     SELECT inh.inhrelid FROM pg_inherits AS inh WHERE inh.inhparent = leaves_root.oid
     UNION ALL
     SELECT inh.inhrelid FROM pg_inherits AS inh JOIN tree ON inh.inhparent = tree.relid
 )
 SELECT tree.relid FROM tree JOIN pg_class AS leaf ON leaf.oid = tree.relid
 WHERE leaf.relkind NOT IN ('p', 'I'))
