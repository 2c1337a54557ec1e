-- Fragment of report/fk_without_index.sql and schema/resolve_tables.sql: the partitions of
-- partitioned table `tree_root` (oid) at every level, parents before children, as a JSON array of
-- {schema, name, partitioned, parent_schema, parent}: an index is built ON ONLY each partitioned
-- one, concurrently on each leaf, and attached up the tree. Walked through pg_inherits, which takes
-- no lock (pg_partition_tree locks every partition, so one held elsewhere stalled a read-only plan).
(WITH RECURSIVE tree (relid, parentrelid, level) AS (
     SELECT inh.inhrelid, inh.inhparent, 1 FROM pg_inherits AS inh WHERE inh.inhparent = tree_root.oid
     UNION ALL
     SELECT inh.inhrelid, inh.inhparent, tree.level + 1
     FROM pg_inherits AS inh JOIN tree ON inh.inhparent = tree.relid
 )
 SELECT json_agg(json_build_object(
            'schema', pn.nspname, 'name', pc.relname, 'partitioned', pc.relkind = 'p',
            'parent_schema', ppn.nspname, 'parent', ppc.relname)
        ORDER BY p.level, pn.nspname, pc.relname)
 FROM tree AS p
 JOIN pg_class AS pc ON pc.oid = p.relid AND pc.relispartition
 JOIN pg_namespace AS pn ON pn.oid = pc.relnamespace
 JOIN pg_class AS ppc ON ppc.oid = p.parentrelid
 JOIN pg_namespace AS ppn ON ppn.oid = ppc.relnamespace)
