-- Fragment of maintain/analyze_candidates.sql for other roles: whether relation s has column
-- statistics of its own, as pg_stats shows them.
EXISTS (SELECT FROM pg_stats AS st
        WHERE st.schemaname = s.schema AND st.tablename = s.name AND NOT st.inherited)
