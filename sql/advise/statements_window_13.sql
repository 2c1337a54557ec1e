-- pgtune advise: PostgreSQL 13 keeps no reset time for pg_stat_statements; the server's start is
-- the window's earliest possible beginning (a rate computed so is a lower bound).
SELECT date_part('epoch', now() - pg_catalog.pg_postmaster_start_time())::float8 AS seconds
