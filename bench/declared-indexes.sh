#!/usr/bin/env bash
# Writes the declaration file the `schema` benchmarks read: N (default 1,000) CREATE INDEX statements
# for indexes that exist in the benchmark catalog (bench/catalog.sh), one per table, spread over its
# SCHEMAS schemas (default 10, the 10,000-table catalog; 2,000 for 100,000 tables), as a team's
# migration file would declare them. Prints the file's path.
# Usage: bench/declared-indexes.sh [N] [SCHEMAS]
set -euo pipefail
count="${1:-1000}"
schemas="${2:-10}"
if [ "$schemas" = 10 ]; then suffix=""; else suffix="-of-${schemas}"; fi
file="${PGTUNE_BENCH_DIR:-/var/tmp/pgtune-bench}/declared-${count}${suffix}.sql"
{
  echo "-- ${count} declared indexes for the benchmarks"
  for i in $(seq 0 $((count - 1))); do
    echo "CREATE INDEX CONCURRENTLY IF NOT EXISTS t${i}_a_idx ON app$((i % schemas)).t${i} (a);"
  done
} > "$file"
echo "$file"
