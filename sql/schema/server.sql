-- pgtune schema: what decides whether declared index definitions can be compared here (shadow builds
-- need a primary and the TEMP privilege), and who is asking.
SELECT pg_is_in_recovery() AS in_recovery,
       has_database_privilege(current_database(), 'TEMP') AS can_temp,
       current_user::text AS role,
       current_database()::text AS database,
       current_setting('server_version_num')::int AS version_num;
