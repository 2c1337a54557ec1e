-- Fragment of report/bloat_estimate.sql for superusers: column statistics straight from pg_statistic.
-- pg_stats is a security-barrier view that converts every column (most common values included) for
-- every row, which on 50,000 columns costs more than the rest of the estimate.
LEFT JOIN (SELECT starelid, staattnum, stawidth AS avg_width, stanullfrac AS null_frac, stadistinct AS n_distinct
             FROM pg_statistic WHERE NOT stainherit) AS s
       ON s.starelid = a.attrelid AND s.staattnum = a.attnum
