"""The input rules of an entry: what may be stored, in one place for `add`, the entry form,
`edit`, `merge` and `check` (issues 8 and 9). Pure checks and cleaning; no writes."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, replace

from chofu_tui import safetext
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog, Target, TargetKind
from chofu_tui.services import clock, organisations

# Limits that keep one typo from wrecking a year's figures (issue 8).
MAX_COUNT = 999
MAX_COORDINATOR = 40
MAX_ORGANISATION = organisations.MAX_NAME  # 100
MAX_NOTE = 4000
# Case codes are pseudonyms from the council's case system: 1-3 letters, an optional hyphen and
# 1-5 digits (C1024, C-0012, AB-123). The shape refuses what a person's data looks like before
# it reaches the disk: names (山田花子, TARO-...), phone numbers and 6- or 8-digit birth dates.
# A plan may set its own `case_code_pattern`.
CASE_CODE = re.compile(r"[A-Z]{1,3}-?[0-9]{1,5}")
FIRST_DAY = dt.date(2019, 4, 1)  # 令和元年度
LAST_DAY = dt.date(2101, 3, 31)


@dataclass(frozen=True)
class EntryDraft:
    """What a user asks to log, before validation."""

    targets: tuple[str, ...]
    date: dt.date
    area: int | None
    count: int = 1
    organisation: str | None = None
    case_code: str | None = None
    coordinator: str = ""
    note: str = ""


def resolve_area(plan: Plan, text: str | int | None) -> int | None:
    """An area by number (1..8) or by name, as the plan lists them."""
    if text is None or text == "":
        return None
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if s.isdigit():
        if plan.area(int(s)) is not None:
            return int(s)
    else:
        hits = [a for a in plan.areas if s == a.name or s in a.name.split("・")]
        if len(hits) == 1:
            return hits[0].no
    names = "、".join(f"{a.no} {a.name}" for a in plan.areas)
    raise UserError(f"圏域 {text!r} がありません (圏域: {names})", "unknown area")


def _plan_for(catalog: PlanCatalog, day: dt.date) -> tuple[Plan, tuple[str, ...]]:
    """The plan that governs `day`; if its year has none yet, the latest one and a warning."""
    fy = FiscalYear.of(day)
    if catalog.has(fy):
        return catalog.get(fy).plan, ()
    latest = catalog.latest()
    if latest is None:
        raise UserError("計画ファイルが一つもありません", "no plan files found")
    return catalog.get(latest).plan, (
        f"{fy.label}の計画がまだありません。記録は保存しましたが、{fy.label}の計画を作成するまで"
        "集計には入りません",
    )


def clean_text(text: str | None, what: str) -> str:
    """Strip and fold a free-text field; refuse text that cannot be stored (broken encoding)."""
    s = (text or "").strip()
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        raise UserError(
            f"{what}に読めない文字があります (文字コード)", "undecodable text"
        ) from None
    return s


def clean_note(text: str | None) -> str:
    """A memo as stored: control characters removed (newline and tab stay), ends trimmed."""
    return safetext.strip_controls(clean_text(text, "メモ"), multiline=True).strip()


def clean_name(name: str | None) -> str:
    """A coordinator's name: NFKC and folded spaces, so 「山田 」 and 「山田」 are one person."""
    folded = " ".join(unicodedata.normalize("NFKC", clean_text(name, "名前")).split())
    return " ".join(safetext.strip_controls(folded).split())


def clean_case_code(code: str | None) -> str | None:
    """A case code as stored: NFKC (full-width folded) and upper case; None when blank."""
    return unicodedata.normalize("NFKC", clean_text(code, "ケースコード")).upper() or None


def coordinator_name(text: str) -> str:
    """A coordinator's name given explicitly (CLI, settings): cleaned, never blank or too long."""
    name = clean_name(text)
    if problem := coordinator_problem(name, given=True):
        raise UserError(*problem)
    return name


def parse_count(text: str) -> int:
    """A count typed by a user: ASCII digits after NFKC (full-width is fine), 1..MAX_COUNT.

    `1_000`, `1e3`, Arabic-Indic digits and the like are refused (Python's int() takes them)."""
    s = unicodedata.normalize("NFKC", str(text)).strip()
    if not re.fullmatch(r"[+-]?[0-9]+", s):
        shown = safetext.one_line(str(text))[:20]
        raise UserError(
            f"回数「{shown}」は整数ではありません (1〜{MAX_COUNT} の数字で入力してください)",
            "count must be a whole number",
        )
    count = int(s)
    if problem := count_problem(count):
        raise UserError(*problem)
    return count


# Each rule returns (Japanese reason, English) or None. The same rules check a new entry
# (check_draft), an incoming row of a merge and the rows already stored (services/checks.py).
Reason = tuple[str, str]


def count_problem(count: object) -> Reason | None:
    if isinstance(count, bool) or not isinstance(count, int):
        return "回数は整数で入力してください", "count must be a whole number"
    if not 1 <= count <= MAX_COUNT:
        return (
            f"回数は1以上{MAX_COUNT}以下にしてください (入力: {count})",
            f"count must be between 1 and {MAX_COUNT}",
        )
    return None


def text_problem(text: str, what: str, limit: int, *, multiline: bool = False) -> Reason | None:
    """Control characters or more than `limit` characters."""
    if safetext.has_controls(text, multiline=multiline):
        return f"{what}に制御文字が含まれています", f"{what}: control characters"
    if len(text) > limit:
        return (
            f"{what}は{limit:,}文字までです ({len(text):,}文字あります)",
            f"{what}: longer than {limit} characters",
        )
    return None


def coordinator_problem(name: str, *, given: bool = False) -> Reason | None:
    """`given`: the name was typed on purpose, so a blank one is a mistake, not "unset"."""
    if given and not name.strip():
        return (
            "記録者 (コーディネーター名) が空です。名前を入力してください",
            "coordinator name is blank",
        )
    return text_problem(name, "記録者", MAX_COORDINATOR)


def case_code_problem(plan: Plan | None, code: str) -> Reason | None:
    custom = plan.case_code_pattern if plan is not None else None
    if re.fullmatch(custom or CASE_CODE, code):
        return None
    if custom:
        return (
            f"ケースコードが計画で決めた形 ({custom}) に合いません。"
            "氏名・電話番号・生年月日は記録しません",
            "case code does not match the plan's pattern",
        )
    return (
        "ケースコードは英字1〜3文字・ハイフン (省略可)・数字1〜5桁の仮名コードです"
        " (例: C1024、C-0012、AB-123)。氏名・電話番号・生年月日は記録しません",
        "case code must be a pseudonymous code",
    )


def date_problem(day: dt.date) -> Reason | None:
    if not FIRST_DAY <= day <= LAST_DAY:
        return (
            f"日付 {day.isoformat()} は記録できる範囲 (2019-04-01 以降) の外です",
            "date out of range",
        )
    return None


def future_problem(day: dt.date, today: dt.date) -> Reason | None:
    if day > today:
        return (
            f"日付 {day.isoformat()} は今日 ({today.isoformat()}) より後です。"
            "これからの予定は記録できません",
            "date is after today",
        )
    return None


@dataclass(frozen=True)
class _PlanIndex:
    targets: dict[str, Target]
    sources: frozenset[str]  # targets whose entries distinct targets count organisations from
    areas: frozenset[int]


_INDEXES: dict[int, tuple[Plan, _PlanIndex]] = {}


def _index(plan: Plan) -> _PlanIndex:
    """Look-ups of a plan, built once: `check` runs the rules over every stored row."""
    hit = _INDEXES.get(id(plan))
    if hit is not None and hit[0] is plan:
        return hit[1]
    index = _PlanIndex(
        {t.id: t for t in plan.targets()},
        frozenset(t.source or "" for t in plan.targets() if t.kind is TargetKind.DISTINCT),
        frozenset(a.no for a in plan.areas),
    )
    _INDEXES[id(plan)] = (plan, index)
    return index


def area_problem(plan: Plan, area: object) -> Reason | None:
    if isinstance(area, int) and not isinstance(area, bool) and area in _index(plan).areas:
        return None
    names = "、".join(f"{a.no} {a.name}" for a in plan.areas)
    shown = safetext.one_line(str(area))[:20]
    return f"圏域 '{shown}' がありません (圏域: {names})", "unknown area"


def targets_problem(plan: Plan, targets: tuple[str, ...] | list[str]) -> Reason | None:
    if not targets:
        return "目標を一つ以上選んでください", "no target given"
    known = _index(plan).targets
    for tid in targets:
        target = known.get(tid)
        if target is None:
            shown = safetext.one_line(str(tid))[:64]
            return (
                f"目標 '{shown}' は{plan.fy.label}の計画にありません (一覧は「chofu-tui targets」)",
                "unknown target",
            )
        if target.kind is TargetKind.DISTINCT:
            return (
                f"{tid} ({target.label}) は記録から数える目標です。"
                f"{target.source} を --org (団体名) 付きで記録してください",
                "derived target; log its source with an organisation",
            )
    return None


def organisation_needed_problem(
    plan: Plan, targets: tuple[str, ...] | list[str], org: str | None
) -> Reason | None:
    if org:
        return None
    index = _index(plan)
    for tid in targets:
        if tid in index.sources:
            return (
                f"{tid} ({index.targets[tid].label}) には団体名 (--org) が必要です",
                "organisation required",
            )
    return None


def plan_for_day(catalog: PlanCatalog, day: dt.date) -> Plan:
    """The plan whose rules an entry of `day` follows (its year's, else the latest)."""
    return _plan_for(catalog, day)[0]


def entry_problems(
    plan: Plan | None,
    *,
    date: dt.date,
    targets: tuple[str, ...] | list[str],
    count: object,
    area: object,
    organisation: str | None,
    case_code: str | None,
    coordinator: str,
    note: str,
) -> list[tuple[str, Reason]]:
    """Every rule an entry breaks, as (field, reason); [] when it may be stored as it is.

    Used on rows as stored (merge sources, rows stored before these rules), so text is checked
    as it is, not cleaned first. Without a plan, only the rules that need none are checked."""
    found: list[tuple[str, Reason | None]] = [("date", date_problem(date))]
    if plan is not None:
        found += [
            ("targets", targets_problem(plan, targets)),
            ("area", area_problem(plan, area)),
            ("organisation", organisation_needed_problem(plan, targets, organisation)),
        ]
    found += [
        ("count", count_problem(count)),
        ("organisation", text_problem(organisation or "", "団体名", MAX_ORGANISATION)),
        ("case_code", case_code_problem(plan, case_code) if case_code is not None else None),
        ("coordinator", coordinator_problem(coordinator)),
        ("note", text_problem(note, "メモ", MAX_NOTE, multiline=True)),
    ]
    return [(field, reason) for field, reason in found if reason is not None]


def check_draft(
    catalog: PlanCatalog, draft: EntryDraft, *, today: dt.date | None = None
) -> tuple[EntryDraft, tuple[str, ...]]:
    """Validate a draft against the plan of its year; returns the cleaned draft and warnings.

    A date after `today` (default: the program's today) is refused: the entry would vanish
    from the counters of the year in view."""
    if problem := date_problem(draft.date) or future_problem(draft.date, today or clock.today()):
        raise UserError(*problem)
    plan, warnings = _plan_for(catalog, draft.date)
    if problem := targets_problem(plan, draft.targets):
        raise UserError(*problem)
    targets = tuple(dict.fromkeys(draft.targets))
    if problem := count_problem(draft.count):
        raise UserError(*problem)
    if draft.area is None:
        raise UserError(
            "圏域を指定してください (設定で自分の圏域を登録しておくと既定になります)", "no area"
        )
    resolve_area(plan, draft.area)
    org = organisations.display_name(clean_text(draft.organisation, "団体名")) or None
    coordinator = clean_name(draft.coordinator)
    cleaned = replace(
        draft,
        targets=targets,
        organisation=org,
        case_code=clean_case_code(draft.case_code),
        note=clean_note(draft.note),
        coordinator=coordinator,
    )
    if problem := coordinator_problem(coordinator, given=bool(draft.coordinator)):
        raise UserError(*problem)
    problems = entry_problems(
        plan,
        date=cleaned.date,
        targets=targets,
        count=cleaned.count,
        area=cleaned.area,
        organisation=org,
        case_code=cleaned.case_code,
        coordinator=coordinator,
        note=cleaned.note,
    )
    if problems:
        raise UserError(*problems[0][1])
    return cleaned, warnings
