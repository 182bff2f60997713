"""restore-backup of a backup made under another key than the store's (issue 14, found by
the outside tester): an encrypted backup into a plain store (after `decrypt`), a plain one into
an encrypted store, one under another passphrase; `backups` says which are encrypted."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from chofu_tui.store import cipher
from chofu_tui.store.backups import folder_for
from tests.unit.conftest import CLI, file_digest, table_dump

PASS = "passphrase9"
OTHER = "another passphrase"


def _add(cli: CLI, area: str = "1") -> None:
    code, _, err = cli("add", "awareness", "--area", area)
    assert code == 0, err


def _backups(cli: CLI) -> list[dict]:
    code, out, err = cli("backups", "--json")
    assert code == 0, err
    return json.loads(out)


def _entries(cli: CLI) -> int:
    code, out, err = cli("log", "--json")
    assert code == 0, err
    return len(json.loads(out)["entries"])


def _encrypted_dump(path: Path, key: str) -> list[tuple]:
    con = cipher.connect_file(path, key)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return [(t, *row) for t in sorted(tables) for row in con.execute(f"SELECT * FROM {t}")]
    finally:
        con.close()


def _leftovers(store: Path) -> list[str]:
    """Anything in the backups folder that is not a backup, its sidecar or the lock."""
    return [
        p.name
        for p in folder_for(store).iterdir()
        if p.name != ".lock" and not (p.suffix in (".db", ".json") and not p.name.startswith("."))
    ]


def _after_decrypt(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    """The tester's steps: add, encrypt, add, decrypt."""
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, PASS)
    _add(cli)
    assert cli("encrypt")[0] == 0
    _add(cli, "2")
    assert cli("decrypt")[0] == 0


def test_an_encrypted_backup_is_restored_into_the_decrypted_store(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _after_decrypt(cli, monkeypatch)
    found = _backups(cli)
    encrypt = next(b for b in found if b["why"] == "encrypt")
    assert encrypt["encrypted"] is True and encrypt["entries"] == 1
    untouched = file_digest(Path(encrypt["path"]))
    assert _entries(cli) == 2
    code, out, err = cli("restore-backup", encrypt["name"])
    assert code == 0, err
    assert "戻しました" in out and "not a database" not in err
    assert _entries(cli) == 1  # the store as it was before the second add
    assert not cipher.is_encrypted(db_path)  # still the plain store it was
    assert file_digest(Path(encrypt["path"])) == untouched  # the backup itself is unchanged
    assert _leftovers(db_path) == []  # the plain temporary copy is gone


def test_a_wrong_passphrase_for_the_backup_changes_nothing(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _after_decrypt(cli, monkeypatch)
    name = next(b["name"] for b in _backups(cli) if b["why"] == "decrypt")
    before, listed = table_dump(db_path), len(_backups(cli))
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, "not the right one")
    code, _, err = cli("restore-backup", name)
    assert code == 2
    assert "パスフレーズが違います" in err and "not a database" not in err
    assert table_dump(db_path) == before
    assert len(_backups(cli)) == listed  # no 復元前 backup made for a restore that did not run
    assert _leftovers(db_path) == []


def test_backups_shows_which_are_encrypted(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _after_decrypt(cli, monkeypatch)
    assert cli("restore-backup", next(b["name"] for b in _backups(cli)))[0] == 0
    found = _backups(cli)
    assert {b["why"]: b["encrypted"] for b in found}["restore"] is False  # the plain store's
    assert any(b["encrypted"] for b in found)
    code, out, _ = cli("backups")
    assert code == 0
    header = next(line for line in out.splitlines() if line.startswith("日時"))
    assert "暗号化" in header
    assert "あり" in out and "なし" in out


def test_a_plain_backup_is_restored_into_an_encrypted_store(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _add(cli)
    plain = next(Path(b["path"]) for b in _backups(cli))
    assert not cipher.is_encrypted(plain)
    kept = tmp_path / "kept.db"
    shutil.copyfile(plain, kept)  # `encrypt` encrypts the backups it finds
    _add(cli, "2")
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, PASS)
    assert cli("encrypt")[0] == 0
    shutil.copyfile(kept, folder_for(db_path) / "2024-09-30.db")  # a plain backup again
    assert {b["name"]: b["encrypted"] for b in _backups(cli)}["2024-09-30"] is False
    code, _, err = cli("restore-backup", "2024-09-30")
    assert code == 0, err
    assert cipher.is_encrypted(db_path)  # still encrypted, with the same passphrase
    assert _entries(cli) == 0  # the daily backup made before the first add
    assert _leftovers(db_path) == []


def test_a_backup_under_another_passphrase(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _after_decrypt(cli, monkeypatch)  # backups encrypted with PASS
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, OTHER)
    assert cli("encrypt")[0] == 0  # the store now under OTHER
    name = next(b["name"] for b in _backups(cli) if b["why"] == "decrypt")
    store_before = _encrypted_dump(db_path, OTHER)
    # CHOFU_TUI_PASSPHRASE is the store's: the backup cannot be opened, and it says what to do
    code, _, err = cli("restore-backup", name)
    assert code == 2
    assert "別のパスフレーズ" in err and "端末から実行" in err and "not a database" not in err
    assert _encrypted_dump(db_path, OTHER) == store_before
    assert _leftovers(db_path) == []
    # on a terminal: the store's passphrase, then the backup's
    monkeypatch.delenv(cipher.PASSPHRASE_ENV)
    asked: list[Path] = []

    def typed(path: Path) -> str:
        asked.append(path)
        return OTHER if path == db_path else PASS

    monkeypatch.setattr("chofu_tui.context.terminal_passphrase", typed)
    code, _, err = cli("restore-backup", name)
    assert code == 0, err
    assert asked[0] == db_path and len(asked) == 2
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, OTHER)
    assert _entries(cli) == 2 and cipher.is_encrypted(db_path)  # opens with the store's key
    assert _leftovers(db_path) == []
