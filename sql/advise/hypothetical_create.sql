-- pgtune advise: a hypothetical index ($1, a CREATE INDEX statement), visible only to this session;
-- {hypopg_create_index} is HypoPG's function, schema-qualified.
-- The name comes as its bytes (textsend): HypoPG may cut it in the middle of a character.
SELECT indexrelid::bigint AS oid, textsend(indexname::text) AS name FROM {hypopg_create_index}($1)
