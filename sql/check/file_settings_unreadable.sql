-- This role may not read pg_file_settings: the configuration files' values are unknown here.
SELECT NULL::text AS name, NULL::text AS value, NULL::text AS sourcefile, NULL::int AS sourceline
WHERE false
