#!/usr/bin/env bash
# `pgtune schema verify` of 1,000 declared indexes on the 10,000-table catalog (bench/catalog.sh); the
# target is under 5 seconds. Beside it, psql running the same file, which is what a team does today
# (CREATE INDEX ... IF NOT EXISTS only checks that the name exists). Usage: bench/schema.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
cargo build --release --quiet
# shellcheck source=bench/catalog.sh
source bench/catalog.sh
declared="$(bench/declared-indexes.sh)"
python3 - "$runs" "$declared" <<'PY'
import subprocess, sys, time
runs, declared = int(sys.argv[1]), sys.argv[2]
def median(cmd):
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[-300:]}")
    return sorted(times)[len(times) // 2]
ours = median(["target/release/pgtune", "schema", "verify", declared, "--format", "json"])
peer = median(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", declared])
print(f"pgtune schema verify (1,000 declared)  {ours*1000:7.0f} ms  (target under 5 s)")
print(f"psql -f of the same file                {peer*1000:7.0f} ms")
print(f"ratio: {ours/peer:.2f}")
PY
