-- pgtune advise: seconds since pg_stat_statements was last reset (PostgreSQL 14+), so calls become
-- a rate to weigh against a table's writes. {pg_stat_statements_info} is the extension's view.
SELECT date_part('epoch', now() - i.stats_reset)::float8 AS seconds FROM {pg_stat_statements_info} i
