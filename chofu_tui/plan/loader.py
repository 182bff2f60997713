"""Finding, loading and writing plan files. Errors name the file, the field and the problem."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.paths import bundled_plan_dir, make_private_dir, user_plan_dir
from chofu_tui.plan import cache as plan_cache
from chofu_tui.plan.models import Plan

PLAN_GLOB = "plan-*.toml"
_PLAN_NAME = re.compile(r"^plan-(\d{4})\.toml$")


def plan_file_name(fy: FiscalYear) -> str:
    """The file a year's plan lives in: plan-YYYY.toml (YYYY: the year the fiscal year starts)."""
    return f"plan-{fy.year}.toml"


def year_of_plan_file(name: str) -> int | None:
    """The fiscal year a plan file's name says (plan-2024.toml: 2024), or None."""
    named = _PLAN_NAME.match(name)
    return int(named.group(1)) if named else None


@dataclass(frozen=True)
class LoadedPlan:
    plan: Plan
    path: Path
    bundled: bool

    @property
    def fy(self) -> FiscalYear:
        return self.plan.fy


def _field_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(全体)"


def load_plan_file(path: Path) -> Plan:
    """Load and validate one plan file; a UserError names the file, field path and problem."""
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        raise UserError(f"計画ファイル {path} がありません", "plan file not found") from None
    except IsADirectoryError:
        raise UserError(
            f"{path} はフォルダーです。計画ファイルを指定してください", "is a directory"
        ) from None
    except OSError as exc:
        raise UserError(
            f"計画ファイル {path} を読めません: {exc.strerror}", "cannot read plan"
        ) from None
    cached = plan_cache.load(content)
    if cached is not None:
        return cached
    plan = _parse(content, path)
    plan_cache.store(content, plan)
    return plan


def check_plan_file(path: Path) -> Plan:
    """Load `path` as `plan check` does: valid, and a plan-YYYY.toml name that agrees with
    its fiscal_year (the catalog finds a plan by that name)."""
    plan = load_plan_file(path)
    if named := _PLAN_NAME.match(path.name):
        _check_name(path, plan, int(named.group(1)))
    return plan


def _check_name(path: Path, plan: Plan, year: int) -> None:
    if plan.fiscal_year != year:
        raise UserError(
            f"計画ファイル {path}: fiscal_year が {plan.fiscal_year} ですが、"
            f"ファイル名は {year} 年度です",
            "plan file name and fiscal_year disagree",
        )


def _parse(content: bytes, path: Path) -> Plan:
    import tomllib  # here: a start that finds the plan cached never imports it

    from chofu_tui.plan.validate import ValidationError, validate_plan

    try:
        data = tomllib.loads(content.decode("utf-8"))
    except UnicodeDecodeError:
        raise UserError(
            f"計画ファイル {path} が UTF-8 ではありません", "plan file is not UTF-8"
        ) from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(
            f"計画ファイル {path} の書式が正しくありません: {exc}", "plan file is not valid TOML"
        ) from None
    try:
        return validate_plan(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        more = f" (ほか {exc.error_count() - 1} 件)" if exc.error_count() > 1 else ""
        raise UserError(
            f"計画ファイル {path}: {_field_path(first['loc'])}: {_problem(first)}{more}",
            f"invalid plan file: {first['msg']}",
        ) from None


def _problem(error: Any) -> str:
    """pydantic's error, in Japanese for the kinds a hand-edited plan file runs into."""
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    known = {
        "unexpected_keyword_argument": "知らない項目です (書き間違いではありませんか)",
        "missing_argument": "必要な項目がありません",
        "missing": "必要な項目がありません",
        "greater_than_equal": f"{ctx.get('ge')} 以上にしてください",
        "less_than_equal": f"{ctx.get('le')} 以下にしてください",
        "int_parsing": "整数にしてください",
        "int_type": "整数にしてください",
        "string_type": "文字列にしてください",
        "string_too_short": "空にできません",
        "string_too_long": f"{ctx.get('max_length')} 文字以内にしてください",
        "too_short": "少なくとも1つ必要です",
        "enum": f"次のどれかにしてください: {ctx.get('expected')}",
        "date_from_datetime_parsing": "日付 (例: 2024-04-01) にしてください",
    }
    return known.get(kind, str(error["msg"]))


class PlanCatalog:
    """Every plan on disk, by fiscal year; a user's plan overrides a bundled one."""

    def __init__(self, bundled_dir: Path | None = None, user_dir: Path | None = None) -> None:
        self.bundled_dir = bundled_dir or bundled_plan_dir()
        self.user_dir = user_dir or user_plan_dir()
        self._paths: dict[int, tuple[Path, bool]] = {}
        self._cache: dict[int, LoadedPlan] = {}
        for directory, bundled in ((self.bundled_dir, True), (self.user_dir, False)):
            if directory.is_dir():
                for path in sorted(directory.glob(PLAN_GLOB)):
                    if (year := year_of_plan_file(path.name)) is not None:
                        self._paths[year] = (path, bundled)

    def years(self) -> list[FiscalYear]:
        return [FiscalYear(y) for y in sorted(self._paths)]

    def has(self, fy: FiscalYear) -> bool:
        return fy.year in self._paths

    def latest(self) -> FiscalYear | None:
        return FiscalYear(max(self._paths)) if self._paths else None

    def get(self, fy: FiscalYear) -> LoadedPlan:
        if fy.year in self._cache:
            return self._cache[fy.year]
        if fy.year not in self._paths:
            have = "、".join(y.label for y in self.years()) or "なし"
            raise UserError(
                f"{fy.label}の計画がありません (ある計画: {have})。"
                f"「chofu-tui plan new --fy {fy.year}」で作成できます",
                f"no plan for FY{fy.year}",
            )
        path, bundled = self._paths[fy.year]
        plan = load_plan_file(path)
        _check_name(path, plan, fy.year)
        loaded = LoadedPlan(plan, path, bundled)
        self._cache[fy.year] = loaded
        return loaded

    def choose(self, today: dt.date) -> tuple[FiscalYear, str | None]:
        """The year to show for `today`, and why, when it is not today's year."""
        current = FiscalYear.of(today)
        if self.has(current):
            return current, None
        latest = self.latest()
        if latest is None:
            raise UserError("計画ファイルが一つもありません", "no plan files found")
        return latest, (
            f"{current.label}の計画がまだありません。{latest.label}の計画を表示しています"
        )

    def user_path(self, fy: FiscalYear) -> Path:
        """Where the user's own plan for `fy` is (or would be) written."""
        return self.user_dir / plan_file_name(fy)

    def editable_text(self, fy: FiscalYear) -> str:
        """The text of the user's plan for `fy`, to be edited: the user's file, or the
        bundled plan as `plan new` would copy it (nothing is written here)."""
        loaded = self.get(fy)
        text = loaded.path.read_text(encoding="utf-8")
        return retarget_plan_text(text, fy, fy) if loaded.bundled else text

    def write_user_text(self, fy: FiscalYear, text: str) -> Path:
        """Validate `text` as the plan file for `fy` and write it, atomically, as the user's
        plan; a text that would not load, or names another year, is refused unwritten."""
        from chofu_tui.errors import cannot_write
        from chofu_tui.files import write_text

        dest = self.user_path(fy)
        plan = load_plan_text(text, dest)
        _check_name(dest, plan, fy.year)
        try:
            make_private_dir(self.user_dir)
            write_text(dest, text)
        except OSError as exc:
            raise cannot_write(f"計画ファイル {dest}", exc, "cannot write plan") from None
        self._paths[fy.year] = (dest, False)
        self._cache.pop(fy.year, None)  # read again: the next `get` sees the change
        return dest

    def write_next(self, fy: FiscalYear, source: FiscalYear | None = None) -> Path:
        """Copy a plan to a new year (dates and 令和 label updated) into the user's plan dir."""
        from chofu_tui.errors import cannot_write
        from chofu_tui.files import write_text

        src_fy = source or self.latest()
        if src_fy is None:
            raise UserError("元にする計画がありません", "no plan to copy from")
        dest = self.user_dir / plan_file_name(fy)
        if dest.exists():
            raise UserError(f"{dest} は既にあります。上書きしません", "plan file exists")
        src = self.get(src_fy)
        text = src.path.read_text(encoding="utf-8")
        text = retarget_plan_text(text, src_fy, fy)
        load_plan_text(text, dest)  # never write a file that would not load
        try:
            make_private_dir(self.user_dir)
            # atomic and owner-only: a failed write leaves no half plan and no stray temp file
            write_text(dest, text)
        except OSError as exc:
            raise cannot_write(f"計画ファイル {dest}", exc, "cannot write plan") from None
        self._paths[fy.year] = (dest, False)
        self._cache.pop(fy.year, None)
        return dest


def retarget_plan_text(text: str, old: FiscalYear, new: FiscalYear) -> str:
    """Rewrite the year-bound parts of a plan's text: fiscal_year, 令和 labels, issue date.

    The source's opening comments (which name its own source document) are replaced."""
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    text = "".join(lines)
    header = (
        f"# {new.label}の計画 ({old.label}の計画から chofu-tui plan new で作成)。\n"
        "# 目標値・事業内容を今年度の計画に合わせて確認・編集してください。\n"
    )
    text = re.sub(r"(?m)^fiscal_year\s*=\s*\d+", f"fiscal_year = {new.year}", text, count=1)
    text = re.sub(r"(?m)^issued\s*=\s*\S+", f"issued = {new.start.isoformat()}", text, count=1)
    for o, n in (
        (old.label, new.label),
        (f"令和{old.reiwa}年4月1日", f"令和{new.reiwa}年4月1日"),
        (f"令和{old.reiwa}年", f"令和{new.reiwa}年"),
        (f"令和{old.reiwa + 1}年3月31日", f"令和{new.reiwa + 1}年3月31日"),
    ):
        text = text.replace(o, n)
    return header + text


def load_plan_text(text: str, path: Path) -> Plan:
    """Validate plan text that is about to be written to `path`."""
    return _parse(text.encode("utf-8"), path)
