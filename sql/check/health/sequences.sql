-- Sequences of this database by how much of their range is used, limited by the sequence's own
-- maximum and by the type of the column it feeds (a bigint sequence behind an integer column stops
-- at 2^31-1), whether it owns that column or only feeds it through a DEFAULT. A CYCLE sequence wraps
-- instead of running out. Sequences this role may not read are counted by unreadable_sequences.sql.
WITH s AS (
    SELECT n.nspname::text AS schemaname,
           c.relname::text AS sequencename,
           CASE WHEN c.relkind = 'S' THEN has_sequence_privilege(c.oid, 'SELECT') END AS readable,
           seq.seqmax::numeric AS seq_max,
           seq.seqincrement AS increment,
           -- The narrowest column it feeds: one that owns it (serial, identity), or one whose
           -- DEFAULT calls nextval() on it without OWNED BY (the default depends on the sequence).
           narrowest.column_max, narrowest.column_schema, narrowest.column_table, narrowest.column_name,
           format_type(seq.seqtypid, NULL) AS sequence_type,
           seq.seqcycle AS cycles,
           c.oid AS oid
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    JOIN pg_sequence AS seq ON seq.seqrelid = c.oid
    LEFT JOIN LATERAL (
        SELECT CASE a.atttypid WHEN 'int2'::regtype THEN 32767::numeric
                               WHEN 'int4'::regtype THEN 2147483647::numeric
                               ELSE 9223372036854775807::numeric END AS column_max,
               fn.nspname::text AS column_schema, fc.relname::text AS column_table, a.attname::text AS column_name
          FROM (SELECT d.refobjid AS relid, d.refobjsubid AS attnum
                  FROM pg_depend AS d
                 WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                   AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i')
                UNION
                SELECT ad.adrelid, ad.adnum
                  FROM pg_depend AS d
                  JOIN pg_attrdef AS ad ON ad.oid = d.objid
                 WHERE d.classid = 'pg_attrdef'::regclass AND d.refclassid = 'pg_class'::regclass
                   AND d.refobjid = c.oid) AS fed
          JOIN pg_attribute AS a ON a.attrelid = fed.relid AND a.attnum = fed.attnum
          JOIN pg_class AS fc ON fc.oid = fed.relid
          JOIN pg_namespace AS fn ON fn.oid = fc.relnamespace
         ORDER BY 1, 2, 3, 4
         LIMIT 1
    ) AS narrowest ON true
    WHERE c.relkind = 'S'
), v AS (
    SELECT s.*, least(s.seq_max, coalesce(s.column_max, s.seq_max)) AS limit_value,
           CASE WHEN s.readable THEN (SELECT ps.last_value FROM pg_sequences AS ps
                                       WHERE ps.schemaname = s.schemaname AND ps.sequencename = s.sequencename)
           END AS last_value
    FROM s
)
SELECT schemaname, sequencename, last_value::int8 AS last_value, limit_value::int8 AS limit_value,
       sequence_type, column_schema, column_table, column_name,
       coalesce(column_max < 9223372036854775807, false) AS column_narrow,
       (last_value::numeric / limit_value)::float8 AS used,
       count(*) OVER () AS total
FROM v
WHERE increment > 0 AND last_value IS NOT NULL AND (last_value::numeric / limit_value)::float8 >= $1::float8
  -- A CYCLE sequence starts over at its own maximum: it cannot run out, unless a column ends first.
  AND NOT (cycles AND limit_value = seq_max)
ORDER BY used DESC
LIMIT 200;
