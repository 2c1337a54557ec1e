-- pgtune report: relation names already used in a schema that begin like a name pgtune is about to
-- propose ($1 schemas and $2 prefixes, pairwise), so a proposed CREATE INDEX never collides with an
-- existing table, index, sequence or view (nor does IF NOT EXISTS skip it silently).
-- A name range per prefix (names compare bytewise), so each is a range scan of pg_class's
-- (relname, relnamespace) index rather than a pass over every relation of the schema.
SELECT n.nspname AS schema, c.relname::text AS name
FROM unnest($1::text[], $2::text[]) AS p(schema, prefix)
JOIN pg_catalog.pg_namespace n ON n.nspname = p.schema
JOIN pg_catalog.pg_class c ON c.relnamespace = n.oid
     AND c.relname >= p.prefix::name AND c.relname < (p.prefix || chr(1114111))::name
WHERE left(c.relname::text, length(p.prefix)) = p.prefix
