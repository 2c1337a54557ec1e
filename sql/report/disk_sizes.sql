-- pgtune report: the size on disk of the relations the statistics know nothing of yet (never
-- vacuumed nor analyzed, so relpages is 0 whatever they hold). Only for those, never over the
-- catalog: pg_relation_size takes an ACCESS SHARE lock on each, under the session's lock_timeout.
SELECT r.oid::int8 AS oid, pg_relation_size(r.oid) AS bytes
FROM unnest($1::oid[]) AS r(oid)
JOIN pg_catalog.pg_class AS c ON c.oid = r.oid
