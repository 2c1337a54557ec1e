-- pgtune info: who and what we are connected to, in one row.
-- Read-only and privilege-tolerant: settings a role may not see (data_directory, config_file) come
-- back NULL through pg_settings instead of raising an error as current_setting() would.
SELECT
    current_setting('server_version')                        AS server_version,
    current_setting('server_version_num')::int               AS server_version_num,
    version()                                                AS version_string,
    current_user::text                                       AS session_user_name,
    current_database()::text                                 AS database,
    r.rolsuper                                               AS is_superuser,
    pg_has_role(current_user, 'pg_monitor', 'USAGE')         AS has_pg_monitor,
    pg_is_in_recovery()                                      AS in_recovery,
    (SELECT setting FROM pg_settings WHERE name = 'data_directory') AS data_directory,
    (SELECT setting FROM pg_settings WHERE name = 'config_file')    AS config_file,
    pg_database_size(current_database())                     AS database_size,
    pg_postmaster_start_time()                               AS started_at,
    ssl.ssl                                                  AS ssl,
    ssl.version                                              AS ssl_version,
    ssl.cipher                                               AS ssl_cipher
FROM pg_roles AS r
LEFT JOIN pg_stat_ssl AS ssl ON ssl.pid = pg_backend_pid()
WHERE r.rolname = current_user;
