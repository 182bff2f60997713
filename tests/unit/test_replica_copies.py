"""A copy of a store file is a replica of its own (issue 13): its first write takes a new
replica id, so changes made on the copy are never shown as 「このパソコン」 on the original."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from tests.unit.conftest import CLI


def _device(path: Path) -> str | None:
    con = sqlite3.connect(path)
    try:
        row = con.execute("SELECT value FROM setting WHERE key = 'device_id'").fetchone()
    finally:
        con.close()
    return row[0] if row else None


def test_a_hand_made_copy_takes_its_own_replica_id_at_its_first_write(
    cli: CLI, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    code, out, err = cli("--db", str(a), "add", "awareness", "--area", "1", "--note", "元")
    assert code == 0, err
    entry = out.split()[0]
    shutil.copyfile(a, b)  # a copy on a USB stick, used on another laptop
    assert _device(b) == _device(a)
    assert cli("--db", str(b), "edit", entry, "--count", "4")[0] == 0
    assert _device(b) != _device(a)
    assert cli("--db", str(a), "add", "awareness", "--area", "2")[0] == 0
    assert _device(a) != _device(b)  # the original keeps its own id
    code, _, err = cli("--db", str(a), "merge", str(b))
    assert code == 0, err
    code, out, err = cli("--db", str(a), "history", entry, "--json")
    assert code == 0, err
    steps = json.loads(out)["steps"]
    came_in = [s for s in steps if s["imported"]]
    assert [s["what"] for s in steps][:1] == ["作成"] and len(came_in) == 1
    # the copy's edit is named by the copy's id, not 「このパソコン」
    assert came_in[0]["device"] == _device(b)[:8]
    assert steps[0]["device"] == "このパソコン"


def test_writing_twice_keeps_the_id(cli: CLI, db_path: Path) -> None:
    assert cli("add", "awareness", "--area", "1")[0] == 0
    first = _device(db_path)
    assert cli("add", "awareness", "--area", "2")[0] == 0
    assert _device(db_path) == first


def test_the_same_file_moved_back_keeps_its_id(cli: CLI, db_path: Path, tmp_path: Path) -> None:
    """A new inode at the same path (a USB stick remounted: FAT makes up inode numbers) is the
    same store, not a copy."""
    assert cli("add", "awareness", "--area", "1")[0] == 0
    first = _device(db_path)
    aside = tmp_path / "aside.db"
    shutil.copyfile(db_path, aside)
    db_path.unlink()
    shutil.move(aside, db_path)  # same path, another inode
    assert cli("add", "awareness", "--area", "2")[0] == 0
    assert _device(db_path) == first
