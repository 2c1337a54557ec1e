-- Fragment of report/indexes.sql and report/fk_without_index.sql: whether index x (pg_index) serves
-- foreign key c (pg_constraint), the one rule every report uses: the key's columns, in any order,
-- are the index's leading key columns, and the index is valid, not partial and not on expressions
-- there.
(x.indisvalid
 AND x.indpred IS NULL
 AND x.indrelid = c.conrelid
 -- indkey as an array keeps its lower bound 0: the slice is the first cardinality(conkey) columns.
 -- The key's columns are distinct and nonzero, so containment in a slice of as many means the
 -- same set, and no expression (0) among them.
 AND (x.indkey::int2[])[0:cardinality(c.conkey) - 1] @> c.conkey)
