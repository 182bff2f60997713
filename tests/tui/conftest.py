"""Pilot tests: a file store in tmp_path, a private plan dir, and a pinned today."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.worker import WorkerFailed

from chofu_tui.app import ChofuApp
from chofu_tui.context import Context
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import entries
from chofu_tui.services import settings as settings_service
from chofu_tui.store import open_store
from chofu_tui.widgets.target_row import TargetRow

TODAY = dt.date(2024, 12, 13)  # a Friday inside 令和6年度


def make_ctx(tmp_path: Path, today: dt.date = TODAY) -> Context:
    catalog = PlanCatalog(user_dir=tmp_path / "plans")
    ctx = Context(catalog, tmp_path / "chofu.db", today=lambda: today)
    ctx._db = open_store(tmp_path / "chofu.db")
    return ctx


def seed(ctx: Context) -> None:
    """A small year: 3 awareness, 2 community approaches to one group, a meeting in area 1."""
    log: Callable[..., entries.Saved] = lambda *targets, **kw: entries.log_entry(  # noqa: E731
        ctx.catalog,
        entries.EntryDraft(targets=targets, date=kw.pop("date", dt.date(2024, 6, 3)), **kw),
    )
    log("awareness", area=2, count=3, note="サロンで啓発", coordinator="石井")
    log("community-approach", area=2, organisation="ひだまりサロン若葉", coordinator="石井")
    log(
        "community-approach",
        area=2,
        organisation="ひだまりサロン 若葉 ",
        date=dt.date(2024, 7, 1),
        coordinator="石井",
    )
    log("network-meeting", area=1, date=dt.date(2024, 9, 9), coordinator="青木")
    settings_service.save(settings_service.UserSettings("石井", 2))


@pytest.fixture
def ctx(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Context:
    monkeypatch.setenv("CHOFU_TUI_TODAY", TODAY.isoformat())
    context = make_ctx(tmp_path)
    seed(context)
    return context


async def settle(pilot: Pilot) -> None:
    """Let workers finish and the screen catch up with their results."""
    for _ in range(3):
        await pilot.pause()
        # a failed worker is said on screen (the error policy): tests assert that
        with contextlib.suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def row(app: ChofuApp, target_id: str) -> str:
    return app.screen.query_one(f"#row-{target_id}", TargetRow).line


def text_of(app: ChofuApp, selector: str) -> str:
    return str(app.screen.query_one(selector).render())


def notifications(app: ChofuApp) -> list[str]:
    return [n.message for n in app._notifications]


async def started(pilot: Pilot) -> None:
    """The app's start, with what it does once the first figures are up (the day's backup,
    the conflicts badge: app.BACKUP_DELAY later, so that they never delay the figures)."""
    from chofu_tui.app import BACKUP_DELAY

    await settle(pilot)
    await pilot.pause(BACKUP_DELAY + 0.2)
    await settle(pilot)
