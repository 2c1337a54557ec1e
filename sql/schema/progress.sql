-- pgtune schema apply: how far the index build in backend $1 is (pg_stat_progress_create_index).
SELECT phase,
       coalesce(blocks_total, 0) AS blocks_total, coalesce(blocks_done, 0) AS blocks_done,
       coalesce(tuples_total, 0) AS tuples_total, coalesce(tuples_done, 0) AS tuples_done
FROM pg_stat_progress_create_index
WHERE pid = $1;
