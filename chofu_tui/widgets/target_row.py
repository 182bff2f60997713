"""One target's counter: label, 実績 / 目標, a bar with the even-pace mark, %, 目安 and status."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.widget import Widget

from chofu_tui import i18n
from chofu_tui.plan import Plan, Target, TargetKind
from chofu_tui.services.progress import Status, TargetProgress, figure_unit
from chofu_tui.services.year_view import short_labels
from chofu_tui.textfmt import fit

STATUS_STYLE = {
    Status.AHEAD: "bold #5fafff",
    Status.ON_PACE: "bold #5fd75f",
    Status.BEHIND: "bold #ff5f5f",
}
WIDE_LABEL = 100  # a row this wide shows the whole label; narrower, the short one (略称)
BAR_BG = {Status.AHEAD: "#1f5f9f", Status.ON_PACE: "#2f7f2f", Status.BEHIND: "#9f2f2f"}


def figure(p: TargetProgress) -> str:
    """`123 / 800 回`; `5 / 8 圏域`; `37団体 / 160団体 (95回)`."""
    t = p.target
    if t.kind is TargetKind.PER_AREA:
        return f"{p.actual} / {p.goal} {figure_unit(t)}"
    if t.kind is TargetKind.DISTINCT:
        return f"{p.actual}{t.unit} / {p.goal}{t.unit} ({p.approaches or 0}回)"
    return f"{p.actual} / {p.goal} {t.unit}"


def bar(p: TargetProgress, width: int) -> Text:
    """Spaces with a coloured background (no ambiguous-width glyphs); '|' marks the even pace."""
    filled = round(min(p.ratio, 1.0) * width)
    mark = min(width - 1, int(p.expected_by_as_of / p.goal * width)) if p.goal else -1
    text = Text()
    for i in range(width):
        style = f"on {BAR_BG[p.status]}" if i < filled else "on #3a3a3a"
        text.append("|" if i == mark else " ", style=f"bold white {style}")
    return text


SHORTS_CACHE: dict[int, tuple[Plan, dict[str, str]]] = {}


def shorts_of(plan: Plan) -> dict[str, str]:
    """short_labels for `plan`, worked out once per plan (every row asks)."""
    hit = SHORTS_CACHE.get(id(plan))
    if hit is None or hit[0] is not plan:
        SHORTS_CACHE.clear()  # one plan shown at a time
        hit = SHORTS_CACHE[id(plan)] = (plan, short_labels(plan))
    return hit[1]


class TargetRow(Widget, can_focus=True):
    """A counter row; focusable so a program-area screen can offer its target to quick entry."""

    DEFAULT_CSS = """
    TargetRow { height: 1; }
    TargetRow.per-area { height: 2; }
    TargetRow:focus { background: $boost; }
    """

    BINDINGS = [  # noqa: RUF012
        ("down", "app.focus_next"),
        ("up", "app.focus_previous"),
    ]

    def __init__(
        self,
        target: Target,
        *,
        label_prefix: str = "",
        focusable: bool = True,
        short: str | None = None,
    ) -> None:
        """`short`: the target's short label (略称); by default the one short_labels gives
        for the plan the app shows, so no two rows read the same at 80 columns."""
        super().__init__(id=f"row-{target.id}", classes="target-row")
        self.can_focus = focusable
        self.target = target
        self.label_prefix = label_prefix
        self._short = short
        self.progress: TargetProgress | None = None
        if target.kind is TargetKind.PER_AREA:
            self.add_class("per-area")

    def show(self, p: TargetProgress | None) -> None:
        self.progress = p
        self.refresh()

    @property
    def line(self) -> str:
        """The row as plain text (what a user reads; used by tests)."""
        return self.render().plain

    @property
    def short(self) -> str:
        if self._short is None:
            view = getattr(self.app, "view", None)
            plan = getattr(view, "plan", None)
            shorts = shorts_of(plan) if isinstance(plan, Plan) else {}
            self._short = shorts.get(self.target.id) or self.target.short or self.target.label
        return self._short

    def render(self) -> Text:
        width = self.size.width or 100
        name = self.target.label if width >= WIDE_LABEL else self.short
        label = self.label_prefix + name
        p = self.progress
        if p is None:
            return Text(fit(label, width - 12) + " " + i18n.LOADING)
        fig = figure(p)
        bar_w = 20 if width >= 110 else 10 if width >= 76 else 6
        fig_w = max(13, cell_len(fig))
        pct = f"{min(p.ratio, 9.99) * 100:.0f}%"
        expected = f"{i18n.EXPECTED} {p.expected_by_as_of:.0f}"
        right = fig_w + 1 + bar_w + 1 + 4 + 1 + 9 + 1 + 4
        text = Text(fit(label, max(4, width - right - 1)) + " ")
        text.append(fit(fig, fig_w, "r"), style="bold")
        text.append(" ")
        text.append_text(bar(p, bar_w))
        text.append(" " + fit(pct, 4, "r") + " ")
        text.append(fit(expected, 9, "r"), style="dim")
        text.append(" ")
        text.append(fit(p.status.label, 4), style=STATUS_STYLE[p.status])
        if self.target.kind is TargetKind.PER_AREA:
            text.append("\n  ")
            for no in sorted(p.by_area):
                met = no in p.areas_met
                text.append(
                    f"{no}{i18n.MET if met else i18n.NOT_MET}",
                    style="bold #5fd75f" if met else "#ff5f5f",
                )
                text.append(" ")
        return text
