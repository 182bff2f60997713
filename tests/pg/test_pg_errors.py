"""The office database refuses clearly: a server that is down, a wrong password, a missing
database, a role without rights, a database that is not ours or is newer: exit 2, a Japanese
message, no password printed, nothing written."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from chofu_tui.errors import StoreError
from chofu_tui.store import open_store
from chofu_tui.store.db import SCHEMA_VERSION

ADD = ("add", "啓発", "--area", "1")


def _name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def _refused(cli, *words: str) -> str:  # type: ignore[no-untyped-def]
    code, out, err = cli(*ADD)
    assert code == 2 and out == "", err
    assert err.startswith("エラー: ") and "予期しない" not in err
    for w in words:
        assert w in err
    return err


def test_a_server_that_is_down(run, pg_cluster, plan_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # a socket folder where no server listens
    err = _refused(
        run(f"postgresql://clerk:s3cret@/chofu?host={tmp_path}"), "サーバーに接続できません"
    )
    assert "s3cret" not in err and "clerk:***@" in err


def test_a_server_stopped_while_in_use_says_so(run, pg_cluster, pg_url, plan_dir) -> None:  # type: ignore[no-untyped-def]
    db = open_store(pg_url)
    try:
        pg_cluster.stop()
        with pytest.raises(StoreError) as caught:
            db.execute_sql("SELECT 1").fetchall()
        assert "サーバーに接続できません" in caught.value.message
    finally:
        pg_cluster.start()
        db.close()


def test_a_missing_database(run, pg_cluster, plan_dir) -> None:  # type: ignore[no-untyped-def]
    _refused(run(pg_cluster.url("nosuchdb")), "サーバーにありません", "nosuchdb")


def test_a_wrong_password_is_refused_and_never_printed(run, pg_cluster, pg_url, plan_dir) -> None:  # type: ignore[no-untyped-def]
    pg_cluster.psql("DROP ROLE IF EXISTS clerk; CREATE ROLE clerk LOGIN PASSWORD 'right-one'")
    name = _name(pg_url)
    err = _refused(run(pg_cluster.url(name, "clerk", "wrong-one")), "パスワードが違います")
    assert "wrong-one" not in err and "right-one" not in err
    # an unknown role reads the same (the server does not say which)
    _refused(run(pg_cluster.url(name, "nobody-here", "x")), "パスワードが違います")


def test_a_role_without_rights(run, pg_cluster, pg_url, plan_dir) -> None:  # type: ignore[no-untyped-def]
    # PostgreSQL 15+: only the owner may create tables in a new database's public schema
    pg_cluster.psql("DROP ROLE IF EXISTS guest; CREATE ROLE guest LOGIN PASSWORD 'pw-guest'")
    name = _name(pg_url)
    pg_cluster.psql("REVOKE CREATE ON SCHEMA public FROM PUBLIC", dbname=name)
    err = _refused(run(pg_cluster.url(name, "guest", "pw-guest")), "権限", "guest")
    assert "pw-guest" not in err
    assert (
        pg_cluster.psql("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'", name).strip()
        == "0"
    )
    # made by its owner, the tables are still closed to a role without grants
    run(pg_url).ok("settings", "--area", "1")
    _refused(run(pg_cluster.url(name, "guest", "pw-guest")), "権限")


def test_the_granted_role_works(run, pg_cluster, pg_url, plan_dir) -> None:  # type: ignore[no-untyped-def]
    """The README's recipe: a database owned by the coordinators' role."""
    pg_cluster.psql("DROP ROLE IF EXISTS team; CREATE ROLE team LOGIN PASSWORD 'pw-team'")
    pg_cluster.psql("CREATE DATABASE chofu_team OWNER team")
    cli = run(pg_cluster.url("chofu_team", "team", "pw-team"))
    cli.ok(*ADD)
    assert len(cli.json("log")["entries"]) == 1


def test_the_schema_version_is_recorded_and_a_newer_one_refused(
    pg_cluster, pg_url, plan_dir
) -> None:  # type: ignore[no-untyped-def]
    open_store(pg_url).close()
    name = _name(pg_url)
    assert pg_cluster.psql("SELECT version FROM chofu_schema", name).strip() == str(SCHEMA_VERSION)
    pg_cluster.psql(f"UPDATE chofu_schema SET version = {SCHEMA_VERSION + 1}", name)
    with pytest.raises(StoreError) as caught:
        open_store(pg_url)
    assert "新しい版" in caught.value.message


def test_another_programs_database_is_left_alone(run, pg_cluster, pg_url, plan_dir) -> None:  # type: ignore[no-untyped-def]
    name = _name(pg_url)
    pg_cluster.psql("CREATE TABLE invoices (id int)", name)
    _refused(run(pg_url), "chofu-tui のものではない")
    tables = pg_cluster.psql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'", name)
    assert tables.split() == ["invoices"]


def test_backup_points_to_pg_dump(run, pg_url, plan_dir, tmp_path) -> None:  # type: ignore[no-untyped-def]
    code, _out, err = run(pg_url)("backup", str(tmp_path / "copy.db"))
    assert code == 2 and "pg_dump" in err and "SQLite" in err
    assert not (tmp_path / "copy.db").exists()


def test_a_refused_write_leaves_the_database_as_it_was(run, pg_cluster, pg_url, plan_dir) -> None:  # type: ignore[no-untyped-def]
    cli = run(pg_url)
    cli.ok(*ADD)
    name = _name(pg_url)
    dump = "SELECT string_agg(e::text, '|' ORDER BY id) FROM entry e"
    before = pg_cluster.psql(dump, name)
    code, _, err = cli("add", "community-approach", "--area", "1")  # needs an organisation
    assert code == 2 and err.startswith("エラー: ") and "--org" in err
    assert pg_cluster.psql(dump, name) == before
