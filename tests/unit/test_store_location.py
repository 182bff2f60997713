"""One way to open a store, from a path or a URL (--db, CHOFU_TUI_DB): a SQLite file or a
PostgreSQL server (tests/pg/ runs it on a real one; here, a server that cannot be reached)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from chofu_tui.errors import StoreError, UserError
from chofu_tui.store import StoreKind, StoreLocation, open_store
from tests.unit.conftest import CLI, table_dump

ADD = ("add", "awareness", "--area", "1", "--date", "2024-05-01")
PG = "postgresql://sato:s3cret@db.example.jp:5432/chofu"


@pytest.mark.parametrize(
    ("text", "kind", "path"),
    [
        ("chofu.db", StoreKind.SQLITE, Path("chofu.db")),
        ("/srv/chofu/chofu.db", StoreKind.SQLITE, Path("/srv/chofu/chofu.db")),
        ("sqlite:///chofu.db", StoreKind.SQLITE, Path("chofu.db")),  # relative, as in peewee
        ("sqlite:////srv/chofu.db", StoreKind.SQLITE, Path("/srv/chofu.db")),
        (PG, StoreKind.POSTGRESQL, None),
        ("postgres://localhost/chofu", StoreKind.POSTGRESQL, None),
    ],
)
def test_parse_reads_paths_and_urls(text: str, kind: StoreKind, path: Path | None) -> None:
    where = StoreLocation.parse(text)
    assert where.kind is kind
    assert where.path == path
    assert where.url == (None if path else text)
    assert not where.default


def test_a_path_object_is_always_a_file_and_a_home_path_is_expanded() -> None:
    assert StoreLocation.parse(Path("postgresql:/x")).kind is StoreKind.SQLITE
    assert StoreLocation.parse("~/chofu.db").path == Path.home() / "chofu.db"


def test_a_password_is_never_shown() -> None:
    where = StoreLocation.parse(PG)
    assert "s3cret" not in where.shown and "s3cret" not in str(where)
    assert where.shown == "postgresql://sato:***@db.example.jp:5432/chofu"


@pytest.mark.parametrize("text", ["", "  ", "mysql://localhost/chofu", "sqlite://host/x.db"])
def test_what_is_not_a_store_location_is_a_user_error(text: str) -> None:
    with pytest.raises(UserError) as caught:
        StoreLocation.parse(text)
    assert caught.value.exit_code == 2
    assert "データベースの指定" in caught.value.message


def test_chosen_prefers_the_option_then_the_environment_then_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CHOFU_TUI_DB", PG)
    assert StoreLocation.chosen("mine.db").path == Path("mine.db")
    assert StoreLocation.chosen().kind is StoreKind.POSTGRESQL
    monkeypatch.delenv("CHOFU_TUI_DB")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    default = StoreLocation.chosen()
    assert default.default and default.path == tmp_path / "xdg" / "chofu-tui" / "chofu.db"


def _down(tmp_path: Path) -> str:
    """A server URL with a password whose socket folder has no server (no network used)."""
    return f"postgresql://sato:s3cret@/chofu?host={tmp_path}"


def test_open_store_says_when_the_server_cannot_be_reached(tmp_path: Path) -> None:
    with pytest.raises(StoreError) as caught:
        open_store(_down(tmp_path))
    assert "データベースのサーバーに接続できません" in caught.value.message
    assert "s3cret" not in str(caught.value) and "sato:***@" in caught.value.message


@pytest.mark.parametrize("where", ["option", "environment"])
def test_the_command_line_says_the_server_is_down_with_nothing_written(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch, where: str, tmp_path: Path
) -> None:
    assert cli(*ADD)[0] == 0
    before = table_dump(db_path)
    if where == "option":
        code, out, err = cli(*ADD, "--db", _down(tmp_path))
    else:
        monkeypatch.setenv("CHOFU_TUI_DB", _down(tmp_path))
        code, out, err = cli(*ADD)
    assert code == 2 and out == ""
    assert err.startswith("エラー: データベースのサーバーに接続できません")
    assert "s3cret" not in err and "予期しない" not in err
    assert table_dump(db_path) == before


def test_the_app_is_not_started_when_its_server_is_down(cli: CLI, tmp_path: Path) -> None:
    code, _, err = cli("--db", _down(tmp_path))
    assert code == 2 and "データベースのサーバーに接続できません" in err and "s3cret" not in err


def test_an_unknown_url_is_refused_and_creates_nothing(cli: CLI, tmp_path: Path) -> None:
    before = sorted(os.listdir(tmp_path))
    code, _, err = cli(*ADD, "--db", "mysql://localhost/chofu")
    assert code == 2 and "データベースの指定 mysql://localhost/chofu を読めません" in err
    assert sorted(os.listdir(tmp_path)) == before


def test_a_sqlite_url_opens_the_same_file_as_its_path(
    cli: CLI, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "usb" / "sato.db"
    store.parent.mkdir()
    assert cli(*ADD, "--db", f"sqlite:///{store}")[0] == 0  # sqlite:////abs/path
    monkeypatch.chdir(tmp_path / "usb")
    uuid = cli.json(*ADD, "--db", "sqlite:///sato.db")["uuid"]  # relative to here
    logged = cli.json("log", "--fy", "2024", "--db", str(store))["entries"]
    assert len(logged) == 2 and uuid in {e["uuid"] for e in logged}
