-- pgtune check: when this database's statistics were last reset (NULL: never): counters such as
-- dead tuples start again from zero there, so a clean verdict soon after says little.
SELECT stats_reset FROM pg_stat_database WHERE datname = current_database();
