"""After `encrypt` no plaintext of a note is left in the data folder: the program's own backups,
made before and the one made just before the conversion, are encrypted with the same passphrase;
`decrypt` backs up first too, and that backup stays encrypted (issue 14)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chofu_tui.paths import data_dir
from chofu_tui.store import cipher
from chofu_tui.store.backups import folder_for
from tests.unit.conftest import CLI
from tests.unit.test_cipher_store import NOTE, PASSPHRASE, _add, _plaintext_in


def _backup_files(store: Path) -> list[Path]:
    return sorted(p for p in folder_for(store).glob("*.db"))


def test_encrypt_leaves_no_plaintext_backup_in_the_data_folder(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-10-01")
    _add(cli)
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-10-02")
    _add(cli)  # the first write of the day: a plain daily backup holding yesterday's note
    before = _backup_files(db_path)
    assert any(_plaintext_in(p, NOTE) for p in before)
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, PASSPHRASE)
    code, _, err = cli("encrypt")
    assert code == 0, err
    backups = _backup_files(db_path)
    assert any("encrypt" in p.name for p in backups)  # made just before the conversion
    assert len(backups) == len(before) + 1
    assert "以前のバックアップ" in err
    for path in data_dir().rglob("*"):
        if path.is_file():
            assert not _plaintext_in(path, NOTE), path
    for path in backups:
        assert cipher.is_encrypted(path)
        con = cipher.connect_file(path, PASSPHRASE)
        try:
            assert {r[0] for r in con.execute("SELECT note FROM entry")} <= {NOTE}
        finally:
            con.close()


def test_decrypt_backs_up_first_and_that_backup_is_encrypted(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add(cli)
    monkeypatch.setenv(cipher.PASSPHRASE_ENV, PASSPHRASE)
    assert cli("encrypt")[0] == 0
    code, _, err = cli("decrypt")
    assert code == 0, err
    made = [p for p in _backup_files(db_path) if "decrypt" in p.name]
    assert len(made) == 1 and cipher.is_encrypted(made[0])
    assert not _plaintext_in(made[0], NOTE)
    assert os.stat(made[0]).st_mode & 0o777 == 0o600
