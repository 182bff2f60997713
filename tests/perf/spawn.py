"""Times fresh processes and reads their peak memory (standard library only, on purpose).

The benchmark runs this small interpreter to start each measured process: a child's
ru_maxrss starts from its parent's high-water mark at fork (exec does not reset it), so
children of the benchmark itself, which holds a generated store in memory, would all report
the benchmark's own peak. Started from here, they report their own (or this one's ~10 MB).

stdin: {"runs": N, "env": {...}, "programs": {"name": "python code", ...}}
stdout: {"name": [[seconds, peak_rss_mb, exit_code], ...], ...}
The programs are run interleaved (one of each per round), so they see the same machine.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def run_fresh(code: str, env: dict[str, str], timeout: float = 60) -> tuple[float, float, int]:
    """(seconds from spawn to exit, peak RSS in MB of that process, exit code)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            elapsed = time.perf_counter() - t0
            proc.returncode = os.waitstatus_to_exitcode(status)
            return elapsed, usage.ru_maxrss / 1024, proc.returncode
        if time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return float("inf"), usage.ru_maxrss / 1024, -9
        time.sleep(0.001)


def main() -> int:
    job = json.load(sys.stdin)
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name in job["programs"]}
    for _ in range(job["runs"]):
        for name, code in job["programs"].items():
            results[name].append(run_fresh(code, job["env"], job.get("timeout", 60)))
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
