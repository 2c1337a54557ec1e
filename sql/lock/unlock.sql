-- pgtune: release the runner lock taken with pg_try_advisory_lock($1, $2).
SELECT pg_advisory_unlock($1::int, $2::int) AS unlocked;
