-- pgtune check --apply: whether ALTER SYSTEM can set the settings it would apply ($1): the server may
-- forbid ALTER SYSTEM outright (allow_alter_system = off, PostgreSQL 17+), and a role may set only
-- what it is allowed to ({granted}: superuser, or from PostgreSQL 15 GRANT ALTER SYSTEM ON PARAMETER).
SELECT coalesce(current_setting('allow_alter_system', true), 'on') AS allow_alter_system,
       current_user::text AS role,
       quote_ident(current_user) AS role_ident,
       ARRAY(SELECT n FROM unnest($1::text[]) AS n WHERE NOT {granted} ORDER BY n) AS not_granted;
