#!/usr/bin/env bash
# Writes the declaration file the `schema` benchmarks read: N (default 1,000, at most 10,000) CREATE
# INDEX statements for indexes that exist in the benchmark catalog (bench/catalog.sh), one per table,
# spread over its ten schemas, as a team's migration file would declare them. Prints the file's path.
# Usage: bench/declared-indexes.sh [N]
set -euo pipefail
count="${1:-1000}"
file="${PGTUNE_BENCH_DIR:-/var/tmp/pgtune-bench}/declared-${count}.sql"
{
  echo "-- ${count} declared indexes for bench/run.sh"
  for i in $(seq 0 $((count - 1))); do
    echo "CREATE INDEX CONCURRENTLY IF NOT EXISTS t${i}_a_idx ON app$((i % 10)).t${i} (a);"
  done
} > "$file"
echo "$file"
