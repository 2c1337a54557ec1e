-- Fragment of maintain/analyze_candidates.sql for other roles: whether partitioned table s has
-- statistics over its partitions, as pg_stats shows them.
EXISTS (SELECT FROM pg_stats AS st
        WHERE st.schemaname = s.schema AND st.tablename = s.name AND st.inherited)
