"""The App: global keys, screen modes, the fiscal year on screen. Thin: screens do the showing."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from textual import work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from chofu_tui import i18n
from chofu_tui.context import Context
from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan
from chofu_tui.safetext import one_line, strip_controls
from chofu_tui.screens.base import YearApp, YearLoaded
from chofu_tui.services.entries import Saved
from chofu_tui.services.progress import figure_unit
from chofu_tui.services.year_view import YearView, data_version, load_year

KEY_CONFLICTS = "競合"

# How often the app asks the store whether another process wrote to it (one cheap PRAGMA).
POLL_SECONDS = 1.0


def _dashboard() -> Screen:
    from chofu_tui.screens.dashboard import DashboardScreen

    return DashboardScreen()


# Keys 1-9 open the shown plan's program areas, in plan order (a plan has one to nine).
PROGRAM_KEYS = range(1, 10)


def _log() -> Screen:
    from chofu_tui.screens.entry_log import EntryLogScreen

    return EntryLogScreen()


def _orgs() -> Screen:
    from chofu_tui.screens.organisations import OrganisationsScreen

    return OrganisationsScreen()


def _settings() -> Screen:
    from chofu_tui.screens.settings import SettingsScreen

    return SettingsScreen()


class FiguresLoaded(Message):
    """The load worker's result: the year's figures, and the save that asked for them."""

    def __init__(self, view: YearView, saved: Saved | None) -> None:
        super().__init__()
        self.view = view
        self.saved = saved


class OldRowsFound(Message):
    """The start-up check's result: entries stored before today's input rules."""

    def __init__(self, entries: int) -> None:
        super().__init__()
        self.entries = entries


# Keys that change what is on screen; a dialog in front keeps them for itself.
NAVIGATION = {
    *("mode", "help", "new_entry", "report", "year", "create_plan", "view_latest", "edit_plan")
}


BACKUP_DELAY = 0.3  # seconds after start: the day's backup, after the first figures
OLD_ROWS_DELAY = 1.5  # seconds after start: the check reads every entry


class ChofuApp(YearApp):
    TITLE = i18n.APP_TITLE
    CSS_PATH = "app.tcss"
    MODES = {  # noqa: RUF012 - Textual's class attribute; program areas are added per plan
        "dashboard": _dashboard,
        "log": _log,
        "orgs": _orgs,
        "settings": _settings,
    }
    BINDINGS = [  # noqa: RUF012
        Binding("n", "new_entry", i18n.KEY_NEW, id="new-entry"),
        # Shown among the keys: the footer's own palette corner garbles wide characters.
        Binding("ctrl+p", "command_palette", i18n.KEY_PALETTE, priority=True, id="palette"),
        Binding("question_mark", "help", i18n.KEY_HELP, id="help"),
        Binding("d", "mode('dashboard')", i18n.KEY_DASHBOARD, id="dashboard"),
        # Named from the plan once it is loaded (see _name_program_keys).
        *(
            Binding(str(n), f"program({n})", i18n.KEY_PROGRAM.format(n=n), id=f"area-{n}")
            for n in PROGRAM_KEYS
        ),
        Binding("l", "mode('log')", i18n.KEY_LOG, id="log"),
        Binding("o", "mode('orgs')", i18n.KEY_ORGS, id="orgs"),
        Binding("s", "mode('settings')", i18n.KEY_SETTINGS, id="settings"),
        Binding("r", "report", i18n.KEY_REPORT, id="report"),
        Binding("t", "scope", i18n.KEY_SCOPE, id="scope"),
        Binding("w", "summary", i18n.KEY_SUMMARY, id="summary"),
        Binding("left_square_bracket", "year(-1)", i18n.KEY_PREV_YEAR, id="prev-year"),
        Binding("right_square_bracket", "year(1)", i18n.KEY_NEXT_YEAR, id="next-year"),
        Binding("c", "create_plan", i18n.KEY_CREATE_PLAN, id="create-plan"),
        Binding("p", "edit_plan", "計画の編集", id="edit-plan"),  # the user's own plan only
        Binding("v", "view_latest", i18n.KEY_VIEW_LATEST, id="view-latest"),
        Binding("q", "quit", i18n.KEY_QUIT, id="quit"),
        # shown only while there are conflicts, as 「競合 N」 (the badge)
        Binding("exclamation_mark", "conflicts", KEY_CONFLICTS, id="conflicts"),
    ]

    def __init__(
        self, ctx: Context, *, demo: bool = False, demo_dir: object = None, locked: bool = False
    ) -> None:
        super().__init__()
        self.ctx = ctx
        self.awaiting_passphrase = (
            locked  # an encrypted store not yet opened: its passphrase is asked first
        )
        self.demo = demo
        self._demo_dir = demo_dir  # a TemporaryDirectory, removed when the app goes
        self.fy = FiscalYear.of(ctx.today())
        self.view: YearView | None = None
        # The program areas keys 1-9 open: the last plan shown (a year without a plan keeps
        # the keys of the plan before it, and its screens show the no-plan banner).
        self.program_areas = ()
        self._demo_filled = not demo
        self._seen_version: int | None = None  # the store's data_version the figures reflect
        # 全体 / 担当圏域 / 記録者: what the dashboard and program screens count (the settings
        # remember it; read by the first load)
        self.scope: str | None = None
        self._scope_said: set[str] = set()  # why a scope cannot apply: said once a run
        self.conflicts = 0  # records changed on two laptops without seeing each other

    def on_mount(self) -> None:
        if self.awaiting_passphrase:
            from chofu_tui.screens.unlock import UnlockScreen

            where = str(self.ctx.db_path)
            self.push_screen(UnlockScreen(where, self.ctx.unlock), callback=self._unlocked)
            return
        self._start()

    def _unlocked(self, opened: bool | None) -> None:
        if opened:
            self.awaiting_passphrase = False
            self._start()

    def _start(self) -> None:
        self.switch_mode("dashboard")
        self.reload()
        self.set_interval(POLL_SECONDS, self._poll_store, name="poll-store")
        # After the first figures are up (a start stays fast), once per run.
        self.set_timer(OLD_ROWS_DELAY, self._check_old_rows, name="old-rows")
        # in a thread, once the first figures are up: a day's first start copies and checks
        # the store (~1 s at 100,000 entries); no save can come before it (a form takes longer)
        self.set_timer(BACKUP_DELAY, self._backup_at_start, name="backup")

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every message of this app may carry user text (a name, a memo, a path): it is shown
        literally, never parsed as markup, and without control characters."""
        super().notify(
            strip_controls(str(message), multiline=True),
            title=strip_controls(str(title)),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    def _poll_store(self) -> None:
        """Another process (the CLI, another window, a merge) wrote: show it without a key."""
        try:
            version = data_version()
        except Exception:  # a store being closed or swapped: the next tick asks again
            return
        if self._seen_version is not None and version != self._seen_version:
            self.reload()
        self._seen_version = version

    def on_unmount(self) -> None:
        self.ctx.close()

    def reload(self, saved: Saved | None = None) -> None:
        """Load the shown year again; what was written until now is in what it loads."""
        self._mark_seen()
        self._reload(saved)

    def _mark_seen(self) -> None:
        try:
            self._seen_version = data_version()
        except Exception:  # the next poll then only records the version
            self._seen_version = None

    # Loading the shown year's figures (a thread: never freezes typing). The worker posts
    # `FiguresLoaded`; an error ends it and `on_worker_state_changed` says what went wrong.
    @work(thread=True, exclusive=True, group="load", exit_on_error=False)
    def _reload(self, saved: Saved | None = None) -> None:
        if not self._demo_filled:
            from chofu_tui.services.demo import DEMO_YEAR, fill_demo

            fill_demo(self.ctx.catalog.get(DEMO_YEAR).plan, self.ctx.today())
            self._demo_filled = True
            # Our own writes, loaded just below: not "another writer" for the poll.
            self.call_from_thread(self._mark_seen)
        from chofu_tui.services import settings

        if self.scope is None:
            self.scope = settings.load_scope()
        area, coordinator, _ = settings.scope_filter(self.scope, settings.load())
        view = load_year(
            self.ctx.catalog, self.fy, self.ctx.today(), area=area, coordinator=coordinator
        )
        self.post_message(FiguresLoaded(view, saved))

    # The badge is counted once the figures are drawn (a scan of the change log's heads,
    # ~25-40 ms at 100,000 entries): it never delays them.
    @work(thread=True, exclusive=True, group="conflicts", exit_on_error=False)
    def _count_conflicts(self) -> None:
        from chofu_tui.services.history import conflict_count

        n = conflict_count()
        with contextlib.suppress(RuntimeError):  # the app closed meanwhile
            self.call_from_thread(self._show_conflicts, n)

    def _show_conflicts(self, n: int) -> None:
        """The badge: the conflicts key reads 「競合 N」 and is shown only while N > 0."""
        if n == self.conflicts:
            return
        self.conflicts = n
        self._bindings.key_to_bindings["exclamation_mark"] = [
            Binding("exclamation_mark", "conflicts", f"{KEY_CONFLICTS} {n}", id="conflicts")
        ]
        self.refresh_bindings()

    @work(thread=True, exclusive=True, group="backup", exit_on_error=False)
    def _backup_at_start(self) -> None:
        """Today's backup when this is the day's first start (a stat when it is not)."""
        from chofu_tui.services.backups import at_open

        # a demo's store is thrown away: no backup of it
        for warning in at_open(writes=not self.demo, in_thread=True):
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                self.call_from_thread(self.notify, warning, severity="warning", timeout=12)

    # Rows stored before today's input rules keep counting; say once how many there are.
    def _check_old_rows(self) -> None:
        from chofu_tui.services.checks import find_problems

        found = {p.uuid for p in find_problems(self.ctx.catalog)}
        if found:
            self.post_message(OldRowsFound(len(found)))

    def on_old_rows_found(self, message: OldRowsFound) -> None:
        self.notify(i18n.OLD_ROWS.format(n=message.entries), severity="warning", timeout=12)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.error is not None:
            self.report_error(event.worker.error)

    def on_figures_loaded(self, message: FiguresLoaded) -> None:
        view, saved = message.view, message.saved
        if view.fy != self.fy:
            return  # a newer year was asked for while this one loaded
        if not self.screen_stack:
            return  # the app is closing: a load that finished after its screens went
        previous, self.view = self.view, view
        if view.plan is not None:
            self._name_program_keys(view.plan)
        # The screens on top (a year screen, and the one under a dialog) show it now; the
        # others catch up when they come back to the front.
        for screen in self.screen_stack:
            screen.post_message(YearLoaded(view))
        self.refresh_bindings()  # `c`/`v` only while the year has no plan
        # the first time after the start's figures are drawn, then at every load
        if previous is None:
            self.set_timer(BACKUP_DELAY, self._count_conflicts)
        else:
            self.call_after_refresh(self._count_conflicts)
        if saved is not None:
            self._notify_saved(view, saved, previous)

    def _name_program_keys(self, plan: Plan) -> None:
        """Keys 1-9 name the plan's program areas; a plan with other program areas than the
        one before gets fresh program screens (those of the old plan are dropped)."""
        areas = plan.program_areas
        if [pa.id for pa in areas] == [pa.id for pa in self.program_areas]:
            self.program_areas = areas
            return
        self.program_areas = areas
        if self.current_mode.startswith("area-"):
            self.switch_mode("dashboard")  # the area on screen may not be in this plan
        for n in PROGRAM_KEYS:
            mode = f"area-{n}"
            if mode in self._modes and mode != self.current_mode:
                self.remove_mode(mode)
            if n <= len(areas) and mode not in self._modes:
                self.add_mode(mode, self._program_screen(areas[n - 1].id))
            # Shown in the key bar, the help and the command palette (Binding is frozen).
            label = one_line(areas[n - 1].key_name) if n <= len(areas) else ""
            self._bindings.key_to_bindings[str(n)] = [
                Binding(
                    str(n),
                    f"program({n})",
                    label or i18n.KEY_PROGRAM.format(n=n),
                    id=f"area-{n}",
                )
            ]

    @staticmethod
    def _program_screen(pa_id: str) -> Callable[[], Screen]:
        def make() -> Screen:
            from chofu_tui.screens.program_area import ProgramAreaScreen

            return ProgramAreaScreen(pa_id)

        return make

    def _notify_saved(self, view: YearView, saved: Saved, previous: YearView | None) -> None:
        for warning in saved.warnings:
            self.notify(warning, severity="warning", timeout=8)
        entry = saved.entry
        if view.progress is None or not view.fy.contains(entry.date):
            fy = entry.fiscal_year.label  # the year it went to, not a +1 here
            self.notify(i18n.SAVED_NOT_COUNTED.format(fy=fy), severity="warning")
            return
        lines = []
        for tid in entry.targets:
            p = view.progress.get(tid)
            unit = figure_unit(p.target)
            lines.append(
                i18n.SAVED_LINE.format(
                    label=p.target.label, n=entry.count, actual=p.actual, goal=p.goal, unit=unit
                )
            )
        # A new organisation also moves the figure counted from it (団体数).
        before = previous.progress if previous and previous.fy == view.fy else None
        for p in view.progress.targets:
            if p.target.source in entry.targets and before is not None:
                gained = p.actual - before.get(p.target.id).actual
                if gained > 0:
                    lines.append(
                        i18n.SAVED_LINE.format(
                            label=p.target.label,
                            n=gained,
                            actual=p.actual,
                            goal=p.goal,
                            unit=p.target.unit,
                        )
                    )
        self.notify("\n".join(lines), title=i18n.KEY_SAVE)

    # Keys.
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if self.awaiting_passphrase:  # nothing but the passphrase until the store is open
            return action == "quit"
        if action in NAVIGATION and isinstance(self.screen, ModalScreen):
            return False
        if action in ("create_plan", "view_latest"):
            return self.view is not None and self.view.plan is None
        if action == "edit_plan":  # the bundled plan is the city's document: not edited here
            view = self.view
            return view is not None and view.loaded is not None and not view.loaded.bundled
        if action == "conflicts":
            return self.conflicts > 0
        if action == "program":  # only the keys of the plan's program areas
            n = parameters[0]
            return isinstance(n, int) and n <= len(self.program_areas)
        return True

    def action_command_palette(self) -> None:
        """Textual's palette, with a Japanese prompt."""
        from textual.command import CommandPalette

        # CommandPalette.is_open asks the same, typed for App[object]
        if self.use_command_palette and not isinstance(self.screen, CommandPalette):
            self.push_screen(
                CommandPalette(id="--command-palette", placeholder=i18n.PALETTE_PROMPT)
            )

    def get_key_display(self, binding: Binding) -> str:
        key = super().get_key_display(binding)
        names = {"esc": "Esc", "escape": "Esc", "tab": "Tab", "enter": "Enter", "⏎": "Enter"}
        return names.get(key, key)

    def action_mode(self, mode: str) -> None:
        while len(self.screen_stack) > 1:  # leave help or a report before going elsewhere
            self.pop_screen()
        self.switch_mode(mode)

    def action_program(self, n: int) -> None:
        if 1 <= n <= len(self.program_areas):
            self.action_mode(f"area-{n}")

    def action_conflicts(self) -> None:
        from chofu_tui.screens.conflicts import ConflictsScreen

        if not isinstance(self.screen, ConflictsScreen):
            self.push_screen(ConflictsScreen())

    def action_help(self) -> None:
        from chofu_tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_year(self, step: int) -> None:
        self.show_year(FiscalYear(self.fy.year + step))

    def show_year(self, fy: FiscalYear) -> None:
        if not 2019 <= fy.year <= 2100:
            return
        self.fy = fy
        self.reload()

    def action_create_plan(self) -> None:
        try:
            path = self.ctx.catalog.write_next(self.fy)
        except UserError as exc:
            self.notify(exc.message, severity="error")
            return
        self.notify(i18n.PLAN_CREATED.format(fy=self.fy.label, path=path))
        self.reload()
        self.action_edit_plan()  # a new year's targets are set next, without a text editor

    def action_edit_plan(self) -> None:
        from chofu_tui.screens.plan_editor import PlanEditorScreen

        try:
            editor = PlanEditorScreen(self.ctx.catalog, self.fy)
        except UserError as exc:
            self.notify(exc.message, severity="error")
            return
        self.push_screen(editor, lambda saved: self.reload() if saved else None)

    def action_view_latest(self) -> None:
        latest = self.ctx.catalog.latest()
        if latest is not None:
            self.show_year(latest)

    def action_new_entry(self) -> None:
        view = self.view
        if view is None or view.plan is None:
            self.notify(i18n.NO_PLAN_FOR_ENTRY.format(fy=self.fy.label), severity="warning")
            return
        from chofu_tui.screens.quick_entry import QuickEntryDialog

        today = self.ctx.today()
        day = today if view.fy.contains(today) else view.as_of
        picked = getattr(self.screen, "highlighted_target", None)
        dialog = QuickEntryDialog(self.ctx, view.plan, day=day, preselect=picked)
        self.push_screen(dialog, self._after_entry)

    def _after_entry(self, saved: Saved | None) -> None:
        if saved is not None:
            self.reload(saved)

    def action_scope(self) -> None:
        """全体 → 担当圏域 → 記録者 → 全体, skipping a scope the settings cannot give (said once)."""
        from chofu_tui.services import settings

        user = settings.load()
        current = self.scope or "all"
        order = settings.SCOPES
        chosen = "all"
        for step in range(1, len(order)):
            candidate = order[(order.index(current) + step) % len(order)]
            why = settings.scope_filter(candidate, user)[2]
            if why is None:
                chosen = candidate
                break
            if candidate not in self._scope_said:
                self._scope_said.add(candidate)
                self.notify(why, severity="warning")
        self.scope = chosen
        try:
            settings.save_scope(chosen)
        except Exception as exc:  # a read-only store still shows the scope
            self.report_error(exc)
        self.notify(i18n.SCOPE_SHOWN.format(scope=settings.SCOPE_LABELS[chosen]))
        self.reload()

    def action_summary(self) -> None:
        view = self.view
        if view is None or view.plan is None:
            self.notify(i18n.NO_PLAN_FOR_ENTRY.format(fy=self.fy.label), severity="warning")
            return
        from chofu_tui.screens.summary import SummaryScreen

        if not isinstance(self.screen, SummaryScreen):
            self.push_screen(SummaryScreen(self.ctx, view.plan, view.as_of))

    def action_report(self) -> None:
        view = self.view
        if view is None or view.plan is None:
            self.notify(i18n.NO_PLAN_FOR_ENTRY.format(fy=self.fy.label), severity="warning")
            return
        from chofu_tui.screens.report import ReportScreen

        self.push_screen(ReportScreen(self.ctx, view.plan, view.as_of))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """The command palette (ctrl+p) lists the app's own keys, in Japanese."""
        for binding in self.app_bindings():
            action = binding.action

            def run(action: str = action) -> None:
                self.call_later(self.run_action, action)

            key = binding.key.replace("left_square_bracket", "[").replace(
                "right_square_bracket", "]"
            )
            key = key.replace("question_mark", "?")
            yield SystemCommand(binding.description, f"キー {key}", run)


def make_app(db_path: Path | str | None = None, demo: bool = False) -> ChofuApp:
    """Build the app on the user's store (a path or a URL), or (demo) on a
    throwaway one in a temp directory."""
    if demo:
        import tempfile

        from chofu_tui.plan import PlanCatalog
        from chofu_tui.services.demo import DEMO_AS_OF

        tmp = tempfile.TemporaryDirectory(prefix="chofu-tui-demo-")
        root = Path(tmp.name)
        pinned = os.environ.get("CHOFU_TUI_TODAY")
        as_of = dt.date.fromisoformat(pinned) if pinned else DEMO_AS_OF
        ctx = Context.open(root / "demo.db", catalog=PlanCatalog(user_dir=root / "plans"))
        ctx.today = lambda: as_of
        return ChofuApp(ctx, demo=True, demo_dir=tmp)
    locked = Context.open(db_path, needs_store=False)
    if locked.needs_unlock():  # encrypted, no CHOFU_TUI_PASSPHRASE: the app asks first
        return ChofuApp(locked, locked=True)
    return ChofuApp(Context.open(db_path))
