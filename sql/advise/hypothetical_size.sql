-- pgtune advise: HypoPG's estimate of a hypothetical index's size, in bytes.
SELECT {hypopg_relation_size}($1::bigint::oid)::bigint AS bytes
