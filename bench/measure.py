"""How the benchmark scripts time a command: wall seconds and peak resident memory (KB, from
/usr/bin/time), one run or the median of several. Exit codes 0-2 are pgtune's verdicts; anything
else stops the benchmark with the command's stderr."""
import subprocess
import sys
import time


def once(cmd, env):
    secs, kb, _ = captured(cmd, env)
    return secs, kb


def median(cmd, env, runs):
    """Median seconds and the largest peak memory over `runs` runs."""
    times, peak = [], 0
    for _ in range(runs):
        secs, kb = once(cmd, env)
        times.append(secs)
        peak = max(peak, kb)
    times.sort()
    return times[len(times) // 2], peak


def captured(cmd, env):
    """One run keeping its stdout: (seconds, peak KB, stdout text)."""
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    secs = time.perf_counter() - t
    if r.returncode not in (0, 1, 2):
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[-400:]}")
    return secs, int(r.stderr.decode().strip().splitlines()[-1]), r.stdout.decode()


if __name__ == "__main__":
    # `measure.py once -- CMD...`: one run as JSON {seconds, max_rss_mb, stdout}, for shell scripts.
    import json
    import os
    if len(sys.argv) < 4 or sys.argv[1] != "once" or sys.argv[2] != "--":
        sys.exit("usage: measure.py once -- COMMAND [ARGS...]")
    secs, kb, out = captured(sys.argv[3:], os.environ.copy())
    print(json.dumps({"seconds": secs, "max_rss_mb": kb / 1024.0, "stdout": out}))
