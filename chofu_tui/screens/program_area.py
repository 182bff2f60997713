"""A program area (Ⅰ 相談支援 ...): each initiative's text, its counters, months and recent entries."""

from __future__ import annotations

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Label, Sparkline, Static

from chofu_tui import i18n
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Initiative, Plan, ProgramArea
from chofu_tui.safetext import one_line
from chofu_tui.screens.base import YearScreen
from chofu_tui.screens.evaluation import EvaluationDialog
from chofu_tui.services import evaluations
from chofu_tui.services.entries import EntryRecord
from chofu_tui.services.entry_log import memo_summary
from chofu_tui.services.progress import approached_monthly
from chofu_tui.services.year_view import YearView, recent_entries
from chofu_tui.widgets.header import AppHeader, NoPlanBanner
from chofu_tui.widgets.keybar import KeyBar
from chofu_tui.widgets.phrase_text import PhraseText
from chofu_tui.widgets.target_row import TargetRow, shorts_of

MONTHS = ["4", "5", "6", "7", "8", "9", "10", "11", "12", "1", "2", "3"]
# The monthly line is the report's monthly figure (the months add up to the year); its label
# says how a kind counts a month: organisations first reached, areas that reached the minimum.
MONTH_LABEL = {"distinct": "新規団体", "per_area": "達成圏域"}
# A distinct target's organisations approached in each month, under its own name: one seen in
# two months counts in both, so these do not add up to the year.
APPROACHED = "働きかけ"


def month_label(kind: str) -> str:
    """月別 4-3月 for a count; a distinct or per_area target's label says what a month counts
    (14 cells at most: the sparkline follows)."""
    return f"{MONTH_LABEL[kind]} {i18n.MONTHLY}" if kind in MONTH_LABEL else f"{i18n.MONTHLY} 4-3月"


def months_text(months: list[int]) -> str:
    return " ".join(f"{m}:{n}" for m, n in zip(MONTHS, months, strict=True) if n)


def evaluation_text(text: str) -> Text:
    """An initiative's 評価・課題 as shown: its lines as written (literal), or 「(未記入)」."""
    label = (f"【{i18n.EVALUATION}】", "bold")
    if not text:
        return Text.assemble(label, (i18n.EVALUATION_EMPTY, "dim"))
    return Text.assemble(label, "\n" if "\n" in text else "", text)


def entry_line(rec: EntryRecord, plan: Plan) -> str:
    """One line per entry (shown as plain text): the memo's first line, 「…」 when it has more."""
    shorts = shorts_of(plan)
    labels = "、".join(shorts.get(tid, tid) for tid in rec.targets if plan.target(tid))
    who = rec.organisation or rec.case_code or ""
    # The organisation or case and the memo first: the labels are what gets cropped at 80
    # columns (the initiative's own targets, named above).
    head = f"{rec.date.isoformat()} 圏域{rec.area} {rec.count}回"
    memo = memo_summary(rec.note)
    parts = (head, one_line(who), f"「{memo}」" if memo else "", one_line(labels))
    return " ".join(part for part in parts if part)


class RecentLoaded(Message):
    """The recent-entries worker's result: entries per initiative, organisations per month."""

    def __init__(
        self,
        plan: Plan,
        found: dict[str, list[EntryRecord]],
        approached: dict[str, list[int]],
        evaluations: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.plan = plan
        self.found = found
        self.approached = approached
        self.evaluations = evaluations or {}


class ProgramAreaScreen(YearScreen):
    CSS_PATH = "program_area.tcss"
    BINDINGS = [  # noqa: RUF012
        Binding("e", "evaluation", i18n.KEY_EVALUATION, id="evaluation"),
    ]

    def __init__(self, pa_id: str) -> None:
        super().__init__()
        self.pa_id = pa_id
        self._plan: Plan | None = None

    @property
    def program_area(self) -> ProgramArea | None:
        view = self.view
        plan = view.plan if view else None
        return (
            next((pa for pa in plan.program_areas if pa.id == self.pa_id), None) if plan else None
        )

    @property
    def highlighted_target(self) -> str | None:
        """The focused target row: quick entry starts with it ticked."""
        focused = self.focused
        return focused.target.id if isinstance(focused, TargetRow) else None

    @property
    def focused_initiative(self) -> Initiative | None:
        """The initiative of the focused target row (the first one when none is focused)."""
        pa = self.program_area
        if pa is None or not pa.initiatives:
            return None
        tid = self.highlighted_target
        return (
            next((i for i in pa.initiatives if any(t.id == tid for t in i.targets)), None)
            or (pa.initiatives[0])
        )

    def compose(self) -> ComposeResult:
        pa = self.program_area
        yield AppHeader(pa.short_title if pa else self.pa_id)
        yield NoPlanBanner(id="banner")
        yield VerticalScroll(id="body")
        yield KeyBar()

    def _initiative(self, ini: Initiative) -> Vertical:
        mark = " [困窮者支援事業]" if ini.subsidy else ""
        # Plan text is the user's file: shown literally, never parsed as markup.
        title = Text(f"{one_line(ini.heading)}\n{one_line(ini.title)}{mark}")
        parts: list[Widget] = [Static(title, classes="ini-title")]
        for t in ini.targets:
            parts.append(TargetRow(t))
            parts.append(
                Horizontal(
                    Label(month_label(t.kind), classes="muted"),
                    Sparkline([0] * 12, id=f"spark-{t.id}"),
                    Static("", id=f"months-{t.id}", classes="muted months"),
                    classes="monthly",
                )
            )
            if t.kind == "distinct":
                parts.append(
                    Horizontal(
                        Label(f"{APPROACHED} {i18n.MONTHLY}", classes="muted"),
                        Static("", id=f"approached-{t.id}", classes="muted months"),
                        classes="monthly",
                    )
                )
        for name, text in (
            (i18n.CONTENT, ini.content),
            (i18n.EFFECT, ini.expected_effect),
            (i18n.QUALITATIVE, ini.qualitative_goal),
        ):
            # Wrapped by phrase, no line starting with 、。」）ー (widgets/phrase_text.py).
            parts.append(
                PhraseText(f"【{name}】", one_line("".join(text.split())), classes="ini-text")
            )
        parts.append(Static(evaluation_text(""), id=f"eval-{ini.id}", classes="evaluation"))
        parts.append(Static(i18n.RECENT, classes="recent-title"))
        parts.append(Static(i18n.LOADING, id=f"recent-{ini.id}", classes="recent"))
        return Vertical(*parts, classes="initiative", id=f"ini-{ini.id}")

    def show_view(self, view: YearView) -> None:
        self.run_worker(self._fill(view), group="fill", exclusive=True, exit_on_error=False)

    async def _fill(self, view: YearView) -> None:
        if view.plan is not self._plan:
            self._plan = view.plan
            body = self.query_one("#body", VerticalScroll)
            await body.remove_children()
            pa = self.program_area
            if pa is not None:
                for header in self.query(AppHeader):
                    header.screen_title = pa.short_title
                    header.show(view)
                widgets: list[Widget] = [self._initiative(ini) for ini in pa.initiatives]
                if pa.overview:
                    overview = " ".join(pa.overview.split())
                    widgets.append(
                        Static(Text(f"{i18n.OVERVIEW}{one_line(overview)}"), classes="overview")
                    )
                await body.mount_all(widgets)
                first = body.query(TargetRow).first()
                first.focus()
        if view.progress is None or view.plan is None:
            return
        for p in view.progress.targets:
            for row in self.query(f"#row-{p.target.id}").results(TargetRow):
                row.show(p)
            months = view.monthly.get(p.target.id)
            for spark in self.query(f"#spark-{p.target.id}").results(Sparkline):
                spark.data = months or [0] * 12
            if months is not None:
                shown = months_text(months)
                for static in self.query(f"#months-{p.target.id}").results(Static):
                    static.update(shown)
        pa = self.program_area
        if pa is not None:
            # the organisations approached follow the app's scope, as the figures do
            scope = (view.progress.area, view.progress.coordinator)
            self._load_recent(view.fy, view.plan, pa, scope)

    @work(thread=True, exclusive=True, group="recent", exit_on_error=False)
    def _load_recent(
        self,
        fy: FiscalYear,
        plan: Plan,
        pa: ProgramArea,
        scope: tuple[int | None, str | None] = (None, None),
    ) -> None:
        found = {
            ini.id: recent_entries(fy, [t.id for t in ini.targets if t.loggable])
            for ini in pa.initiatives
        }
        approached = approached_monthly(plan, area=scope[0], coordinator=scope[1])
        self.post_message(RecentLoaded(plan, found, approached, evaluations.all_for(fy)))

    def on_recent_loaded(self, message: RecentLoaded) -> None:
        self._show_recent(message.plan, message.found, message.approached)
        pa = self.program_area
        for ini in pa.initiatives if pa else ():
            self._show_evaluation(ini.id, message.evaluations.get(ini.id, ""))

    def _show_evaluation(self, initiative_id: str, text: str) -> None:
        for static in self.query(f"#eval-{initiative_id}").results(Static):
            static.update(evaluation_text(text))

    def action_evaluation(self) -> None:
        """e: write the focused initiative's 評価・課題 for the shown year."""
        view = self.view
        ini = self.focused_initiative
        if view is None or view.plan is None or ini is None:
            return
        fy = view.fy

        def saved(text: str | None) -> None:
            if text is None:
                return  # closed without saving
            if self.view is not None and self.view.fy.year == fy.year:
                self._show_evaluation(ini.id, text)
            # our own write: loaded now (screens then read it again), not taken for another
            # program's at the next poll of the store
            self.chofu.reload()
            self.notify(f"{i18n.EVALUATION}を{'保存' if text else '消去'}しました")

        # one row read by its unique key: quick enough to do before the dialog opens
        self.app.push_screen(EvaluationDialog(fy, ini, evaluations.get(fy, ini.id)), saved)

    def _show_recent(
        self,
        plan: Plan,
        found: dict[str, list[EntryRecord]],
        approached: dict[str, list[int]] | None = None,
    ) -> None:
        for tid, months in (approached or {}).items():
            for static in self.query(f"#approached-{tid}").results(Static):
                static.update(months_text(months))
        for ini_id, recs in found.items():
            # One line per entry, cropped at the edge rather than wrapped mid-phrase.
            text = Text(
                "\n".join(entry_line(r, plan) for r in recs) or i18n.NO_ENTRIES,
                no_wrap=True,
                overflow="crop",
            )
            for static in self.query(f"#recent-{ini_id}").results(Static):
                static.update(text)
