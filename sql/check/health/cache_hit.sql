-- Buffer cache hit ratio per database, for databases with enough reads to judge.
SELECT datname::text                                    AS datname,
       blks_hit                                         AS hits,
       blks_read                                        AS reads,
       blks_hit::float8 / nullif(blks_hit + blks_read, 0) AS ratio
FROM pg_stat_database
WHERE datname IS NOT NULL
  AND blks_hit + blks_read >= 10000
ORDER BY ratio;
