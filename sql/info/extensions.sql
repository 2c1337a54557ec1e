-- pgtune info: installed extensions in this database, with the newer version the server offers.
SELECT
    e.extname::text         AS name,
    e.extversion            AS version,
    n.nspname::text         AS schema,
    a.default_version       AS default_version
FROM pg_extension AS e
JOIN pg_namespace AS n ON n.oid = e.extnamespace
LEFT JOIN pg_available_extensions AS a ON a.name = e.extname
ORDER BY e.extname;
