-- pgtune check: configuration file entries (superusers only): errors in the files, and which settings
-- postgresql.auto.conf (ALTER SYSTEM) sets and so would override a conf.d file.
SELECT
    sourcefile::text   AS sourcefile,
    sourceline         AS sourceline,
    name::text         AS name,
    setting            AS setting,
    applied            AS applied,
    error              AS error
FROM pg_file_settings
ORDER BY seqno;
