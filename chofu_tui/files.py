"""Writing a file the program makes: atomically, owner-only, with nothing left behind.

One helper for every file we write (reports, backups, plans, the plan cache), so a killed or
failing write never leaves a half-written target or a stray copy of the store's notes.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import time
from collections.abc import Iterator
from pathlib import Path

try:  # POSIX: a live writer holds a lock on its temporary file
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

TMP_SUFFIX = ".chofu-tmp"
# Without file locks (Windows), a temporary file this old belongs to no live writer.
_STALE_SECONDS = 6 * 3600


def temp_name(target: Path) -> Path:
    """A hidden temporary file beside `target` (same folder: os.replace stays atomic)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}{TMP_SUFFIX}")


def remove_leftovers(target: Path) -> list[Path]:
    """Delete temporaries of `target` left by a killed run; a live writer's are kept."""
    removed: list[Path] = []
    with contextlib.suppress(OSError):
        for tmp in target.parent.glob(f".{glob_escape(target.name)}.*{TMP_SUFFIX}*"):
            if tmp.name.endswith(TMP_SUFFIX):
                stale = _is_stale(tmp)
            else:  # SQLite's -journal/-wal of a temporary copy: stale once its copy is gone
                base = tmp.with_name(tmp.name[: tmp.name.rindex(TMP_SUFFIX) + len(TMP_SUFFIX)])
                stale = not base.exists() or _is_stale(base)
            if stale:
                with contextlib.suppress(OSError):
                    tmp.unlink()
                    removed.append(tmp)
    return removed


def glob_escape(name: str) -> str:
    return "".join(f"[{c}]" if c in "*?[]" else c for c in name)


def _is_stale(tmp: Path) -> bool:
    if fcntl is None:
        return time.time() - tmp.stat().st_mtime > _STALE_SECONDS
    try:
        fd = os.open(tmp, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # someone is writing it now
    finally:
        os.close(fd)
    return True


@contextlib.contextmanager
def atomic_write(target: Path, *, mode: int = 0o600) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success it replaces `target` in one step.

    The temporary file exists (empty, `mode`, locked) before the body runs; the body may write
    it by path or reopen it. On any failure it is removed and `target` is untouched.
    """
    target = Path(target)
    remove_leftovers(target)
    tmp = temp_name(target)
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, mode)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield tmp
        with open(tmp, "rb+") as fh:  # the body may have replaced the inode: sync what is there
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        _sync_dir(target.parent)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    finally:
        os.close(fd)


def write_bytes(target: Path, data: bytes, *, mode: int = 0o600) -> None:
    with atomic_write(target, mode=mode) as tmp:
        tmp.write_bytes(data)


def write_text(target: Path, text: str, *, mode: int = 0o600, encoding: str = "utf-8") -> None:
    write_bytes(target, text.encode(encoding), mode=mode)


def _sync_dir(folder: Path) -> None:
    """Make the rename itself durable (POSIX); best effort elsewhere."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
