-- Fragment of report/bloat_estimate.sql, report/fk_without_index.sql, maintain/analyze_candidates.sql
-- and check/health/stale_stats.sql: whether relation
-- `measured` (oid, relpages, reltuples) was never vacuumed nor analyzed, so that its relpages = 0
-- says nothing of its size. PostgreSQL 14+ marks that state with reltuples = -1, which a
-- statistics reset leaves alone; 13 writes 0 both for an empty analyzed table and for one never
-- analyzed, so there the vacuum and analyze times decide.
(measured.relpages = 0
 AND (measured.reltuples < 0
      OR (measured.reltuples = 0 AND current_setting('server_version_num')::int < 140000
          AND coalesce(pg_stat_get_last_analyze_time(measured.oid), pg_stat_get_last_autoanalyze_time(measured.oid),
                       pg_stat_get_last_vacuum_time(measured.oid), pg_stat_get_last_autovacuum_time(measured.oid)) IS NULL)))
