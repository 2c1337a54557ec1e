-- Fragment of report/indexes.sql and report/fk_without_index.sql: whether index x (pg_index) serves
-- foreign key c (pg_constraint), the one rule every report uses: the key's columns, in any order,
-- are the index's leading key columns, and the index is valid, not partial and not on expressions
-- there.
(x.indisvalid
 AND x.indpred IS NULL
 AND x.indrelid = c.conrelid
 AND (SELECT bool_and(k <> 0) FROM unnest((string_to_array(x.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)]) AS k)
 AND (SELECT array_agg(k ORDER BY k)
        FROM unnest((string_to_array(x.indkey::text, ' ')::int2[])[1:cardinality(c.conkey)]) AS k)
     = (SELECT array_agg(k ORDER BY k) FROM unnest(c.conkey) AS k))
