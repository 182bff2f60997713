"""save_report: a report in the format asked for, to a checked path (the writers' one door)."""

from __future__ import annotations

from pathlib import Path

from chofu_tui.errors import UserError
from chofu_tui.services.report.csv_writer import write_csv
from chofu_tui.services.report.model import Report
from chofu_tui.services.report.output import (
    FORMATS,
    check_output,
    default_output_path,
    write_atomically,
)
from chofu_tui.services.report.text import render_markdown
from chofu_tui.services.report.xlsx_writer import write_xlsx


def save_report(
    report: Report,
    fmt: str,
    view: str = "annual",
    path: Path | None = None,
    *,
    force: bool = False,
    store: Path | None = None,
    folder: Path | None = None,
) -> tuple[Path, bool]:
    """Write the report in `fmt` to `path`, or to a free default name in `folder` (the current
    folder). `store` is never written; an existing `path` only with `force`.

    Returns the absolute path written and whether it was the default.
    """
    if fmt not in FORMATS:
        raise UserError(f"形式 {fmt!r} には対応していません (xlsx, pdf, csv, md)", "unknown format")
    defaulted = path is None
    target = default_output_path(report, fmt, view, folder) if path is None else Path(path)
    target = check_output(target, store=store, force=force)
    suffix = target.suffix.lower().lstrip(".")
    if suffix in FORMATS and suffix != fmt:
        # an xlsx named r.csv would open as garbage in the program the name promises
        raise UserError(
            f"形式 {fmt} とファイル名の拡張子 .{suffix} が合いません。"
            f"ファイル名を .{fmt} にするか、形式 {suffix} を指定してください "
            f"(--format {suffix})。何も書き出していません",
            "the format does not match the output file's extension",
        )
    if fmt == "xlsx":
        return write_xlsx(report, target), defaulted
    if fmt == "pdf":
        from chofu_tui.services.report.pdf_writer import write_pdf  # reportlab: only when asked

        return write_pdf(report, target), defaulted
    if fmt == "csv":
        return write_csv(report, target, view), defaulted
    text = render_markdown(report, view)

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")

    return write_atomically(target, write), defaulted
