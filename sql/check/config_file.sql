-- pgtune check --write-conf: the server's main configuration file, to see which directories and files
-- it includes (NULL for a role that may not see it: superuser or pg_read_all_settings).
SELECT (SELECT setting FROM pg_settings WHERE name = 'config_file') AS config_file;
