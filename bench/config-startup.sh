#!/usr/bin/env bash
# Startup time of `pgtune config`, which scripts run: the target is well under 10 ms.
# There is no peer to compare with (PGTune is a web page without a CLI), so this reports absolute
# medians over many runs of the release binary. Usage: bench/config-startup.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-200}"
cargo build --release --quiet
python3 - "$runs" <<'PY'
import subprocess, sys, time
runs = int(sys.argv[1])
cases = [
    ("all inputs given", ["--memory", "16GB", "--cpus", "8", "--pg-version", "17"]),
    ("detect memory, CPUs, version (spawns pg_config)", []),
    ("JSON, all inputs given", ["--memory", "16GB", "--cpus", "8", "--pg-version", "17", "--format", "json"]),
]
print(f"pgtune config startup, {runs} runs each (release build)")
print(f"{'case':<52} {'median':>9} {'p90':>9}")
for label, args in cases:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(["target/release/pgtune", "config", *args], stdout=subprocess.DEVNULL, check=True)
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(f"{label:<52} {times[len(times)//2]:>7.2f}ms {times[int(len(times)*0.9)]:>7.2f}ms")
PY
