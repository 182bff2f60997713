"""Issue 14: `purge --before-fy Y` removes old entries (live and deleted), their history and
the 評価・課題 of those years after showing what would go and asking; `--yes` without a
terminal; merges and syncs never bring them back (the watermark)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.unit.conftest import CLI, table_dump

INI = "outreach-place"


def add(cli: CLI, db: Path, date: str, *argv: str) -> str:
    return cli.json("add", "awareness", "--area", "1", *argv, "--date", date, "--db", str(db))[
        "uuid"
    ]


def uuids(cli: CLI, db: Path) -> set[str]:
    listed = cli.json("log", "--since", "2000-04-01", "--deleted", "--db", str(db))["entries"]
    return {e["uuid"] for e in listed}


def three_years(cli: CLI, db: Path) -> dict[str, str]:
    made = {
        "2022": add(cli, db, "2022-06-01"),
        "2023": add(cli, db, "2023-06-01", "--org", "古いサロン"),
        "2023-gone": add(cli, db, "2023-07-01"),
        "2024": add(cli, db, "2024-06-01"),
    }
    assert cli("edit", made["2023"], "--note", "直した", "--db", str(db))[0] == 0
    assert cli("delete", made["2023-gone"], "--db", str(db))[0] == 0
    code, _, err = cli("plan", "new", "--fy", "2023", "--db", str(db))  # 評価 needs the year's plan
    assert code == 0, err
    for fy in ("2023", "2024"):
        code, _, err = cli(
            "evaluation", "--fy", fy, "--initiative", INI, "--set", f"{fy}の評価", "--db", str(db)
        )
        assert code == 0, err
    return made


def count(db: Path, sql: str) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute(sql).fetchone()[0])
    finally:
        con.close()


def test_without_a_terminal_it_needs_yes_and_changes_nothing(cli: CLI, db_path: Path) -> None:
    three_years(cli, db_path)
    before = table_dump(db_path)
    code, out, err = cli("purge", "--before-fy", "2024")
    assert code == 2 and "--yes" in err and out == ""
    assert table_dump(db_path) == before


def test_purge_shows_per_year_removes_history_and_sets_the_watermark(
    cli: CLI, db_path: Path
) -> None:
    made = three_years(cli, db_path)
    progress_2024 = cli.json("progress", "--fy", "2024")
    done = cli.json("purge", "--before-fy", "R6", "--yes")
    years = {y["fiscal_year"]: y for y in done["years"]}
    assert sorted(years) == [2022, 2023]
    assert (years[2023]["entries_live"], years[2023]["entries_deleted"]) == (1, 1)
    assert years[2023]["evaluations"] == 1 and years[2022]["evaluations"] == 0
    assert years[2023]["history"] == 5  # two creates, an edit, a delete, the 評価 write
    assert done["watermark_after"] == 2024
    assert uuids(cli, db_path) == {made["2024"]}
    for gone in (made["2022"], made["2023"], made["2023-gone"]):
        assert count(db_path, f"SELECT COUNT(*) FROM change WHERE record = '{gone}'") == 0
        assert cli("history", gone)[0] == 2
    assert count(db_path, "SELECT COUNT(*) FROM evaluation WHERE fiscal_year < 2024") == 0
    assert count(db_path, "SELECT COUNT(*) FROM evaluation WHERE fiscal_year = 2024") == 1
    assert count(db_path, "SELECT COUNT(*) FROM entry_target") == 1
    assert [o["name"] for o in cli.json("orgs", "list", "--all")] == ["古いサロン"]  # stays
    assert cli.json("progress", "--fy", "2024") == progress_2024
    con = sqlite3.connect(db_path)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    con.close()
    # a later, lower purge never lowers the watermark
    assert cli.json("purge", "--before-fy", "2020", "--yes")["watermark_after"] == 2024


def test_on_a_terminal_it_asks_and_no_keeps_everything(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chofu_tui.cli import purge

    three_years(cli, db_path)
    before = table_dump(db_path)
    monkeypatch.setattr(purge, "on_terminal", lambda: True)
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda q: asked.append(q) or "n")
    code, out, _ = cli("purge", "--before-fy", "2024")
    assert code == 0 and "令和5年度" in out and "削除しませんでした" in out
    assert asked and "[y/N]" in asked[0]
    assert table_dump(db_path) == before
    monkeypatch.setattr("builtins.input", lambda q: "y")
    code, out, _ = cli("purge", "--before-fy", "2024")
    assert code == 0 and "削除しました" in out
    assert len(uuids(cli, db_path)) == 1


def test_a_merge_or_a_sync_never_brings_purged_entries_back(cli: CLI, tmp_path: Path) -> None:
    a, b, c = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "c.db"
    made = three_years(cli, a)
    assert cli("merge", str(a), "--db", str(b))[0] == 0
    assert cli("merge", str(a), "--db", str(c))[0] == 0
    assert cli("edit", made["2023"], "--note", "Bでも直した", "--db", str(b))[0] == 0
    assert cli.json("purge", "--before-fy", "2024", "--yes", "--db", str(a))["years"]
    report = cli.json("merge", str(b), "--db", str(a))[0]
    assert report["purged"] > 0 and report["entries_added"] == 0
    assert uuids(cli, a) == {made["2024"]}
    code, _, err = cli("sync", str(c), "--db", str(a))
    assert code == 0, err
    assert uuids(cli, a) == {made["2024"]}
    assert count(a, "SELECT COUNT(*) FROM evaluation WHERE fiscal_year < 2024") == 0
    assert count(a, "SELECT COUNT(*) FROM change WHERE state LIKE '%2023-%'") == 0


def test_nothing_to_remove_and_no_new_watermark_asks_nothing(
    cli: CLI, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chofu_tui.cli import purge

    add(cli, db_path, "2024-06-01")
    assert cli.json("purge", "--before-fy", "2023", "--yes")["watermark_after"] == 2023
    before = table_dump(db_path)
    monkeypatch.setattr(purge, "on_terminal", lambda: True)
    monkeypatch.setattr("builtins.input", lambda q: pytest.fail("asked"))
    code, out, _ = cli("purge", "--before-fy", "2022")
    assert code == 0 and "ありません" in out
    assert table_dump(db_path) == before
    # a higher watermark with nothing here to remove is still a question
    monkeypatch.setattr("builtins.input", lambda q: "n")
    code, out, _ = cli("purge", "--before-fy", "2024")
    assert code == 0 and "取り込みません" in out and "削除しませんでした" in out
    assert table_dump(db_path) == before
