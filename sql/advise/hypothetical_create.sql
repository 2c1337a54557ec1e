-- pgtune advise: a hypothetical index ($1, a CREATE INDEX statement), visible only to this session;
-- {hypopg_create_index} is HypoPG's function, schema-qualified.
SELECT indexrelid::bigint AS oid, indexname::text AS name FROM {hypopg_create_index}($1)
