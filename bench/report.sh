#!/usr/bin/env bash
# `pgtune report` on the 10,000-table catalog (bench/catalog.sh): the target is under 1 second per
# report, shown side by side with check_postgres --action=bloat (Debian package check-postgres) on the
# same database. Medians of several runs of the release build. Usage: bench/report.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
cargo build --release --quiet
# shellcheck source=bench/catalog.sh
source bench/catalog.sh
peer=""
if command -v check_postgres_bloat >/dev/null 2>&1; then
  peer="check_postgres_bloat"
elif command -v check_postgres.pl >/dev/null 2>&1; then
  peer="check_postgres.pl --action=bloat"
else
  echo "(check_postgres not installed: apt-get install check-postgres to compare)" >&2
fi
echo "pgtune report on $(psql -X -tAc "SELECT count(*) FROM pg_class WHERE relkind = 'r' AND relnamespace::regnamespace::text LIKE 'app%'") tables, $(psql -X -tAc "SELECT count(*) FROM pg_class WHERE relkind = 'i' AND relnamespace::regnamespace::text LIKE 'app%'") indexes; PostgreSQL $(psql -X -tAc 'SHOW server_version'); $(nproc) CPUs"
python3 - "$runs" "$peer" <<'PY'
import shlex, subprocess, sys, time
runs, peer = int(sys.argv[1]), sys.argv[2]
def median(cmd):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode not in (0, 1, 2):
            sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[:300]}")
    times.sort()
    return times[len(times) // 2]
print(f"{'command':<44} {'median':>9}")
results = {}
for report in ["unused-indexes", "duplicate-indexes", "invalid-indexes", "fk-without-index", "bloat", "all"]:
    results[report] = median(["target/release/pgtune", "report", report, "--format", "json"])
    print(f"{'pgtune report ' + report:<44} {results[report]*1000:>7.0f}ms")
if peer:
    t = median(shlex.split(peer) + ["--db", "bench", "--host", __import__('os').environ["PGHOST"], "--port", __import__('os').environ["PGPORT"], "--dbuser", "postgres"])
    print(f"{peer:<44} {t*1000:>7.0f}ms")
    print(f"ratio pgtune report bloat / check_postgres bloat: {results['bloat'] / t:.2f}")
PY
