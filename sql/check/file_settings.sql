-- pgtune check: configuration file entries (superusers only): errors in the files, and which settings
-- postgresql.auto.conf (ALTER SYSTEM) sets and so would override a conf.d file. A restart-only
-- setting changed in a file reads "setting could not be applied" until the restart: that is a
-- pending restart (reported as one), not an error, so it says whether the setting waits for one.
SELECT
    f.sourcefile::text AS sourcefile,
    f.sourceline       AS sourceline,
    f.name::text       AS name,
    f.setting          AS setting,
    f.applied          AS applied,
    -- (told by the catalog, not by the message, which the server may translate)
    CASE WHEN NOT f.applied AND s.pending_restart AND s.context = 'postmaster' THEN NULL
         ELSE f.error END AS error
FROM pg_file_settings AS f
LEFT JOIN pg_settings AS s ON s.name = f.name
ORDER BY f.seqno;
