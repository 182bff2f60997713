"""Writing a report file safely: never onto the store, never half-written, never a stray copy.

The target is checked first: the store, its `-wal`/`-shm`, any SQLite file, a folder, a device
or any other non-regular file is refused (a symlink counts as what it points to), and an
existing file is replaced only when asked (`--force`). The file is then written through
files.atomic_write: a temporary file beside it, renamed into place. A failure leaves nothing
behind and becomes a UserError.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

from chofu_tui.errors import UserError, cannot_write
from chofu_tui.files import atomic_write
from chofu_tui.services.report.model import Report

FORMATS = ("xlsx", "pdf", "csv", "md")
SQLITE_HEADER = b"SQLite format 3\x00"
_WAL_MAGIC = (b"\x37\x7f\x06\x82", b"\x37\x7f\x06\x83")
_STORE_SIDE_FILES = ("-wal", "-shm", "-journal")


def default_filename(report: Report, fmt: str, view: str = "annual") -> str:
    """chofu-report-R6-2024-09-30.xlsx; CSV names carry the view; ※ reports say so."""
    parts = ["chofu-report", f"R{report.fy.reiwa}"]
    if report.subsidy_only:
        parts.append("subsidy")
    if fmt == "csv":
        parts.append(view)
    parts.append(report.as_of.isoformat())
    return "-".join(parts) + f".{fmt}"


def free_path(folder: Path, name: str) -> Path:
    """`folder/name`, or the first of name-2, name-3, ... not taken: a default never replaces.

    The command line (no -o) and the app's x export both use it.
    """
    folder = Path(os.path.abspath(Path(folder).expanduser()))
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    candidate = folder / name
    n = 1
    while os.path.lexists(candidate):
        n += 1
        candidate = folder / (f"{stem}-{n}.{ext}" if dot else f"{stem}-{n}")
    return candidate


def default_output_path(
    report: Report, fmt: str, view: str = "annual", folder: Path | None = None
) -> Path:
    """Where a report goes when no file is named: the default name in `folder` (the current
    folder), with a -2, -3 ... suffix when that name is taken."""
    return free_path(
        folder if folder is not None else Path.cwd(), default_filename(report, fmt, view)
    )


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(Path(path).expanduser()))


def is_store_file(real: Path, store: Path) -> bool:
    """`real` is the store or one of SQLite's side files of it (compared after links)."""
    store_real = _absolute(store).resolve()
    names = [store_real, *(Path(f"{store_real}{side}") for side in _STORE_SIDE_FILES)]
    if real in names:
        return True
    for name in names:  # a hard link or a case-insensitive folder: the same file by another name
        try:
            if os.path.samefile(real, name):
                return True
        except OSError:
            continue
    return False


def check_output(path: Path, *, store: Path | None = None, force: bool = False) -> Path:
    """The absolute path a report may be written to (a symlink's target), or a UserError.

    Refused: the store and its side files, any SQLite file, a folder, a device or any other
    non-regular file, a link to nothing, a folder that does not exist; an existing regular
    file unless `force`.
    """
    shown = _absolute(path)
    real = shown.resolve()  # a symlink to the store is the store
    if store is not None and is_store_file(real, store):
        raise UserError(
            f"{shown} はこのプログラムのデータベース ({store}) です。"
            "報告を書くと記録がすべて失われるので、書き込みません。別のファイル名を指定してください",
            "output path is the store",
        )
    try:
        st = os.stat(real)
    except FileNotFoundError:
        if os.path.islink(shown):
            raise UserError(
                f"{shown} はリンク先のないリンクです。書き込みません", "dangling symlink"
            ) from None
        if not real.parent.is_dir():
            why = "フォルダーではありません" if real.parent.exists() else "ありません"
            raise UserError(
                f"{shown} に書き込めません (フォルダー {real.parent} が{why})",
                "output folder does not exist",
            ) from None
        return real
    except OSError as exc:
        raise cannot_write(shown, exc, "cannot check the output path") from None
    if stat.S_ISDIR(st.st_mode):
        raise UserError(
            f"{shown} はフォルダーです。ファイル名を指定してください", "output path is a directory"
        )
    if not stat.S_ISREG(st.st_mode):
        raise UserError(
            f"{shown} は通常のファイルではありません (デバイスなど)。書き込みません",
            "output path is not a regular file",
        )
    try:
        with open(real, "rb") as fh:
            head = fh.read(len(SQLITE_HEADER))
    except OSError as exc:
        raise UserError(
            f"{shown} を確かめられません ({exc.strerror or exc})。書き込みません",
            "cannot read the existing output file",
        ) from None
    if head == SQLITE_HEADER or head[:4] in _WAL_MAGIC:
        raise UserError(
            f"{shown} は SQLite のデータベース (またはその一部) です。"
            "報告で上書きするとデータが失われるので、書き込みません",
            "output path is an SQLite file",
        )
    if not force:
        raise UserError(
            f"{shown} は既にあります。上書きするには --force を付けてください",
            "output file exists (use --force to replace it)",
        )
    return real


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call `write` on a temporary file beside `path`, then rename it to `path`.

    Never onto an SQLite file, a folder or a device (checked again here for direct callers).
    """
    target = check_output(path, force=True)
    try:
        with atomic_write(target) as tmp:
            write(tmp)
    except OSError as exc:
        raise cannot_write(target, exc, "cannot write the output file") from None
    return target
