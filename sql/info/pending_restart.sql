-- pgtune info: settings changed in the configuration whose new value waits for a server restart.
SELECT
    name::text      AS name,
    setting         AS running_value,
    unit            AS unit
FROM pg_settings
WHERE pending_restart
ORDER BY name;
