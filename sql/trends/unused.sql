-- pgtune trends: indexes never scanned between snapshots $1 and $2 (unique and exclusion-constraint
-- ones left out: they enforce something); `newly` when the index was scanned before $1 or did not exist then.
SELECT l.schema_name, l.table_name, l.index_name, l.bytes,
       e.snapshot_id IS NULL OR coalesce(e.idx_scan, 0) > 0 AS newly
FROM pgtune.snapshot_indexes AS l
LEFT JOIN pgtune.snapshot_indexes AS e
       ON e.snapshot_id = $1 AND e.schema_name = l.schema_name AND e.index_name = l.index_name
WHERE l.snapshot_id = $2 AND NOT l.is_unique AND l.schema_name <> 'pgtune'
  AND coalesce(l.idx_scan, 0) = coalesce(e.idx_scan, 0)
ORDER BY l.bytes DESC;
