-- pgtune trends: the snapshot before $1, for the cache hit ratio of the window before.
SELECT blks_hit, blks_read FROM pgtune.snapshots
WHERE taken_at < (SELECT taken_at FROM pgtune.snapshots WHERE id = $1)
ORDER BY taken_at DESC LIMIT 1;
