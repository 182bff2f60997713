"""The benchmark keeps working (its figures are judged by hand, never asserted here)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).with_name("bench.py")
KEYS = {"startup_ratio", "save_p95_ms", "progress_ms", "log_open_ms", "report_s", "peak_rss_mb"}


def test_bench_prints_every_figure_at_small_n(tmp_path: Path) -> None:
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # its cached store goes with the test
    args = ["--entries", "2000", "--json", "--runs", "1", "--saves", "200"]
    done = subprocess.run(
        [sys.executable, str(BENCH), *args, "--startup-timeout", "10"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # one JSON object and nothing else on stdout
    assert result.keys() >= KEYS
    assert result["entries"] == 2000
    for key in KEYS:
        value = result[key]
        # a figure, or null with the reason beside it (no app or report on this branch yet)
        assert isinstance(value, int | float) or key in result["notes"], key
    assert result["context"]["saves"] == 200
    assert result["context"]["log_open_rows"] == result["context"]["largest_year_entries"]
