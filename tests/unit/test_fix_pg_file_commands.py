"""On a PostgreSQL store, the commands about the program's SQLite files (backups,
restore-backup, encrypt, decrypt) refuse with exit 2 and point to pg_dump, before any server
is asked (issue 13): the socket folder below has no server behind it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.conftest import CLI


def _url(folder: Path) -> str:
    return f"postgresql://chofu@/chofu?host={folder}"


@pytest.mark.parametrize(
    "argv",
    [
        ("backups",),
        ("backups", "--json"),
        ("restore-backup", "2024-10-01"),
        ("encrypt",),
        ("decrypt",),
        ("backup", "copy.db"),
    ],
)
def test_file_commands_on_postgresql_point_to_pg_dump(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]
) -> None:
    monkeypatch.setenv("CHOFU_TUI_PASSPHRASE", "passphrase9")  # encrypt would not ask
    code, out, err = cli("--db", _url(tmp_path), *argv)
    assert code == 2, (argv, out, err)
    assert "pg_dump" in err and "SQLite のファイル" in err, err
    assert "サーバーに接続できません" not in err  # refused before connecting
    assert out == ""


@pytest.mark.parametrize("command", ["encrypt", "decrypt"])
def test_encrypt_and_decrypt_keep_their_server_advice(
    cli: CLI, tmp_path: Path, command: str
) -> None:
    code, _, err = cli("--db", _url(tmp_path), command)
    assert code == 2
    assert "ディスク暗号化" in err and "pg_dump" in err


def test_backup_and_backups_share_one_pg_dump_message() -> None:
    from chofu_tui.cli.stores import PG_DUMP_HINT, for_files_only

    for command in ("backup", "backups", "restore-backup", "encrypt", "decrypt"):
        assert PG_DUMP_HINT in for_files_only(command).message
