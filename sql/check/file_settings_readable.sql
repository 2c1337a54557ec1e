-- The last valid line of the configuration files for each setting (the one the server applies).
SELECT DISTINCT ON (name) name, setting AS value, sourcefile, sourceline
FROM pg_catalog.pg_file_settings
WHERE error IS NULL
ORDER BY name, seqno DESC
