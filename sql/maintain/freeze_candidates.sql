-- pgtune vacuum --freeze: tables and materialized views by how old their oldest unfrozen transaction
-- ID or multixact is (the table's own or its TOAST table's), oldest first, at least $4 transactions
-- old. Filters as in report/indexes.sql ($1 schemas, $2 excluded schemas, $3 tables).
SELECT n.nspname::text AS schema,
       c.relname::text AS name,
       greatest(age(c.relfrozenxid), coalesce(age(t.relfrozenxid), 0))::int8 AS xid_age,
       greatest(mxid_age(c.relminmxid), coalesce(mxid_age(t.relminmxid), 0))::int8 AS mxid_age,
       (c.relpages::int8 + coalesce(t.relpages, 0)) * current_setting('block_size')::int8 AS bytes
FROM pg_class AS c
JOIN pg_namespace AS n ON n.oid = c.relnamespace
LEFT JOIN pg_class AS t ON t.oid = c.reltoastrelid
WHERE c.relkind IN ('r', 'm')
  AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
  AND (cardinality($1::text[]) = 0 OR n.nspname ~ ANY ($1::text[]))
  AND NOT (n.nspname ~ ANY ($2::text[]))
  AND (cardinality($3::text[]) = 0 OR c.relname ~ ANY ($3::text[]))
  AND greatest(age(c.relfrozenxid), coalesce(age(t.relfrozenxid), 0),
               mxid_age(c.relminmxid), coalesce(mxid_age(t.relminmxid), 0)) >= $4::int8
ORDER BY greatest(age(c.relfrozenxid), coalesce(age(t.relfrozenxid), 0)) DESC, n.nspname, c.relname;
