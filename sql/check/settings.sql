-- pgtune check: the settings we audit ($1: their names), as the server runs them. sourcefile and
-- sourceline are NULL for roles that may not read all settings.
SELECT
    name::text        AS name,
    setting           AS setting,
    unit              AS unit,
    vartype           AS vartype,
    context           AS context,
    source            AS source,
    sourcefile        AS sourcefile,
    sourceline        AS sourceline,
    pending_restart   AS pending_restart,
    enumvals          AS enumvals,
    min_val           AS min_val,
    max_val           AS max_val
FROM pg_settings
WHERE name = ANY ($1::text[]);
