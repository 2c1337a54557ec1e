-- pgtune schema: the catalog fields that define each index ($1), for comparing a declared index built
-- on a shadow table with the live one. Run with search_path = pg_catalog, so both are spelt alike.
SELECT i.indexrelid AS oid,
       am.amname::text AS method,
       i.indisunique AS is_unique,
       {nulls_not_distinct} AS nulls_not_distinct,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(1, i.indnkeyatts) AS k ORDER BY k) AS keys,
       ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
             FROM generate_series(i.indnkeyatts + 1, i.indnatts) AS k ORDER BY k) AS include,
       ARRAY(SELECT quote_ident(opn.nspname) || '.' || quote_ident(opc.opcname)
             FROM generate_series(0, i.indnkeyatts - 1) AS k
             JOIN pg_opclass AS opc ON opc.oid = i.indclass[k]
             JOIN pg_namespace AS opn ON opn.oid = opc.opcnamespace
             ORDER BY k) AS opclasses,
       ARRAY(SELECT coalesce(array_to_string(a.attoptions, ','), '')
             FROM pg_attribute AS a
             WHERE a.attrelid = i.indexrelid AND a.attnum BETWEEN 1 AND i.indnkeyatts
             ORDER BY a.attnum) AS opclass_options,
       ARRAY(SELECT coalesce((SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
                              FROM pg_collation AS co
                              JOIN pg_namespace AS cn ON cn.oid = co.collnamespace
                              WHERE co.oid = i.indcollation[k]), '')
             FROM generate_series(0, i.indnkeyatts - 1) AS k ORDER BY k) AS collations,
       ARRAY(SELECT i.indoption[k]::int FROM generate_series(0, i.indnkeyatts - 1) AS k ORDER BY k) AS key_options,
       pg_get_expr(i.indpred, i.indrelid, true) AS predicate,
       ARRAY(SELECT o FROM unnest(coalesce(c.reloptions, '{}')) AS o ORDER BY o) AS options,
       coalesce(ts.spcname::text, '') AS tablespace
FROM pg_index AS i
JOIN pg_class AS c ON c.oid = i.indexrelid
JOIN pg_am AS am ON am.oid = c.relam
LEFT JOIN pg_tablespace AS ts ON ts.oid = c.reltablespace
WHERE i.indexrelid = ANY ($1::oid[]);
