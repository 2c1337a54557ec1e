-- Fragment of maintain/analyze_candidates.sql for a role that may read pg_statistic: whether
-- partitioned table s has statistics over its partitions.
EXISTS (SELECT FROM pg_catalog.pg_statistic AS ps WHERE ps.starelid = s.oid AND ps.stainherit)
