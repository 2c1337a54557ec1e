#!/usr/bin/env bash
# Writes the declaration file the `schema verify` benchmark reads: 1,000 CREATE INDEX statements for
# indexes that exist in the benchmark catalog (bench/catalog.sh), spread over its ten schemas, as a
# team's migration file would declare them. Prints the file's path.
set -euo pipefail
file="${PGTUNE_BENCH_DIR:-/var/tmp/pgtune-bench}/declared-1000.sql"
{
  echo "-- 1,000 declared indexes for bench/run.sh"
  for i in $(seq 0 999); do
    echo "CREATE INDEX CONCURRENTLY IF NOT EXISTS t${i}_a_idx ON app$((i % 10)).t${i} (a);"
  done
} > "$file"
echo "$file"
