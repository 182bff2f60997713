"""The retention the council sets (issue 14): keep all by default; `purge --set-retention N`
keeps N fiscal years, and `purge` alone then removes what is older."""

from __future__ import annotations

from pathlib import Path

from tests.unit.conftest import CLI, table_dump
from tests.unit.test_purge_cli import add, uuids


def test_keep_all_is_the_default_and_purge_alone_removes_nothing(cli: CLI, db_path: Path) -> None:
    add(cli, db_path, "2022-06-01")
    before = table_dump(db_path)
    code, _, err = cli("purge", "--yes")
    assert code == 2 and "保存期間が決められていません" in err
    assert table_dump(db_path) == before


def test_purge_alone_follows_the_retention(cli: CLI, db_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2024-10-01")
    old = add(cli, db_path, "2022-06-01")
    kept = add(cli, db_path, "2023-06-01")
    now = add(cli, db_path, "2024-06-01")
    before = table_dump(db_path)
    code, out, err = cli("purge", "--set-retention", "2")
    assert code == 0, err
    assert "令和5年度より前" in out and table_dump(db_path) != before  # only the setting
    assert uuids(cli, db_path) == {old, kept, now}
    code, out, err = cli("purge", "--yes")
    assert code == 0, err
    assert uuids(cli, db_path) == {kept, now}
    code, out, err = cli("purge", "--set-retention", "0")
    assert code == 0 and "すべて保存" in out
    code, _, err = cli("purge", "--set-retention", "-1")
    assert code == 2 and "0 (すべて保存)" in err


def test_the_current_year_and_later_are_never_purged(cli: CLI, db_path: Path) -> None:
    add(cli, db_path, "2024-06-01")
    before = table_dump(db_path)
    for year in ("2025", "R7", "2099"):
        code, _, err = cli("purge", "--before-fy", year, "--yes")
        assert code == 2 and "今年度より前の年度だけ" in err, (year, err)
    assert table_dump(db_path) == before  # no watermark either: merges still take this year
