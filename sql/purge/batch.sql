-- pgtune purge: one batch of at most $2 rows older than $1, in its own short transaction; rows another
-- session has locked are left for a later batch instead of waited for.
WITH doomed AS (
    SELECT tableoid, ctid FROM {table}
    WHERE {column} < now() - $1::text::interval
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
DELETE FROM {table} AS t
USING doomed
WHERE t.tableoid = doomed.tableoid AND t.ctid = doomed.ctid;
