-- pgtune reindex: the size of each named index ($1: schema-qualified, quoted names), before and
-- after the rebuild. Only for the few indexes being rebuilt.
SELECT name, pg_relation_size(to_regclass(name)) AS bytes
FROM unnest($1::text[]) AS name;
