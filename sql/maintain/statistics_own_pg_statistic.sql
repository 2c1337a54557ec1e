-- Fragment of maintain/analyze_candidates.sql for a role that may read pg_statistic: whether
-- relation s has column statistics of its own, looked up by oid (the per-relation probe of pg_stats
-- was planned as a hash of all of pg_stats, 8 s at 100,000 tables).
EXISTS (SELECT FROM pg_catalog.pg_statistic AS ps WHERE ps.starelid = s.oid AND NOT ps.stainherit)
