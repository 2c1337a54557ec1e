-- pgtune config: what the server accepts for each setting we propose ($1: their names).
SELECT
    name::text   AS name,
    vartype      AS vartype,
    unit         AS unit,
    min_val      AS min_val,
    max_val      AS max_val,
    enumvals     AS enumvals,
    context      AS context,
    setting      AS setting
FROM pg_settings
WHERE name = ANY ($1::text[]);
