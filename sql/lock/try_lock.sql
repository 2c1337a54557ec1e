-- pgtune: one runner of a kind per database. Polled (never pg_advisory_lock, which would deadlock
-- with another runner's concurrent index build); $1, $2 are pgtune's key and the runner's kind.
SELECT pg_try_advisory_lock($1::int, $2::int) AS locked;
