-- pgtune check: who we are and what this server is, to choose version-specific queries and to know
-- which checks this role may run.
SELECT
    current_setting('server_version_num')::int                                  AS version_num,
    (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)                AS is_superuser,
    pg_has_role(current_user, 'pg_monitor', 'USAGE')                            AS has_pg_monitor,
    pg_has_role(current_user, 'pg_read_server_files', 'USAGE')                  AS can_read_files,
    (SELECT n.nspname::text
       FROM pg_extension AS e JOIN pg_namespace AS n ON n.oid = e.extnamespace
      WHERE e.extname = 'pg_stat_statements')                                   AS pg_stat_statements_schema,
    -- Through pg_settings: current_setting() raises an error for roles that may not read it.
    coalesce((SELECT setting ~ '(^|[ ,])"?pg_stat_statements"?($|[ ,])'
                FROM pg_settings WHERE name = 'shared_preload_libraries'), false) AS pg_stat_statements_loaded,
    current_setting('block_size')::int                                          AS block_size;
