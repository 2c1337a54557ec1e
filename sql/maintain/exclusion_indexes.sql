-- pgtune reindex: which of the named indexes ($1: schema-qualified, quoted names) back an exclusion
-- constraint, which PostgreSQL cannot rebuild CONCURRENTLY. Only for the indexes picked.
SELECT name
FROM unnest($1::text[]) AS name
JOIN pg_index AS x ON x.indexrelid = to_regclass(name)
WHERE x.indisexclusion;
