-- pgtune advise: what this database offers for index advice. HypoPG makes hypothetical indexes
-- (installed in this database, or only available on the server), pg_stat_statements holds the
-- workload, pg_trgm makes trigram candidates possible. The schemas are where each extension lives,
-- for qualified calls. The write-rate window is this database's statistics, since their reset.
SELECT current_setting('server_version_num')::int AS version_num,
       current_database()::text AS database,
       (SELECT n.nspname::text FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'hypopg') AS hypopg_schema,
       EXISTS (SELECT FROM pg_catalog.pg_available_extensions WHERE name = 'hypopg') AS hypopg_available,
       (SELECT n.nspname::text FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_stat_statements') AS pg_stat_statements_schema,
       (SELECT n.nspname::text FROM pg_catalog.pg_extension e
          JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace
         WHERE e.extname = 'pg_trgm') AS pg_trgm_schema,
       'pg_stat_statements' = ANY (string_to_array(
           replace(current_setting('shared_preload_libraries'), ' ', ''), ',')) AS pg_stat_statements_loaded,
       date_part('epoch', now() - coalesce(
           (SELECT d.stats_reset FROM pg_catalog.pg_stat_database d WHERE d.datname = current_database()),
           pg_catalog.pg_postmaster_start_time()))::float8 AS stats_seconds,
       current_setting('seq_page_cost')::float8 AS seq_page_cost,
       current_setting('random_page_cost')::float8 AS random_page_cost,
       current_setting('cpu_tuple_cost')::float8 AS cpu_tuple_cost,
       current_setting('cpu_index_tuple_cost')::float8 AS cpu_index_tuple_cost,
       current_setting('cpu_operator_cost')::float8 AS cpu_operator_cost
