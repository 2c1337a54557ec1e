-- pgtune check: the settings we audit ($1: their names), as a new session of this role in this
-- database gets them. pgtune's own sessions set a few settings in their startup packet (source
-- 'client': jit, standard_conforming_strings, timeouts); for those the value is what the layers below
-- give: ALTER ROLE / ALTER DATABASE settings (most specific first), then the configuration files
-- (when this role may read them), then the built-in default. Never a value pgtune itself set.
-- sourcefile and sourceline are NULL for roles that may not read all settings.
WITH role_db AS (
    SELECT DISTINCT ON (lower(split_part(cfg, '=', 1)))
        lower(split_part(cfg, '=', 1))       AS name,
        substr(cfg, strpos(cfg, '=') + 1)    AS value,
        CASE WHEN d.setdatabase <> 0 AND d.setrole <> 0 THEN 'database user'
             WHEN d.setrole <> 0 THEN 'user'
             ELSE 'database' END             AS source
    FROM pg_catalog.pg_db_role_setting d, unnest(d.setconfig) cfg
    WHERE d.setdatabase IN (0, (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))
      AND d.setrole IN (0, (SELECT oid FROM pg_catalog.pg_roles WHERE rolname = current_user))
      AND NOT (d.setdatabase = 0 AND d.setrole = 0)
    ORDER BY lower(split_part(cfg, '=', 1)),
             (d.setdatabase <> 0 AND d.setrole <> 0) DESC,
             (d.setrole <> 0) DESC
),
file AS ({file_settings})
SELECT
    s.name::text AS name,
    CASE WHEN s.source <> 'client' THEN s.setting
         ELSE COALESCE(r.value, f.value, s.boot_val) END AS setting,
    s.unit       AS unit,
    s.vartype    AS vartype,
    s.context    AS context,
    CASE WHEN s.source <> 'client' THEN s.source
         WHEN r.value IS NOT NULL THEN r.source
         WHEN f.value IS NOT NULL THEN 'configuration file'
         ELSE 'default' END AS source,
    CASE WHEN s.source <> 'client' THEN s.sourcefile
         WHEN r.value IS NULL THEN f.sourcefile END AS sourcefile,
    CASE WHEN s.source <> 'client' THEN s.sourceline
         WHEN r.value IS NULL THEN f.sourceline END AS sourceline,
    s.pending_restart AS pending_restart,
    s.enumvals   AS enumvals,
    s.min_val    AS min_val,
    s.max_val    AS max_val
FROM pg_catalog.pg_settings s
LEFT JOIN role_db r ON r.name = s.name
LEFT JOIN file f ON f.name = s.name
WHERE s.name = ANY ($1::text[]);
