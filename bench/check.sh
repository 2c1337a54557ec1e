#!/usr/bin/env bash
# `pgtune check` on the 10,000-table catalog (bench/catalog.sh): the target is under 2 seconds.
# Reports the median of several runs of the release build, for the whole check and for each half.
# Usage: bench/check.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
cargo build --release --quiet
# shellcheck source=bench/catalog.sh
source bench/catalog.sh
tables=$(psql -X -tAc "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace::regnamespace::text LIKE 'app%'")
indexes=$(psql -X -tAc "SELECT count(*) FROM pg_class WHERE relkind = 'i' AND relnamespace::regnamespace::text LIKE 'app%'")
echo "pgtune check on $tables tables, $indexes indexes; PostgreSQL $(psql -X -tAc 'SHOW server_version'); $(nproc) CPUs"
python3 - "$runs" <<'PY'
import subprocess, sys, time
runs = int(sys.argv[1])
cases = [("check (settings + health)", []), ("check --only health", ["--only", "health"]), ("check --only settings", ["--only", "settings"])]
print(f"{'command':<30} {'median':>9} {'max':>9}")
for label, args in cases:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(["target/release/pgtune", "check", "--memory", "16GB", "--cpus", "8", "--format", "json", *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode == 3:
            sys.exit(f"pgtune check failed: {r.stderr.decode()}")
    times.sort()
    print(f"{label:<30} {times[len(times)//2]*1000:>7.0f}ms {times[-1]*1000:>7.0f}ms")
PY
