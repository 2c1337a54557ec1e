-- Sequences of this database this role may not read. CASE fixes the evaluation order: the privilege
-- function raises an error for anything that is not a sequence.
SELECT count(*) AS unreadable
FROM pg_class AS c
WHERE CASE WHEN c.relkind = 'S' THEN NOT has_sequence_privilege(c.oid, 'SELECT') ELSE false END;
