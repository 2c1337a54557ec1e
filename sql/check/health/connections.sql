-- Connections in use against what ordinary roles may open.
SELECT (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend')  AS used,
       current_setting('max_connections')::int                                    AS max_connections,
       current_setting('superuser_reserved_connections')::int                     AS superuser_reserved,
       coalesce(current_setting('reserved_connections', true), '0')::int          AS reserved;
