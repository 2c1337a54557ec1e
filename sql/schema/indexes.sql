-- pgtune schema: every index on the declared tables ($1), and any index in a declared index's schema
-- with its name ($2 schemas, $3 names), wherever it lives; with what makes an index not "extra".
-- The definitions of indexes on tables locked elsewhere ($4) are not read: pg_get_indexdef would wait.
WITH wanted AS (
    SELECT i.indexrelid
    FROM pg_index AS i
    WHERE i.indrelid = ANY ($1::oid[])
    UNION
    SELECT c.oid
    FROM unnest($2::text[], $3::text[]) AS w(schema, name)
    JOIN pg_namespace AS n ON n.nspname = w.schema
    JOIN pg_class AS c ON c.relnamespace = n.oid AND c.relname = w.name AND c.relkind IN ('i', 'I')
)
SELECT c.oid,
       n.nspname::text AS schema,
       c.relname::text AS name,
       i.indrelid AS table_oid,
       quote_ident(tn.nspname) || '.' || quote_ident(t.relname) AS table_name,
       t.relname::text AS table_relname,
       i.indisvalid AS valid,
       i.indisready AS ready,
       CASE WHEN i.indrelid = ANY ($4::oid[]) THEN '' ELSE pg_get_indexdef(c.oid) END AS definition,
       (SELECT con.conname::text FROM pg_constraint AS con
         WHERE con.conrelid = i.indrelid AND con.conindid = c.oid LIMIT 1) AS constraint_name,
       EXISTS (SELECT 1 FROM pg_depend AS d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                  AND d.refclassid = 'pg_extension'::regclass AND d.deptype = 'e') AS owned_by_extension,
       EXISTS (SELECT 1 FROM pg_inherits AS h WHERE h.inhrelid = c.oid) AS partition_child,
       c.relkind = 'I' AS partitioned
FROM wanted AS w
JOIN pg_class AS c ON c.oid = w.indexrelid
JOIN pg_index AS i ON i.indexrelid = c.oid
JOIN pg_namespace AS n ON n.oid = c.relnamespace
JOIN pg_class AS t ON t.oid = i.indrelid
JOIN pg_namespace AS tn ON tn.oid = t.relnamespace
ORDER BY n.nspname, c.relname;
