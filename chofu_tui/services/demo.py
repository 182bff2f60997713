"""A realistic, deterministic 令和6年度 for `chofu-tui --demo` (a throwaway store only)."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, TargetKind
from chofu_tui.services import changes, entries, organisations
from chofu_tui.services import settings as settings_service
from chofu_tui.services.clock import as_of_for, now_stamp
from chofu_tui.store import changelog
from chofu_tui.store.models import Setting, database

DEMO_YEAR = FiscalYear(2024)
DEMO_AS_OF = dt.date(2024, 12, 13)
DEMO_SEED = 20240401
COORDINATORS = ("青木", "石井", "上田", "江口", "大野", "加藤", "木村", "佐々木")
ORG_KINDS = ("自治会", "ひだまりサロン", "地区協議会", "老人クラブ", "子ども食堂", "商店会")
# How far each target is relative to an even pace: some behind, some ahead, most near it.
PACE = {
    "outreach-approach": 1.25,
    "outreach-place-study": 0.6,
    "awareness": 0.82,
    "liaison-meeting": 1.2,
    "case-support-family": 1.0,
    "case-support-community": 0.7,
    "resource-approach": 1.15,
    "community-approach": 0.75,
    "salon-launch": 0.8,
    "resident-training": 1.1,
    "facilitator-course": 1.0,
    "graduate-activity": 0.5,
    "ibasho-expansion-support": 0.75,
}
MAX_COUNT = {"awareness": 8, "case-support-family": 5, "case-support-community": 6}


def _orgs_of(plan: Plan) -> dict[int, list[str]]:
    out: dict[int, list[str]] = {}
    for area in plan.areas:
        towns = [t.removesuffix("小") for t in area.name.split("・")]
        out[area.no] = [f"{town}{kind}" for town in towns for kind in ORG_KINDS]
    return out


def fill_demo(plan: Plan, as_of: dt.date = DEMO_AS_OF, seed: int = DEMO_SEED) -> int:
    """Log a year of entries up to `as_of` into the open (empty) store; returns the count."""
    rng = random.Random(seed)
    fy = plan.fy
    days = max(1, (as_of_for(fy, as_of) - fy.start).days + 1)
    fraction = fy.elapsed_fraction(as_of)
    areas = [a.no for a in plan.areas]
    orgs = _orgs_of(plan)
    rows: list[tuple[dt.date, tuple[str, ...], int, int, str | None, str | None, str]] = []

    def day() -> dt.date:
        d = fy.start + dt.timedelta(days=rng.randrange(days))
        return d if d.weekday() < 5 else d - dt.timedelta(days=d.weekday() - 4)

    for t in plan.targets():
        if t.kind is TargetKind.DISTINCT:
            continue
        if t.kind is TargetKind.PER_AREA:
            for no in areas[:5]:  # five of the eight areas have held their meeting
                rows.append((day(), (t.id,), no, 1, None, None, "ネットワーク会議"))
            continue
        want = max(1, round(t.target * fraction * PACE.get(t.id, 1.0)))
        cap = MAX_COUNT.get(t.id, 1 if t.target < 100 else 3)
        while want > 0:
            n = min(want, rng.randint(1, cap))
            want -= n
            area = rng.choice(areas)
            org = case = None
            targets: tuple[str, ...] = (t.id,)
            note = ""
            if t.id == "community-approach":
                # A long tail: most groups are approached once, a few many times.
                pool = orgs[area]
                org = pool[min(int(rng.expovariate(0.25)), len(pool) - 1)]
                note = rng.choice(
                    ("話し合いの場づくりの相談", "イベントの企画支援", "定例会に参加")
                )
            elif t.id.startswith("case-support"):
                case = f"C{rng.randint(1000, 1200)}"
            elif t.id == "awareness":
                org = rng.choice(orgs[area])
                note = rng.choice(("サロンで啓発", "地区協議会で事業説明", "チラシ配布"))
            elif t.id == "resource-approach":
                note = rng.choice(
                    ("社会福祉法人へ協力依頼", "企業の社会貢献の相談", "商店会と打合せ")
                )
            rows.append((day(), targets, area, n, org, case, note))
    # Some awareness talks also pushed a group toward a discussion event: one entry, two targets.
    for i, row in enumerate(rows):
        if row[1] == ("awareness",) and row[4] and rng.random() < 0.15:
            rows[i] = (row[0], ("awareness", "community-approach"), *row[2:])
    rows.sort(key=lambda r: r[0])
    with database.atomic():
        dev = Setting.get_by_id("device_id").value
        created: list[tuple[str, dict, str]] = []
        for d, targets, area, n, org_name, case, note in rows:
            found = organisations.find_or_create(org_name, dev) if org_name else None
            stamp = now_stamp()
            entry = entries.insert_entry(
                targets,
                uuid=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                date=d,
                fiscal_year=fy.year,
                coordinator=COORDINATORS[area - 1],
                area=area,
                organisation=found,
                case_code=case,
                count=n,
                note=note,
                created_at=stamp,
                updated_at=stamp,
                device_id=dev,
            )
            state = changelog.entry_state(
                area=area,
                case_code=case,
                coordinator=entry.coordinator,
                count=n,
                created_at=stamp,
                date=d.isoformat(),
                deleted=False,
                device_id=dev,
                note=note,
                organisation=found.uuid if found else None,
                targets=targets,
            )
            created.append((entry.uuid, state, stamp))
        # the log of a year written at once: one statement, as the entries were
        changes.record_created("entry", created)
        settings_service.save(settings_service.UserSettings(COORDINATORS[1], 2))
    return len(rows)
