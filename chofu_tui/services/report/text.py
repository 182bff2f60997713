"""A report view as Markdown, for a quick look in the terminal or a mail.

Figure views are one table per initiative under program-area headings; the notes view lists
each initiative's notes under its 質的目標.

It is printed to terminals: every piece of text is one line without control characters
(safetext.one_line), so a note cannot clear the screen or retitle the window.
"""

from __future__ import annotations

from chofu_tui.safetext import one_line
from chofu_tui.services.report.model import SUBSIDY_MARK, NoteGroup, Report
from chofu_tui.services.report.tables import Cell, ColumnKind, View, as_text, table


def _cell(value: Cell, kind: ColumnKind) -> str:
    return _line(as_text(value, kind, "-")).replace("|", "\\|").strip()


def _line(text: str | None) -> str:
    return one_line(text or "")


def _header(report: Report) -> list[str]:
    lines = [
        f"# {_line(report.title)}",
        "",
        f"{report.as_of_label} / {_line(report.plan_title)}",
        "",
    ]
    if report.empty_message:
        lines += [f"> {_line(report.empty_message)}", ""]
    return lines


def _figures(report: Report, view: View) -> list[str]:
    t = table(report, view)
    # 施策, 取組 and ※ are the headings; the table starts at 目標ID
    first = 3
    cols = t.columns[first:]
    if view is not View.ANNUAL:
        cols = tuple(c for c in cols if c.header != "数え方")
    keep = [t.columns.index(c) for c in cols]
    lines: list[str] = []
    area = initiative = None
    for target, row in zip(t.targets, t.rows, strict=True):
        if target.program_area != area:
            area = target.program_area
            lines += [*([""] if lines else []), f"## {_line(area)}", ""]
        if target.initiative_id != initiative:
            initiative = target.initiative_id
            mark = f"{SUBSIDY_MARK} " if target.subsidy else ""
            lines += [*([""] if lines[-1] else []), f"### {mark}{_line(target.initiative)}", ""]
            lines.append("| " + " | ".join(_cell(c.header, ColumnKind.TEXT) for c in cols) + " |")
            lines.append(
                "|"
                + "|".join(
                    "---:" if c.kind in (ColumnKind.NUMBER, ColumnKind.RATE) else "---"
                    for c in cols
                )
                + "|"
            )
        lines.append("| " + " | ".join(_cell(row[i], t.columns[i].kind) for i in keep) + " |")
    if report.subsidy_only or any(r.subsidy for r in report.rows):
        lines += ["", f"{SUBSIDY_MARK} {_line(report.subsidy_program)}"]
    return lines


def _note_group(g: NoteGroup, include_cases: bool) -> list[str]:
    mark = f"{SUBSIDY_MARK} " if g.subsidy else ""
    lines = [
        f"### {mark}{_line(g.initiative)}",
        "",
        f"> 質的目標: {_line(g.qualitative_goal)}",
        "",
    ]
    if not g.notes:
        return [*lines, "(記録なし)", ""]
    for n in g.notes:
        where = "、".join(
            _line(x) for x in (f"{n.area} {n.area_name}", n.coordinator, n.organisation) if x
        )
        case = f" [ケース {_line(n.case_code)}]" if include_cases and n.case_code else ""
        targets = "、".join(_line(t) for t in n.targets)
        lines.append(f"- {n.date.isoformat()} ({where}) {targets}{case}: {_line(n.text)}")
    return [*lines, ""]


def render_markdown(report: Report, view: View | str = View.ANNUAL) -> str:
    view = View(view)
    lines = _header(report)
    lines += [f"表: {view.label}", ""]
    if view is View.NOTES:
        area = None
        for g in report.notes:
            if g.program_area != area:
                area = g.program_area
                lines += [f"## {_line(area)}", ""]
            lines += _note_group(g, report.include_cases)
    else:
        lines += _figures(report, view)
    return "\n".join(lines).rstrip() + "\n"
