-- Buffer cache hit ratio per database, for databases with enough reads to judge; template
-- databases are left out (their reads are CREATE DATABASE copying them, not a workload).
SELECT s.datname::text                                        AS datname,
       s.blks_hit                                             AS hits,
       s.blks_read                                            AS reads,
       s.blks_hit::float8 / nullif(s.blks_hit + s.blks_read, 0) AS ratio
FROM pg_stat_database AS s
JOIN pg_database AS d ON d.oid = s.datid
WHERE s.datname IS NOT NULL
  AND NOT d.datistemplate
  AND s.blks_hit + s.blks_read >= 10000
ORDER BY ratio;
