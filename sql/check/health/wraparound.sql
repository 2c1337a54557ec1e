-- Transaction ID and multixact ID age per database, against the freeze settings.
SELECT datname::text                                                    AS datname,
       age(datfrozenxid)::bigint                                         AS xid_age,
       mxid_age(datminmxid)::bigint                                      AS mxid_age,
       current_setting('autovacuum_freeze_max_age')::bigint              AS freeze_max_age,
       current_setting('autovacuum_multixact_freeze_max_age')::bigint    AS multixact_freeze_max_age
FROM pg_database
ORDER BY greatest(age(datfrozenxid), mxid_age(datminmxid)) DESC;
