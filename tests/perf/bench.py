"""Benchmark: is chofu-tui still instant at 100,000 entries? (issue 5)

    python tests/perf/bench.py [--entries 100000] [--json] [--runs 5] [--saves 200]

Builds (once per N and schema version, cached in the temp dir) a store of ten fiscal years
(2015..2024, growing to the largest in 2024), 8 coordinators in 8 areas, every loggable target
of the 2024 plan, a few hundred organisations, multi-target entries and some deletions, then
measures on a fresh copy of it and prints one JSON object. Every figure is the median of
repeated runs except save_p95_ms, the 95th percentile over all saves. Today is pinned to
2024-11-15, inside the largest year.

The store is written with bulk inserts in one transaction, column for column what
services.entries.log_entry writes (the counter tables are kept by the store's own triggers,
exactly as for a save through the service).
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from chofu_tui.fiscal import FiscalYear  # noqa: E402
from chofu_tui.plan import PlanCatalog, TargetKind  # noqa: E402
from chofu_tui.services.organisations import display_name, org_key  # noqa: E402
from chofu_tui.store import SCHEMA_VERSION, open_store  # noqa: E402

GENERATOR_VERSION = 2  # bump when the generated data changes
TODAY = dt.date(2024, 11, 15)
YEARS = list(range(2015, 2025))
LARGEST_YEAR = 2024
COORDINATORS = ["佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村"]
ORG_KINDS = [
    "ひだまりサロン",
    "自治会",
    "地区協議会",
    "当事者会",
    "家族会",
    "社会福祉法人",
    "商店会",
]
NOTES = [
    "サロンで啓発の話をした",
    "地区協議会の定例会に出席し、居場所づくりについて意見交換",
    "包括支援センターと情報共有",
    "ケース会議 (家族の状況を確認、次回訪問の予定を調整)",
    "新しい居場所の立ち上げについて相談を受けた",
    "",
]
BUDGETS = {
    "startup_ratio": 1.4,
    "save_p95_ms": 10,
    "progress_ms": 10,
    "log_open_ms": 200,
    "log_page_ms": 50,
    "report_s": 1.0,
    "report_notes_s": 5,
    "peak_rss_mb": 150,
}


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ---------------------------------------------------------------- the store


def _stamp(day: dt.date, rng: random.Random) -> str:
    t = dt.datetime(day.year, day.month, day.day, 9) + dt.timedelta(seconds=rng.randrange(36000))
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{rng.randrange(10**6):06d}Z"


def _year_sizes(n: int) -> dict[int, int]:
    # the work grows year by year: 2024 is the largest year (about 14% of all entries)
    weights = [0.6 + 0.8 * i / (len(YEARS) - 1) for i in range(len(YEARS))]
    sizes = [int(n * w / sum(weights)) for w in weights]
    sizes[-1] += n - sum(sizes)
    return dict(zip(YEARS, sizes, strict=True))


def generate(path: Path, n: int, plan) -> dict:  # type: ignore[no-untyped-def]
    """Write a store of `n` entries at `path` (which must not exist)."""
    rng = random.Random(20241115)
    db = open_store(path)
    try:
        conn = db.connection()
        device = conn.execute("SELECT value FROM setting WHERE key='device_id'").fetchone()[0]
        loggable = [t for t in plan.targets() if t.kind is not TargetKind.DISTINCT]
        weights = [max(t.target, 8) for t in loggable]
        needs_org = {t.source for t in plan.targets() if t.kind is TargetKind.DISTINCT}
        orgs = []
        for i in range(360):
            area = i % 8 + 1
            name = f"{ORG_KINDS[i % len(ORG_KINDS)]}{plan.areas[area - 1].name.split('・')[0]}{i}"
            orgs.append((i + 1, str(uuid.uuid4()), display_name(name), org_key(name), area))
        t0 = time.perf_counter()
        entries: list[tuple] = []
        links: list[tuple[int, str]] = []
        n_links = 0
        entry_id = 0
        conn.execute("BEGIN")
        stamp = "2015-04-01T00:00:00.000000Z"
        conn.executemany(
            "INSERT INTO organisation (id, uuid, name, key, merged_into_id, created_at,"
            " updated_at, device_id) VALUES (?, ?, ?, ?, NULL, ?, ?, ?)",
            [(o[0], o[1], o[2], o[3], stamp, stamp, device) for o in orgs],
        )

        def flush() -> None:
            # in batches: a store of 1,000,000 entries does not hold every row in memory
            conn.executemany(
                "INSERT INTO entry (id, uuid, date, fiscal_year, coordinator, area,"
                " organisation_id, case_code, count, note, created_at, updated_at, device_id,"
                " deleted) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                entries,
            )
            conn.executemany("INSERT INTO entry_target (entry_id, target_id) VALUES (?, ?)", links)
            entries.clear()
            links.clear()

        for year, size in _year_sizes(n).items():
            fy = FiscalYear(year)
            last = min(fy.end, TODAY)
            span = (last - fy.start).days + 1
            for _ in range(size):
                entry_id += 1
                day = fy.start + dt.timedelta(days=rng.randrange(span))
                k = 1 if rng.random() < 0.75 else (2 if rng.random() < 0.8 else 3)
                chosen: list[str] = []
                while len(chosen) < k:
                    tid = rng.choices(loggable, weights)[0].id
                    if tid not in chosen:
                        chosen.append(tid)
                coord = rng.randrange(8)
                area = coord + 1 if rng.random() < 0.95 else rng.randrange(1, 9)
                org_id = None
                if any(t in needs_org for t in chosen) or rng.random() < 0.3:
                    # mostly organisations of the entry's own area
                    pool = [o for o in orgs if o[4] == area] if rng.random() < 0.9 else orgs
                    org_id = rng.choice(pool)[0]
                case = None
                if any(t.startswith("case-support") for t in chosen):
                    case = f"C-{rng.randrange(10**5):05d}"
                count = 1 if rng.random() < 0.85 else rng.randrange(2, 6)
                created = _stamp(day, rng)
                deleted = rng.random() < 0.02
                updated = _stamp(day + dt.timedelta(days=3), rng) if deleted else created
                entries.append(
                    (
                        entry_id,
                        str(uuid.uuid4()),
                        day.isoformat(),
                        year,
                        COORDINATORS[coord],
                        area,
                        org_id,
                        case,
                        count,
                        rng.choice(NOTES),
                        created,
                        updated,
                        device,
                        int(deleted),
                    )
                )
                links.extend((entry_id, t) for t in sorted(chosen))
                n_links += len(chosen)
                if len(entries) >= 50_000:
                    flush()
        flush()
        # the change log of a store migrated from version 4: one seed per row (what
        # store/changelog.py writes in the migration)
        from chofu_tui.store import changelog

        columns = ", ".join(changelog.COLUMNS)
        marks = ", ".join("?" for _ in changelog.COLUMNS)
        conn.executemany(
            f"INSERT INTO change ({columns}) VALUES ({marks})", changelog.seed_rows(conn)
        )
        conn.execute("COMMIT")
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute_sql("ANALYZE")
        return {
            "generate_s": round(time.perf_counter() - t0, 2),
            "entry_targets": n_links,
            "organisations": len(orgs),
        }
    finally:
        db.close()


def cached_store(n: int, plan) -> tuple[Path, dict]:  # type: ignore[no-untyped-def]
    cache = Path(tempfile.gettempdir()) / "chofu-tui-bench"
    cache.mkdir(exist_ok=True, mode=0o700)
    # a change to the store's schema makes a new store (not a change to its read helpers)
    from chofu_tui.store import tallies

    schema_text = (
        b"".join(
            (ROOT / "chofu_tui" / "store" / name).read_bytes() for name in ("db.py", "models.py")
        )
        + "".join(
            (*tallies.TABLES, *tallies.TRIGGERS, *tallies.ROLLUP_TABLES, *tallies.ROLLUP_TRIGGERS)
        ).encode()
    )
    schema = hashlib.sha256(schema_text).hexdigest()[:10]
    path = cache / f"store-{n}-s{SCHEMA_VERSION}-{schema}-g{GENERATOR_VERSION}.db"
    meta = path.with_suffix(".json")
    if path.exists() and meta.exists():
        return path, {**json.loads(meta.read_text()), "cached": True}
    tmp = path.with_suffix(".tmp")
    for p in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        p.unlink(missing_ok=True)
    log(f"generating a store of {n} entries ...")
    info = generate(tmp, n, plan)
    tmp.replace(path)
    meta.write_text(json.dumps(info))
    return path, {**info, "cached": False}


# ---------------------------------------------------------------- in-process figures


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def measure_in_process(db_path: Path, plan_dir: Path, runs: int, saves: int) -> dict:
    from chofu_tui.services import entries as entries_service
    from chofu_tui.services.progress import monthly, progress_for

    catalog = PlanCatalog(user_dir=plan_dir)
    plan = catalog.get(FiscalYear(LARGEST_YEAR)).plan
    db = open_store(db_path)
    out: dict = {}
    try:
        year_entries = db.execute_sql(
            "SELECT count(*) FROM entry WHERE fiscal_year = ? AND deleted = 0", (LARGEST_YEAR,)
        ).fetchone()[0]
        out["largest_year"] = LARGEST_YEAR
        out["largest_year_entries"] = year_entries

        times = []
        for _ in range(max(runs, 5) * 3):
            t0 = time.perf_counter()
            progress_for(plan, TODAY)
            times.append(time.perf_counter() - t0)
        out["progress_ms"] = _ms(statistics.median(times))
        # as of a past day (later entries exist): whole months from the counters, the rest of
        # that month from the entries
        times = []
        for _ in range(max(runs, 5) * 3):
            t0 = time.perf_counter()
            progress_for(plan, dt.date(2024, 9, 20))
            times.append(time.perf_counter() - t0)
        out["progress_past_as_of_ms"] = _ms(statistics.median(times))

        times = []
        rows = 0
        for _ in range(max(runs, 3)):
            t0 = time.perf_counter()
            rows = len(entries_service.list_entries(LARGEST_YEAR))
            times.append(time.perf_counter() - t0)
        out["log_open_ms"] = _ms(statistics.median(times))
        out["log_open_rows"] = rows

        # the log opens on its first page (limit=200): what the screen shows at once
        times = []
        for _ in range(max(runs, 5) * 3):
            t0 = time.perf_counter()
            entries_service.list_entries(LARGEST_YEAR, limit=200)
            times.append(time.perf_counter() - t0)
        out["log_page_ms"] = _ms(statistics.median(times))

        rng = random.Random(7)
        known = [r[0] for r in db.execute_sql("SELECT name FROM organisation").fetchall()]
        loggable = [t.id for t in plan.targets() if t.loggable]
        sources = {t.source for t in plan.targets() if t.kind is TargetKind.DISTINCT}
        save_times: list[float] = []
        log_times: list[float] = []
        recount_times: list[float] = []
        for i in range(saves):
            targets = tuple(rng.sample(loggable, 1 if rng.random() < 0.75 else 2))
            org = None
            if any(t in sources for t in targets) or rng.random() < 0.3:
                # mostly known organisations, now and then a new one
                org = rng.choice(known) if rng.random() < 0.9 else f"新団体{i}"
            draft = entries_service.EntryDraft(
                targets=targets,
                date=TODAY - dt.timedelta(days=rng.randrange(60)),
                area=rng.randrange(1, 9),
                count=1,
                organisation=org,
                coordinator=rng.choice(COORDINATORS),
                note="ベンチマークの記録",
            )
            t0 = time.perf_counter()
            entries_service.log_entry(catalog, draft)
            t1 = time.perf_counter()
            # what the dashboard recomputes after a save: the year's figures and its months
            progress_for(plan, TODAY)
            monthly(plan)
            t2 = time.perf_counter()
            save_times.append(t2 - t0)
            log_times.append(t1 - t0)
            recount_times.append(t2 - t1)
        out["save_p95_ms"] = _ms(_p95(save_times))
        out["save_median_ms"] = _ms(statistics.median(save_times))
        out["save_log_entry_p95_ms"] = _ms(_p95(log_times))
        out["save_recount_p95_ms"] = _ms(_p95(recount_times))
        out["saves"] = saves
    finally:
        db.close()
    return out


def measure_report(db_path: Path, plan_dir: Path, runs: int) -> dict:
    """report_s: the default report (build_report + write_xlsx; since issue 11 without notes);
    report_notes_s: the report with every entry, notes and case codes too."""
    import inspect

    from chofu_tui.services.report import build_report

    try:
        from chofu_tui.services.report.xlsx_writer import write_xlsx
    except ImportError:  # before the report became a package (issue 10)
        from chofu_tui.services.report_xlsx import write_xlsx  # type: ignore[no-redef]
    plan = PlanCatalog(user_dir=plan_dir).get(FiscalYear(LARGEST_YEAR)).plan
    printed = "include_notes" in inspect.signature(build_report).parameters  # issue 11 on

    def notes_kw(cases: bool) -> dict:
        return {"include_notes": cases} if printed else {}

    db = open_store(db_path)
    out: dict = {}
    try:
        with tempfile.TemporaryDirectory() as folder:
            for key, cases in (("report_s", False), ("report_notes_s", True)):
                times = []
                notes = 0
                for i in range(max(runs, 3)):
                    t0 = time.perf_counter()
                    report = build_report(plan, TODAY, include_cases=cases, **notes_kw(cases))
                    write_xlsx(report, Path(folder) / f"{key}-{i}.xlsx")
                    times.append(time.perf_counter() - t0)
                    notes = sum(len(g.notes) for g in report.notes)
                out[key] = round(statistics.median(times), 3)
                out[f"{key}_note_rows"] = notes
    finally:
        db.close()
    return out


SCALING_SIZES = (10_000, 100_000, 1_000_000)


def measure_scaling(plan_dir: Path, tmp: Path, runs: int, saves: int) -> dict:
    """save_p95_ms, progress_ms and log_page_ms at 10k, 100k and 1M entries (stores cached)."""
    plan = PlanCatalog(user_dir=plan_dir).get(FiscalYear(LARGEST_YEAR)).plan
    out: dict = {}
    for n in SCALING_SIZES:
        cached, info = cached_store(n, plan)
        work = tmp / f"scaling-{n}.db"
        log(f"scaling: {n} entries ...")
        shutil.copyfile(cached, work)
        os.chmod(work, 0o600)
        try:
            figures = measure_in_process(work, plan_dir, runs, saves)
        finally:
            for p in (work, Path(f"{work}-wal"), Path(f"{work}-shm")):
                p.unlink(missing_ok=True)
        out[str(n)] = {
            "save_p95_ms": figures["save_p95_ms"],
            "progress_ms": figures["progress_ms"],
            "log_page_ms": figures["log_page_ms"],
            "largest_year_entries": figures["largest_year_entries"],
            "store_cached": info["cached"],
        }
    small, large = out[str(SCALING_SIZES[0])], out[str(SCALING_SIZES[-1])]
    out["save_1m_over_10k"] = round(large["save_p95_ms"] / small["save_p95_ms"], 2)
    out["progress_1m_over_10k"] = round(large["progress_ms"] / small["progress_ms"], 2)
    return out


# ---------------------------------------------------------------- fresh processes

BASELINE_APP = """
from textual.app import App, ComposeResult
from textual.widgets import Footer, Header, Static

LINES = "\\n".join(
    f"{i:3d} 団体等への働きかけ 圏域{i % 8 + 1} 啓発件数 {i * 7} 回 進捗 {i % 100}% 順調"
    for i in range(100)
)

class Baseline(App):
    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(LINES)
        yield Footer()

    def on_mount(self) -> None:
        self.call_after_refresh(self.exit)

Baseline().run(headless=True, size=(120, 40))
"""

# The app, driven from outside: tests/perf/first_figures.py exits on the first figures shown.
APP = """
import sys
from pathlib import Path
sys.path.insert(0, {perf!r})
from first_figures import first_figures_app
app = first_figures_app(Path({db!r}))
app.run(headless=True, size=(120, 40))
sys.exit(app.return_code or 0)  # an app that failed to start is not a start measured
"""

# The work the app must do before its dashboard can show a figure, without Textual.
CORE = """
import datetime as dt
from pathlib import Path
from chofu_tui.plan import PlanCatalog
from chofu_tui.store import open_store
from chofu_tui.services.progress import progress_for
catalog = PlanCatalog()
fy, _ = catalog.choose(dt.date(2024, 11, 15))
open_store(Path({db!r}))
progress_for(catalog.get(fy).plan, dt.date(2024, 11, 15))
"""


def measure_startup(db_path: Path, plan_dir: Path, runs: int, timeout: float) -> dict:
    env = {
        **os.environ,
        "CHOFU_TUI_TODAY": TODAY.isoformat(),
        "CHOFU_TUI_PLAN_DIR": str(plan_dir),
        "CHOFU_TUI_DB": str(db_path),
        # The app's own cache of validated plans, made by the warm-up round (as by any
        # earlier start on a user's machine); fresh for every benchmark run.
        "CHOFU_TUI_CACHE_DIR": str(plan_dir.parent / "cache"),
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
        "TERM": "xterm-256color",
    }
    have_app = importlib.util.find_spec("chofu_tui.app") is not None
    out: dict = {"startup_ratio": None, "peak_rss_mb": None}
    programs = {"baseline": BASELINE_APP, "core": CORE.format(db=str(db_path))}
    if have_app:
        programs["app"] = APP.format(db=str(db_path), perf=str(Path(__file__).parent))
    # round 1 warms the caches and is not counted
    # Starts are the noisiest figure on a shared machine: twice the runs (11 by default),
    # interleaved, so that one slow moment moves the median less.
    job = {"runs": 2 * runs + 2, "env": env, "programs": programs, "timeout": timeout}
    done = subprocess.run(
        [sys.executable, str(Path(__file__).with_name("spawn.py"))],
        input=json.dumps(job),
        capture_output=True,
        text=True,
        check=True,
    )
    results = {name: rows[1:] for name, rows in json.loads(done.stdout).items()}
    base = [r[0] for r in results["baseline"]]
    core = [r[0] for r in results["core"]]
    core_rss = [r[1] for r in results["core"]]
    app = [r[0] for r in results.get("app", []) if r[2] == 0]
    app_rss = [r[1] for r in results.get("app", []) if r[2] == 0]
    if have_app and len(app) < len(results["app"]):
        codes = sorted({r[2] for r in results["app"]})
        out["startup_note"] = f"the app did not exit cleanly (exit codes {codes})"
        app = app_rss = []
    out["baseline_textual_rss_mb"] = round(statistics.median(r[1] for r in results["baseline"]), 1)
    out["baseline_textual_s"] = round(statistics.median(base), 3)
    out["core_startup_s"] = round(statistics.median(core), 3)
    out["core_startup_rss_mb"] = round(statistics.median(core_rss), 1)
    if app:
        out["app_startup_s"] = round(statistics.median(app), 3)
        out["startup_ratio"] = round(statistics.median(app) / statistics.median(base), 2)
        out["peak_rss_mb"] = round(statistics.median(app_rss), 1)
    elif "startup_note" not in out:
        out["startup_note"] = (
            "chofu_tui.app is not on this branch; startup_ratio and peak_rss_mb are measured "
            "after the app is merged. core_startup_s is the non-UI work of a start (imports, "
            "open the store, load the plan, progress_for) in a fresh process"
        )
    out["peak_rss_method"] = (
        "ru_maxrss from os.wait4 of each app process (started from tests/perf/spawn.py), median"
    )
    return out


# ---------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print only the JSON object")
    parser.add_argument("--runs", type=int, default=5, help="repeats of each figure")
    parser.add_argument("--saves", type=int, default=200, help="saves timed for save_p95_ms")
    parser.add_argument(
        "--scaling",
        action="store_true",
        help="also measure save, progress and the log page at 10k, 100k and 1M entries"
        " (stores built once, cached in $TMPDIR/chofu-tui-bench/)",
    )
    parser.add_argument(
        "--startup-timeout", type=float, default=30, help="seconds before a start is killed"
    )
    args = parser.parse_args(argv)
    t_start = time.perf_counter()
    os.environ["CHOFU_TUI_TODAY"] = TODAY.isoformat()

    with tempfile.TemporaryDirectory(prefix="chofu-bench-") as tmp:
        plan_dir = Path(tmp) / "plans"
        plan_dir.mkdir()
        os.environ["CHOFU_TUI_PLAN_DIR"] = str(plan_dir)
        plan = PlanCatalog(user_dir=plan_dir).get(FiscalYear(LARGEST_YEAR)).plan
        cached, info = cached_store(args.entries, plan)
        work = Path(tmp) / "chofu.db"
        shutil.copyfile(cached, work)
        os.chmod(work, 0o600)

        result: dict = {"entries": args.entries}
        log("startup ...")
        startup = measure_startup(work, plan_dir, args.runs, args.startup_timeout)
        log("report ...")
        reports = measure_report(work, plan_dir, args.runs)
        log("progress, log, saves ...")
        figures = measure_in_process(work, plan_dir, args.runs, args.saves)

        result.update(
            {
                "startup_ratio": startup.pop("startup_ratio"),
                "save_p95_ms": figures.pop("save_p95_ms"),
                "progress_ms": figures.pop("progress_ms"),
                "log_open_ms": figures.pop("log_open_ms"),
                "log_page_ms": figures.pop("log_page_ms"),
                "report_s": reports.pop("report_s"),
                "report_notes_s": reports.pop("report_notes_s"),
                "peak_rss_mb": startup.pop("peak_rss_mb"),
            }
        )
        notes = {}
        if "startup_note" in startup:
            notes["startup_ratio"] = notes["peak_rss_mb"] = startup.pop("startup_note")
        result["context"] = {
            **figures,
            **reports,
            **startup,
            "schema_version": SCHEMA_VERSION,
            "store": info,
            "runs": args.runs,
            "today": TODAY.isoformat(),
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
            "total_s": round(time.perf_counter() - t_start, 1),
        }
        if args.scaling:
            log("scaling ...")
            result["scaling"] = measure_scaling(plan_dir, Path(tmp), args.runs, args.saves)
        result["budgets"] = BUDGETS
        result["notes"] = notes

    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, budget in BUDGETS.items():
            value = result[key]
            mark = "-" if value is None else ("ok" if value <= budget else "OVER")
            print(f"{key:15} {value!s:>10}  (budget {budget})  {mark}")
        print(json.dumps(result, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
