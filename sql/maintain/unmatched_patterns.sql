-- pgtune maintenance: which --schema ($1) and --table ($2) patterns (anchored regular expressions)
-- match nothing in this database, among relations of the kinds $3 outside the system schemas; by
-- position, so the caller names the glob the user typed. A pattern that matches nothing is a typo
-- to report, not an empty run to call "nothing to do".
SELECT 'schema' AS flag, s.ord::int AS position
FROM unnest($1::text[]) WITH ORDINALITY AS s(pattern, ord)
WHERE NOT EXISTS (SELECT 1 FROM pg_namespace AS n WHERE n.nspname ~ s.pattern)
UNION ALL
SELECT 'table', t.ord::int
FROM unnest($2::text[]) WITH ORDINALITY AS t(pattern, ord)
WHERE NOT EXISTS (
    SELECT 1
    FROM pg_class AS c
    JOIN pg_namespace AS n ON n.oid = c.relnamespace
    WHERE c.relname ~ t.pattern
      AND c.relkind::text = ANY ($3::text[])
      AND n.nspname !~ '^pg_' AND n.nspname <> 'information_schema'
)
ORDER BY 1, 2;
