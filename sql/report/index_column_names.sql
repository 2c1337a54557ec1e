-- pgtune report duplicate-indexes: the column names of the indexes that take part in a finding
-- ($1: their oids), key columns then INCLUDE columns; "(expression)" for an expression.
SELECT x.indexrelid::bigint AS index_oid,
       (SELECT array_agg(coalesce(a.attname::text, '(expression)') ORDER BY k.ord)
          FROM unnest(string_to_array(x.indkey::text, ' ')::int[]) WITH ORDINALITY AS k(attnum, ord)
          LEFT JOIN pg_attribute AS a ON a.attrelid = x.indrelid AND a.attnum = k.attnum
       ) AS column_names
FROM pg_index AS x
WHERE x.indexrelid = ANY ($1::bigint[]::oid[]);
