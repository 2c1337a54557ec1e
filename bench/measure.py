"""How the benchmark scripts time a command: wall seconds and peak resident memory (KB, from
/usr/bin/time), one run or the median of several. Exit codes 0-2 are pgtune's verdicts; anything
else stops the benchmark with the command's stderr."""
import subprocess
import sys
import time


def once(cmd, env):
    t = time.perf_counter()
    r = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    secs = time.perf_counter() - t
    if r.returncode not in (0, 1, 2):
        sys.exit(f"{' '.join(cmd)} failed ({r.returncode}): {r.stderr.decode()[-400:]}")
    return secs, int(r.stderr.decode().strip().splitlines()[-1])


def median(cmd, env, runs):
    """Median seconds and the largest peak memory over `runs` runs."""
    times, peak = [], 0
    for _ in range(runs):
        secs, kb = once(cmd, env)
        times.append(secs)
        peak = max(peak, kb)
    times.sort()
    return times[len(times) // 2], peak
