"""Benchmark: what encryption at rest costs (issue 14). Prints figures; asserts nothing.

    python tests/perf/bench_cipher.py [--entries 100000] [--runs 5] [--saves 200]

On the benchmark's store (tests/perf/bench.py, cached), a plain copy and an encrypted copy:
- key derivation: opening a connection and reading its first page, plain vs encrypted
  (SQLCipher 4: PBKDF2-HMAC-SHA512, 256,000 iterations, once per connection);
- encrypt: converting the whole store in place (copy, verify, swap), once;
- start-up: a fresh process that opens the store and computes the year's figures (core), and
  the app up to its first figures on screen (app), medians;
- save p95: log_entry + the dashboard's recount, as in bench.py, plain vs encrypted.
One JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import bench  # noqa: E402

from chofu_tui.fiscal import FiscalYear  # noqa: E402
from chofu_tui.plan import PlanCatalog  # noqa: E402
from chofu_tui.store import cipher  # noqa: E402

PASSPHRASE = "benchmark passphrase 2024"


def _median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 1)


def key_derivation(plain: Path, encrypted: Path, runs: int) -> dict:
    def first_read(connect) -> float:  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        con = connect()
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        elapsed = time.perf_counter() - t0
        con.close()
        return elapsed

    plain_t = [first_read(lambda: sqlite3.connect(plain)) for _ in range(runs * 2)]
    enc_t = [
        first_read(lambda: cipher.connect_file(encrypted, PASSPHRASE)) for _ in range(runs * 2)
    ]
    return {
        "open_plain_ms": _median_ms(plain_t),
        "open_encrypted_ms": _median_ms(enc_t),
        "key_derivation_ms": round(_median_ms(enc_t) - _median_ms(plain_t), 1),
    }


def startup(db: Path, plan_dir: Path, runs: int, encrypted: bool) -> dict:
    env = {
        **os.environ,
        "CHOFU_TUI_TODAY": bench.TODAY.isoformat(),
        "CHOFU_TUI_PLAN_DIR": str(plan_dir),
        "CHOFU_TUI_DB": str(db),
        "CHOFU_TUI_CACHE_DIR": str(plan_dir.parent / "cache"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "TERM": "xterm-256color",
    }
    if encrypted:
        env[cipher.PASSPHRASE_ENV] = PASSPHRASE
    programs = {
        "core": bench.CORE.format(db=str(db)),
        "app": bench.APP.format(db=str(db), perf=str(HERE)),
    }
    job = {"runs": runs + 1, "env": env, "programs": programs, "timeout": 120}
    done = subprocess.run(
        [sys.executable, str(HERE / "spawn.py")],
        input=json.dumps(job), capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = {name: r[1:] for name, r in json.loads(done.stdout).items()}  # round 1: warm-up
    out = {}
    for name, results in rows.items():
        ok = [r[0] for r in results if r[2] == 0]
        out[f"{name}_startup_s"] = round(statistics.median(ok), 3) if ok else None
    return out


def saves(db: Path, plan_dir: Path, runs: int, count: int, encrypted: bool) -> dict:
    if encrypted:
        os.environ[cipher.PASSPHRASE_ENV] = PASSPHRASE
    try:
        figures = bench.measure_in_process(db, plan_dir, runs, count)
    finally:
        os.environ.pop(cipher.PASSPHRASE_ENV, None)
    return {k: figures[k] for k in ("save_p95_ms", "save_median_ms", "progress_ms", "log_page_ms")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--saves", type=int, default=200)
    args = parser.parse_args(argv)
    os.environ["CHOFU_TUI_TODAY"] = bench.TODAY.isoformat()
    with tempfile.TemporaryDirectory(prefix="chofu-bench-cipher-") as tmp_name:
        tmp = Path(tmp_name)
        plan_dir = tmp / "plans"
        plan_dir.mkdir()
        os.environ["CHOFU_TUI_PLAN_DIR"] = str(plan_dir)
        os.environ["CHOFU_TUI_CACHE_DIR"] = str(tmp / "cache")
        plan = PlanCatalog(user_dir=plan_dir).get(FiscalYear(bench.LARGEST_YEAR)).plan
        source, info = bench.cached_store(args.entries, plan)
        plain, encrypted = tmp / "plain.db", tmp / "encrypted.db"
        shutil.copyfile(source, plain)
        shutil.copyfile(source, encrypted)
        t0 = time.perf_counter()
        cipher.encrypt_file(encrypted, PASSPHRASE)
        encrypt_s = time.perf_counter() - t0
        out: dict = {
            "entries": info.get("entries", args.entries),
            "store_mb": round(plain.stat().st_size / 2**20, 1),
            "encrypt_s": round(encrypt_s, 2),
            "kdf": f"PBKDF2-HMAC-SHA512, {cipher.KDF_ITER} iterations (SQLCipher 4)",
            **key_derivation(plain, encrypted, args.runs),
        }
        for name, db, enc in (("plain", plain, False), ("encrypted", encrypted, True)):
            out[name] = {
                **startup(db, plan_dir, args.runs, enc),
                **saves(db, plan_dir, args.runs, args.saves, enc),
            }
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
