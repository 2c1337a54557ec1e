-- pgtune: cancel what backend $1 (one of ours) is running, server-side.
SELECT pg_cancel_backend($1) AS cancelled;
