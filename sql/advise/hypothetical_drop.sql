-- pgtune advise: forgets one hypothetical index.
SELECT {hypopg_drop_index}($1::bigint::oid) AS dropped
