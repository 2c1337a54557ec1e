-- pgtune advise: how many parameters the statement being planned takes, as PostgreSQL inferred them.
SELECT cardinality(parameter_types)::int AS parameters
FROM pg_catalog.pg_prepared_statements WHERE name = 'pgtune_advise'
