"""Writing a report file safely: a temporary file in the same folder, renamed into place.

A failure leaves nothing behind, not even a half-written file, and becomes a UserError.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from chofu_tui.errors import UserError
from chofu_tui.services.report import Report

FORMATS = ("xlsx", "csv", "md")


def default_filename(report: Report, fmt: str, view: str = "annual") -> str:
    """chofu-report-R6-2024-09-30.xlsx; CSV names carry the view; ※ reports say so."""
    parts = ["chofu-report", f"R{report.fy.reiwa}"]
    if report.subsidy_only:
        parts.append("subsidy")
    if fmt == "csv":
        parts.append(view)
    parts.append(report.as_of.isoformat())
    return "-".join(parts) + f".{fmt}"


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write` on a temporary file beside `path`, then rename it to `path`."""
    path = Path(path).expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(
            f"{path} はフォルダーです。ファイル名を指定してください", "output path is a directory"
        )
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise UserError(
            f"{path} に書き込めません ({exc.strerror or exc})", "cannot write the output file"
        ) from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise UserError(
            f"{path} に書き込めません ({exc.strerror or exc})", "cannot write the output file"
        ) from None
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    return path


def save_report(
    report: Report, fmt: str, view: str = "annual", path: Path | None = None
) -> tuple[Path, bool]:
    """Write the report in `fmt`; without a path, a default name in the current folder.

    Returns the path written and whether it was the default.
    """
    defaulted = path is None
    target = Path(path) if path is not None else Path.cwd() / default_filename(report, fmt, view)
    if fmt == "xlsx":
        from chofu_tui.services.report_xlsx import write_xlsx

        return write_xlsx(report, target), defaulted
    if fmt == "csv":
        from chofu_tui.services.report_csv import write_csv

        return write_csv(report, target, view), defaulted
    if fmt == "md":
        from chofu_tui.services.report_text import render_markdown

        text = render_markdown(report, view)
        return write_atomically(
            target, lambda tmp: tmp.write_text(text, encoding="utf-8")
        ), defaulted
    raise UserError(f"形式 {fmt!r} には対応していません (xlsx, csv, md)", "unknown format")
