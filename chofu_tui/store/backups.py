"""The program's own backups of a store: where they live, how one is made, checked, listed,
pruned and put back.

- Folder: `<data dir>/backups/<store name>-<short hash of the store's resolved path>/`, owner
  only (0700, files 0600), so a store on a USB stick is never backed up onto the same stick.
- A backup is SQLite's online backup API into a connection from
  connections.new_file_connection (an encrypted store gives an encrypted copy), written to a
  temporary file, checked with `PRAGMA integrity_check` and renamed into place; a copy that
  fails the check is removed and the reason raised. The copy has no `device_id`: a copy put to
  use takes its own replica id (the change log tells devices apart by it).
- Names: `YYYY-MM-DD.db` is a day's daily backup (so "is there one today" is one stat);
  `YYYY-MM-DDTHHMMSS-<why>.db` is one made before a migration, merge, sync, restore, encrypt or
  decrypt. Beside each, `<name>.json`: when, why, entries, live entries, schema version,
  integrity.
- Kept: every backup of the 14 latest days that have one, plus the first of each of the last
  12 months; the rest is removed after each new backup.
- Several processes starting together make one: each takes an flock on `.lock` in the
  folder, then looks again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import hashlib
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from peewee import Database, SqliteDatabase

from chofu_tui.errors import UserError
from chofu_tui.files import TMP_SUFFIX, atomic_write, remove_leftovers, temp_name, write_text
from chofu_tui.paths import data_dir, make_private_dir
from chofu_tui.safetext import one_line
from chofu_tui.store import cipher
from chofu_tui.store.connections import copy_connection, new_file_connection

try:  # POSIX: one process makes a backup while the others wait
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

REASONS = ("daily", "migration", "merge", "sync", "restore", "encrypt", "decrypt", "manual")
# Shown to the user (the settings screen, `backups`).
REASON_LABELS = {
    "daily": "毎日",
    "migration": "版の更新前",
    "merge": "取り込み前",
    "sync": "同期前",
    "restore": "復元前",
    "encrypt": "暗号化前",
    "decrypt": "暗号化の解除前",
    "manual": "手動",
}
KEEP_DAYS = 14
KEEP_MONTHS = 12
LOCK_NAME = ".lock"
_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T(\d{6})-([a-z]+)(?:-(\d+))?)?$")

# Said once the store is open (a migration backup that failed): the CLI and the app show them.
pending_warnings: list[str] = []


class BackupFailed(Exception):
    """A backup could not be made, or a backup is not usable; `str()` says why in Japanese."""


@dataclass(frozen=True)
class Backup:
    name: str  # the file's name without `.db`: what `restore-backup NAME` takes
    path: Path
    when: str  # local time, ISO 8601 to the second
    why: str  # one of REASONS
    entries: int | None  # None: not known (no sidecar)
    live_entries: int | None
    schema_version: int | None
    integrity: str  # "ok", or SQLite's first complaint, or "不明"
    size: int  # bytes
    encrypted: bool = False  # an SQLCipher file (made while the store was encrypted)

    @property
    def day(self) -> dt.date:
        return dt.date.fromisoformat(self.name[:10])

    @property
    def why_label(self) -> str:
        return REASON_LABELS.get(self.why, self.why)

    def as_json(self) -> dict[str, object]:
        out = asdict(self)
        out["path"] = str(self.path)
        return out


def folder_for(store: Path) -> Path:
    """The backups folder of the store at `store` (not created)."""
    real = Path(os.path.abspath(Path(store).expanduser())).resolve()
    digest = hashlib.sha256(str(real).encode("utf-8", "surrogateescape")).hexdigest()[:10]
    stem = re.sub(r"[^\w.-]", "_", real.stem)[:40] or "store"
    return data_dir() / "backups" / f"{stem}-{digest}"


def _private_folder(folder: Path) -> Path:
    make_private_dir(folder)
    for d in (folder, folder.parent):  # made earlier with other rights: owner-only now
        with contextlib.suppress(OSError):
            if d.stat().st_mode & 0o077:
                d.chmod(0o700)
    return folder


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    fd = os.open(folder / LOCK_NAME, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


# --- making one -------------------------------------------------------------------------------


def write_copy(source: sqlite3.Connection, tmp: Path, *, check: bool = True) -> dict[str, object]:
    """Copy the store behind `source` into the new file `tmp` (online backup API), as one
    self-contained file without `device_id`, checked; returns what the sidecar records.
    Raises BackupFailed when the copy fails its check (the caller removes `tmp`)."""
    target = new_file_connection(tmp)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
        tables = {r[0] for r in target.execute("SELECT name FROM sqlite_master")}
        if "setting" in tables:
            target.execute("DELETE FROM setting WHERE key = 'device_id'")
            target.commit()
        info: dict[str, object] = {
            "schema_version": int(target.execute("PRAGMA user_version").fetchone()[0]),
            "entries": 0,
            "live_entries": 0,
        }
        if "entry" in tables:
            total, live = target.execute(
                "SELECT count(*), coalesce(sum(deleted = 0), 0) FROM entry"
            ).fetchone()
            info.update(entries=int(total), live_entries=int(live))
        info["integrity"] = _integrity(target) if check else "ok"
    finally:
        target.close()
        for side in ("-journal", "-wal", "-shm"):  # SQLite's side files of the temporary copy
            Path(f"{tmp}{side}").unlink(missing_ok=True)
    if info["integrity"] != "ok":
        raise BackupFailed(f"コピーの検査 (integrity_check) に失敗しました: {info['integrity']}")
    return info


def _integrity(con: sqlite3.Connection) -> str:
    rows = [str(r[0]) for r in con.execute("PRAGMA integrity_check")]
    return "ok" if rows == ["ok"] else "; ".join(rows[:3])


def _now() -> dt.datetime:
    return dt.datetime.now().replace(microsecond=0)


def _new_name(folder: Path, day: dt.date, reason: str, now: dt.datetime) -> str:
    if reason == "daily":
        return day.isoformat()
    base = f"{day.isoformat()}T{now:%H%M%S}-{reason}"
    name, n = base, 1
    while (folder / f"{name}.db").exists():
        n += 1
        name = f"{base}-{n}"
    return name


def make(
    store: Path,
    source: sqlite3.Connection,
    reason: str,
    *,
    today: dt.date,
    now: dt.datetime | None = None,
    _locked_already: bool = False,
) -> Backup:
    """A new backup of the store at `store`, read through `source`, named for `today` (the
    caller's: services.clock honours CHOFU_TUI_TODAY); old ones pruned.
    Raises BackupFailed (with why, in Japanese) when it cannot be made."""
    if reason not in REASONS:
        raise ValueError(f"unknown backup reason {reason!r}")
    day = today
    now = now or _now()
    folder = folder_for(store)
    try:
        _private_folder(folder)
        lock = contextlib.nullcontext() if _locked_already else _locked(folder)
        with lock:
            return _make_locked(folder, source, reason, day, now)
    except BackupFailed:
        raise
    except (OSError, sqlite3.Error) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise BackupFailed(f"バックアップのフォルダー {folder} に書けません: {why}") from exc


def _make_locked(
    folder: Path, source: sqlite3.Connection, reason: str, day: dt.date, now: dt.datetime
) -> Backup:
    _tidy(folder)
    name = _new_name(folder, day, reason, now)
    target = folder / f"{name}.db"
    with atomic_write(target) as tmp:
        info = write_copy(source, tmp)
    when = dt.datetime.combine(day, now.time()).isoformat(timespec="seconds")
    sidecar = {"when": when, "why": reason, **info}
    write_text(folder / f"{name}.json", json.dumps(sidecar, ensure_ascii=False, indent=2))
    prune(folder, day)
    return _read(target)


def _tidy(folder: Path) -> None:
    """Remove what killed backups left (temporary copies: every note), whatever their day."""
    for tmp in folder.glob(f".*{TMP_SUFFIX}*"):
        # ".<target>.<8 hex><TMP_SUFFIX>[-journal]" -> "<target>"
        target = tmp.name[1:].split(TMP_SUFFIX)[0].rsplit(".", 1)[0]
        if target:
            remove_leftovers(folder / target)


def daily(store: Path, source: sqlite3.Connection, *, today: dt.date) -> Backup | None:
    """Today's daily backup, made unless it is there already (one stat when it is)."""
    day = today
    folder = folder_for(store)
    if (folder / f"{day.isoformat()}.db").exists():
        return None
    try:
        _private_folder(folder)
        with _locked(folder):
            if (folder / f"{day.isoformat()}.db").exists():  # another start made it meanwhile
                return None
            return make(store, source, "daily", today=day, _locked_already=True)
    except BackupFailed:
        raise
    except OSError as exc:
        raise BackupFailed(
            f"バックアップのフォルダー {folder} に書けません: {exc.strerror or exc}"
        ) from exc


def before_migration(db: Database) -> None:
    """Called by db._migrate before it upgrades a store: a backup of an existing store at its
    old version (once, however many starts upgrade it together). A failure does not stop the
    upgrade; it is said once the store is open (pending_warnings)."""
    from chofu_tui.store.db import SCHEMA_VERSION, schema_version

    store = getattr(db, "path", None)
    if not isinstance(store, Path) or not isinstance(db, SqliteDatabase):
        return  # not a file (a server's store)
    # The machine's day (the store may not import services.clock): a pinned CHOFU_TUI_TODAY
    # only names this one backup differently.
    today = dt.date.today()
    try:
        version = schema_version(db)
        if not 0 < version < SCHEMA_VERSION:
            return  # a new store, or one another start has upgraded
        folder = folder_for(store)
        _private_folder(folder)
        with _locked(folder):
            if any(
                b.why == "migration" and b.schema_version == version and b.day == today
                for b in listing(store)
            ):
                return  # another start made it a moment ago
            make(store, db.connection(), "migration", today=today, _locked_already=True)
    except (BackupFailed, OSError, sqlite3.Error) as exc:
        pending_warnings.append(f"データベースを更新する前のバックアップを作れませんでした: {exc}")


# --- reading them -----------------------------------------------------------------------------


def listing(store: Path) -> list[Backup]:
    """The backups of the store at `store`, newest first."""
    folder = folder_for(store)
    try:
        files = [p for p in folder.iterdir() if p.suffix == ".db" and _NAME.match(p.stem)]
    except OSError:
        return []
    found = []
    for path in files:
        with contextlib.suppress(OSError, ValueError):
            found.append(_read(path))
    return sorted(found, key=lambda b: (b.when, len(b.name), b.name), reverse=True)


def _read(path: Path) -> Backup:
    m = _NAME.match(path.stem)
    if m is None:
        raise ValueError(path.name)
    day, hms, reason = m.group(1), m.group(2), m.group(3) or "daily"
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        if not isinstance(meta, dict):
            meta = {}
    except (OSError, ValueError):
        meta = {}  # a backup whose sidecar was lost (killed between the two renames)
    when = f"{day}T{hms[:2]}:{hms[2:4]}:{hms[4:]}" if hms else f"{day}T00:00:00"

    def number(key: str) -> int | None:
        value = meta.get(key)
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    return Backup(
        name=path.stem,
        path=path,
        when=one_line(str(meta.get("when") or when))[:19],  # a sidecar is a file: never trusted
        why=reason,
        entries=number("entries"),
        live_entries=number("live_entries"),
        schema_version=number("schema_version"),
        integrity=one_line(str(meta.get("integrity") or "不明"))[:200],
        size=path.stat().st_size,
        encrypted=cipher.is_encrypted(path),
    )


def find(store: Path, name: str) -> Backup:
    """The backup called `name` (with or without `.db`), or BackupFailed."""
    stem = name[:-3] if name.endswith(".db") else name
    for backup in listing(store):
        if backup.name == stem:
            return backup
    raise BackupFailed(
        f"バックアップ「{stem}」はありません。`chofu-tui backups` で名前を確かめてください"
    )


def verify(backup: Backup) -> dict[str, int]:
    """Open the backup and check it (integrity_check, our tables, a version we can read);
    BackupFailed when it is damaged or not ours. Nothing is written to it."""
    from chofu_tui.store.db import SCHEMA_VERSION

    try:
        con = copy_connection(backup.path)
    except (sqlite3.Error, UserError) as exc:
        raise BackupFailed(f"バックアップ {backup.name} を開けません: {exc}") from None
    try:
        integrity = _integrity(con)
        if integrity != "ok":
            raise BackupFailed(
                f"バックアップ {backup.name} は壊れています (integrity_check: {integrity})"
            )
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
        version = int(con.execute("PRAGMA user_version").fetchone()[0])
        entries = (
            con.execute("SELECT count(*) FROM entry").fetchone()[0] if "entry" in tables else 0
        )
    except sqlite3.Error as exc:
        raise BackupFailed(f"バックアップ {backup.name} は壊れています: {exc}") from None
    finally:
        con.close()
    if not {"entry", "setting"} <= tables:
        raise BackupFailed(f"バックアップ {backup.name} は chofu-tui のデータベースではありません")
    if version > SCHEMA_VERSION:
        raise BackupFailed(
            f"バックアップ {backup.name} は新しい版のプログラムで作られています。"
            "プログラムを更新してください"
        )
    return {"schema_version": version, "entries": int(entries)}


@contextlib.contextmanager
def readable(backup: Backup, passphrase: cipher.Passphrase) -> Iterator[Backup]:
    """The backup as the open store can read it (its key, or none for a plain store).

    A backup made while the store had another key (encrypted before a `decrypt`, plain before
    an `encrypt`, or under another passphrase) is copied to a private temporary file in the
    backups folder and converted there to the store's key (the backup itself is untouched);
    the copy is removed whatever happens. `passphrase` gives an encrypted backup's passphrase
    when the store's own key does not open it. BackupFailed says why in Japanese when no key
    opens it."""
    target_key = cipher.open_key()
    source_key: str | None = None
    if backup.encrypted:
        if target_key is not None and _opens(backup.path, target_key):
            yield backup  # the store's own key: read as it is
            return
        source_key = _backup_passphrase(backup, passphrase, tried=target_key)
    elif target_key is None:
        yield backup  # plain into plain
        return
    folder = backup.path.parent
    tmp = temp_name(folder / f"restore-{backup.name}.db")
    # A locked temporary file: another start's tidy-up (store/backups._tidy) leaves it alone.
    fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    held: list[int] = [fd]
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        with backup.path.open("rb") as src, os.fdopen(os.dup(fd), "wb") as dst:
            shutil.copyfileobj(src, dst)
        try:
            cipher._convert(tmp, source_key=source_key, target_key=target_key)
        except cipher.WrongPassphraseError:
            raise _wrong(backup) from None
        except UserError as exc:
            raise BackupFailed(f"バックアップ {backup.name} を変換できません: {exc}") from None
        # _convert swapped a new file in: lock that one too while it is in use
        again = os.open(tmp, os.O_RDONLY)
        held.append(again)
        if fcntl is not None:
            fcntl.flock(again, fcntl.LOCK_EX)
        yield dataclasses.replace(backup, path=tmp, encrypted=target_key is not None)
    finally:
        for side in ("", "-journal", "-wal", "-shm"):
            Path(f"{tmp}{side}").unlink(missing_ok=True)
        for handle in held:
            os.close(handle)


def _opens(path: Path, key: str) -> bool:
    try:
        con = cipher.connect_file(path, key)
    except Exception:
        return False
    try:
        cipher.check_key(con, path)
        return True
    except Exception:
        return False
    finally:
        con.close()


def _wrong(backup: Backup) -> BackupFailed:
    return BackupFailed(f"{cipher.WRONG_PASSPHRASE}: バックアップ {backup.name}")


def _backup_passphrase(backup: Backup, passphrase: cipher.Passphrase, tried: str | None) -> str:
    """The passphrase of an encrypted backup the store's key (`tried`) does not open."""
    try:
        given = passphrase(backup.path)
    except UserError:  # no CHOFU_TUI_PASSPHRASE and no terminal to ask on
        raise BackupFailed(
            f"バックアップ {backup.name} は暗号化されています。バックアップを作ったときの"
            f"パスフレーズが要ります: {cipher.HOW_TO_PASS}"
        ) from None
    if tried is not None and not _opens(backup.path, given):
        # the store is encrypted too: CHOFU_TUI_PASSPHRASE is most likely the store's own
        raise BackupFailed(
            f"{cipher.WRONG_PASSPHRASE}: バックアップ {backup.name} は今のデータベースとは別の"
            f"パスフレーズで暗号化されています。環境変数 {cipher.PASSPHRASE_ENV} を付けずに"
            "端末から実行し、データベースのパスフレーズのあとに、バックアップを作ったときの"
            "パスフレーズを入力してください"
        )
    return given


def restore_into(backup: Backup, target: sqlite3.Connection) -> None:
    """Copy the (verified) backup over the open store behind `target`, in place (online
    backup API: one write transaction, readers see the old or the new store, never half)."""
    source = copy_connection(backup.path)
    try:
        source.backup(target)
    finally:
        source.close()


# --- keeping a few ----------------------------------------------------------------------------


def to_keep(names: list[str], today: dt.date) -> set[str]:
    """Of backup names, those kept: every one of the KEEP_DAYS latest days that have one, and
    the first of each of the last KEEP_MONTHS months (a backup made for a reason counts as a
    daily of its day)."""
    days = sorted({n[:10] for n in names}, reverse=True)
    keep_days = set(days[:KEEP_DAYS])
    keep = {n for n in names if n[:10] in keep_days}
    this_month = today.year * 12 + today.month - 1
    first_of: dict[str, str] = {}
    for n in sorted(names):
        month = n[:7]
        y, m = int(month[:4]), int(month[5:7])
        if 0 <= this_month - (y * 12 + m - 1) < KEEP_MONTHS and month not in first_of:
            first_of[month] = n
    return keep | set(first_of.values())


def prune(folder: Path, today: dt.date) -> list[str]:
    """Remove the backups (and their sidecars) that to_keep does not keep; returns their names."""
    names = [p.stem for p in folder.glob("*.db") if _NAME.match(p.stem)]
    gone = sorted(set(names) - to_keep(names, today))
    for name in gone:
        for suffix in (".db", ".json"):
            with contextlib.suppress(OSError):
                (folder / f"{name}{suffix}").unlink()
    return gone
