-- Settings changed in the configuration that wait for a restart.
SELECT name::text AS name FROM pg_settings WHERE pending_restart ORDER BY name;
