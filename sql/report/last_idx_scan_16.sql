-- Fragment of report/indexes.sql on PostgreSQL 16 and later: when the index was last scanned.
pg_stat_get_lastscan(i.oid)
