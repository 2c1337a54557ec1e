-- pgtune report --replica: index scans counted on a standby, to add to the primary's.
SELECT schemaname::text AS schema, indexrelname::text AS index_name, idx_scan AS idx_scan
FROM pg_stat_all_indexes
WHERE schemaname !~ '^pg_' AND schemaname NOT IN ('information_schema', 'pgtune');
