"""Benchmark: the office database on PostgreSQL at 100,000 entries (issue 13).

    python tests/perf/bench_pg.py [--entries 100000] [--saves 200] [--runs 5] [--url URL]

Takes bench.py's store (ten fiscal years, 2024 the largest; generated once and cached), loads
it into a PostgreSQL database (COPY with the triggers off, then the counters recounted from the
entries), and measures over the local Unix socket what bench.py measures on SQLite: progress
as of today and of a past day, the log, and a save as the dashboard makes it (log_entry, then
progress_for + monthly). Prints one JSON object; no asserts. The issue's budgets: progress
<= 20 ms and save p95 <= 20 ms.

Without --url it starts a throwaway cluster (tests/pg/cluster.py: initdb + pg_ctl in a temp
folder, Unix socket only) and removes it at the end.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (ROOT, HERE, ROOT / "tests" / "pg"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

import bench  # noqa: E402
from cluster import find_bin, make_cluster, remove  # noqa: E402

from chofu_tui.fiscal import FiscalYear  # noqa: E402
from chofu_tui.plan import PlanCatalog, TargetKind  # noqa: E402
from chofu_tui.store import open_store  # noqa: E402

BUDGETS = {"progress_ms": 20, "save_p95_ms": 20}
# the tables copied, in an order their foreign keys accept
TABLES = ("setting", "organisation", "entry", "entry_target", "evaluation")


def load(sqlite_path: Path, url: str) -> dict:
    """Copy bench.py's SQLite store into the (new, empty) database at `url`."""
    from chofu_tui.store import pg

    t0 = time.perf_counter()
    db = open_store(url)  # creates the schema
    src = sqlite3.connect(sqlite_path)
    try:
        conn = db.connection()
        with conn.transaction():
            conn.execute("SET LOCAL session_replication_role = replica")  # no triggers
            conn.execute("DELETE FROM setting")
            for table in TABLES:
                cols = [r[1] for r in src.execute(f"PRAGMA table_info({table})")]
                flags = [c == "deleted" for c in cols]
                with conn.cursor().copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                    for row in src.execute(f"SELECT {', '.join(cols)} FROM {table}"):
                        copy.write_row(
                            [bool(v) if f else v for v, f in zip(row, flags, strict=True)]
                        )
            for table in ("organisation", "entry", "evaluation"):
                conn.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                    f" coalesce((SELECT max(id) FROM {table}), 0) + 1, false)"
                )
        with db.atomic():
            pg.rebuild_counters(db)
        # settled as an office database in use is: statistics, visibility map, a checkpoint
        # (else autovacuum and the first checkpoint of the load run during the measurement)
        db.execute_sql("VACUUM (ANALYZE)")
        db.execute_sql("CHECKPOINT")
    finally:
        src.close()
        db.close()
    return {"load_s": round(time.perf_counter() - t0, 1)}


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def measure(url: str, plan_dir: Path, runs: int, saves: int) -> dict:
    from chofu_tui.services import entries as entries_service
    from chofu_tui.services.progress import monthly, progress_for
    from chofu_tui.store import tallies

    catalog = PlanCatalog(user_dir=plan_dir)
    plan = catalog.get(FiscalYear(bench.LARGEST_YEAR)).plan
    db = open_store(url)
    out: dict = {}
    try:
        out["largest_year_entries"] = db.execute_sql(
            "SELECT count(*) FROM entry WHERE fiscal_year = %s AND NOT deleted",
            (bench.LARGEST_YEAR,),
        ).fetchone()[0]

        def timed(fn, n: int) -> float:  # type: ignore[no-untyped-def]
            fn()  # warm: plans, caches, the connection
            times = []
            for _ in range(n):
                t0 = time.perf_counter()
                fn()
                times.append(time.perf_counter() - t0)
            return _ms(statistics.median(times))

        n = max(runs, 5) * 3
        out["progress_ms"] = timed(lambda: progress_for(plan, bench.TODAY), n)
        out["progress_past_as_of_ms"] = timed(lambda: progress_for(plan, dt.date(2024, 9, 20)), n)
        out["monthly_ms"] = timed(lambda: monthly(plan), n)
        out["log_page_ms"] = timed(
            lambda: entries_service.list_entries(bench.LARGEST_YEAR, limit=200), n
        )
        out["log_open_ms"] = timed(
            lambda: entries_service.list_entries(bench.LARGEST_YEAR), max(runs, 3)
        )

        rng = random.Random(7)
        known = [r[0] for r in db.execute_sql("SELECT name FROM organisation").fetchall()]
        loggable = [t.id for t in plan.targets() if t.loggable]
        sources = {t.source for t in plan.targets() if t.kind is TargetKind.DISTINCT}
        save_times: list[float] = []
        log_times: list[float] = []
        for i in range(saves):
            targets = tuple(rng.sample(loggable, 1 if rng.random() < 0.75 else 2))
            org = None
            if any(t in sources for t in targets) or rng.random() < 0.3:
                org = rng.choice(known) if rng.random() < 0.9 else f"新団体{i}"
            draft = entries_service.EntryDraft(
                targets=targets,
                date=bench.TODAY - dt.timedelta(days=rng.randrange(60)),
                area=rng.randrange(1, 9),
                count=1,
                organisation=org,
                coordinator=rng.choice(bench.COORDINATORS),
                note="ベンチマークの記録",
            )
            t0 = time.perf_counter()
            entries_service.log_entry(catalog, draft)
            t1 = time.perf_counter()
            progress_for(plan, bench.TODAY)
            monthly(plan)
            t2 = time.perf_counter()
            save_times.append(t2 - t0)
            log_times.append(t1 - t0)
        out["save_p95_ms"] = _ms(bench._p95(save_times))
        out["save_median_ms"] = _ms(statistics.median(save_times))
        out["save_log_entry_p95_ms"] = _ms(bench._p95(log_times))
        out["saves"] = saves
        out["counters_exact"] = tallies.kept(db) == tallies.recount(db)
    finally:
        db.close()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--saves", type=int, default=200)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--url", help="an empty database to use (default: a throwaway cluster)")
    args = parser.parse_args(argv)

    plan_dir = Path(tempfile.mkdtemp(prefix="chofu-bench-plans-"))
    os.environ["CHOFU_TUI_PLAN_DIR"] = str(plan_dir)
    os.environ["CHOFU_TUI_TODAY"] = bench.TODAY.isoformat()
    catalog = PlanCatalog(user_dir=plan_dir)
    path, info = bench.cached_store(args.entries, catalog.get(FiscalYear(bench.LARGEST_YEAR)).plan)
    cluster = None
    url = args.url
    if url is None:
        bin_dir = find_bin()
        if bin_dir is None:
            print("initdb が見つかりません (apt-get install postgresql)", file=sys.stderr)
            return 2
        cluster = make_cluster(bin_dir, fsync=True)  # a save's commit as on the office server
        url = cluster.createdb("bench")
    try:
        out = {"engine": "postgresql", "entries": args.entries, "store": info}
        bench.log(f"loading {args.entries} entries into PostgreSQL ...")
        out.update(load(path, url))
        bench.log("measuring ...")
        out.update(measure(url, plan_dir, args.runs, args.saves))
        out["budgets"] = BUDGETS
        out["within_budget"] = {k: out[k] <= v for k, v in BUDGETS.items()}
        if cluster is not None:
            out["server"] = cluster.psql("SHOW server_version").strip()
    finally:
        if cluster is not None:
            remove(cluster)
    print(json.dumps(out, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
