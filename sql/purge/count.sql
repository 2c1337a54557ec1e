-- pgtune purge --dry-run: how many rows are older than the interval ($1).
SELECT count(*) AS rows FROM {table} WHERE {column} < now() - $1::text::interval;
