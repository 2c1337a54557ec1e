-- pgtune report: relation names already used in a schema that begin like a name pgtune is about to
-- propose ($1 schemas and $2 prefixes, pairwise), so a proposed CREATE INDEX never collides with an
-- existing table, index, sequence or view (nor does IF NOT EXISTS skip it silently).
-- A name range per prefix (names compare bytewise), so each is a range scan of pg_class's
-- (relname, relnamespace) index rather than a pass over every relation of the schema.
-- Each prefix probes the index by itself (the LATERAL with OFFSET 0 is not flattened): joined
-- whole, the planner hashed every relation of a schema against every prefix, 900 ms for 2,500
-- prefixes at 10,000 tables.
SELECT n.nspname AS schema, c.name
FROM unnest($1::text[], $2::text[]) AS p(schema, prefix)
JOIN pg_catalog.pg_namespace n ON n.nspname = p.schema
CROSS JOIN LATERAL (
    SELECT c.relname::text AS name
    FROM pg_catalog.pg_class c
    WHERE c.relnamespace = n.oid
      AND c.relname >= p.prefix::name AND c.relname < (p.prefix || chr(1114111))::name
      AND left(c.relname::text, length(p.prefix)) = p.prefix
    OFFSET 0
) AS c
