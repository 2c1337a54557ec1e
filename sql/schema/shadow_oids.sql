-- pgtune schema: the oids of the shadow indexes built in this transaction ($1: their names).
SELECT s.name, to_regclass('pg_temp.' || quote_ident(s.name))::oid AS oid
FROM unnest($1::text[]) AS s(name);
