"""評価・課題 (issue 11): the service's rules, the merge (both ways, idempotent, old stores),
the command line, and the report's field."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from pathlib import Path

import pytest

from chofu_tui.errors import UserError
from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import evaluations
from chofu_tui.store import db
from tests.unit.conftest import CLI, table_dump

INI = "outreach-place"
OTHER = "multi-agency"


# --- the service -----------------------------------------------------------------------------


def test_save_get_and_all_for(store, catalog: PlanCatalog) -> None:
    assert evaluations.get(2024, INI) == ""
    assert evaluations.all_for(2024) == {}
    stored = evaluations.save(FiscalYear(2024), INI, "  場の整備が進んだ。\n課題: 周知  ")
    assert stored == "場の整備が進んだ。\n課題: 周知"
    assert evaluations.get(FiscalYear(2024), INI) == stored
    evaluations.save(2024, OTHER, "連携会議を開いた")
    assert evaluations.all_for(2024) == {INI: stored, OTHER: "連携会議を開いた"}
    assert evaluations.all_for(2025) == {}  # stored per year
    evaluations.save(2024, INI, "書き直し")  # one row per year and initiative: overwritten
    assert evaluations.get(2024, INI) == "書き直し"
    count = store.execute_sql("SELECT count(*) FROM evaluation").fetchone()[0]
    assert count == 2


def test_controls_are_stripped_keeping_newlines(store) -> None:
    text = "一行目\r\n\x1b[31m赤\x1b[0m\t二行目\x07\u202e[/]"
    assert evaluations.save(2024, INI, text) == "一行目\n赤\t二行目[/]"
    assert evaluations.get(2024, INI) == "一行目\n赤\t二行目[/]"


def test_too_long_is_refused_and_nothing_changes(store, db_path: Path) -> None:
    evaluations.save(2024, INI, "元の文")
    before = table_dump(db_path)
    with pytest.raises(UserError, match="2,000文字まで"):
        evaluations.save(2024, INI, "あ" * 2001)
    assert table_dump(db_path) == before
    assert evaluations.save(2024, INI, "あ" * 2000) == "あ" * 2000  # the limit itself is fine


def test_blank_clears_and_keeps_a_record_of_the_clearing(store) -> None:
    assert evaluations.save(2024, INI, "   \n ") == ""  # nothing to clear: no row made
    assert store.execute_sql("SELECT count(*) FROM evaluation").fetchone()[0] == 0
    evaluations.save(2024, INI, "書いた")
    row = store.execute_sql("SELECT updated_at FROM evaluation").fetchone()
    assert evaluations.save(2024, INI, "  ") == ""
    assert evaluations.get(2024, INI) == ""
    assert evaluations.all_for(2024) == {}
    # the cleared row stays (text "", a later updated_at), so the clearing can travel
    text, updated = store.execute_sql("SELECT text, updated_at FROM evaluation").fetchone()
    assert text == "" and updated > row[0]


# --- the merge -------------------------------------------------------------------------------


def _write(cli: CLI, db: Path, ini: str, *how: str) -> None:
    code, _, err = cli("evaluation", "--fy", "2024", "--initiative", ini, *how, "--db", str(db))
    assert code == 0, err


def _texts(cli: CLI, db: Path) -> dict[str, str]:
    data = cli.json("evaluation", "--fy", "2024", "--db", str(db))
    return {r["initiative_id"]: r["text"] for r in data["evaluations"] if r["text"]}


def _rows(db: Path) -> list[tuple]:
    con = sqlite3.connect(db)
    try:
        return sorted(con.execute("SELECT * FROM evaluation ORDER BY uuid").fetchall())
    finally:
        con.close()


def test_merge_brings_evaluations_both_ways_and_twice_changes_nothing(
    cli: CLI, tmp_path: Path
) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    _write(cli, a, INI, "--set", "Aの古い評価")
    _write(cli, a, OTHER, "--set", "Aだけの評価")
    _write(cli, b, INI, "--set", "Bの新しい評価")  # later: wins on both sides
    code, out, err = cli("merge", str(b), "--db", str(a))
    assert code == 0, err
    assert "評価・課題 新規 0 件、更新 1 件" in out
    assert _texts(cli, a) == {INI: "Bの新しい評価", OTHER: "Aだけの評価"}
    code, out, err = cli("merge", str(a), "--db", str(b))
    assert code == 0, err
    assert "評価・課題 新規 1 件、更新 0 件" in out
    assert _texts(cli, b) == _texts(cli, a)
    # both stores hold the same rows (UUIDs and times too), and merging again changes nothing
    assert [r[1:] for r in _rows(a)] == [r[1:] for r in _rows(b)]
    before_a, before_b = table_dump(a), table_dump(b)
    result = cli.json("merge", str(b), "--db", str(a))[0]
    assert (result["evaluations_added"], result["evaluations_updated"]) == (0, 0)
    cli("merge", str(a), "--db", str(b))
    assert (table_dump(a), table_dump(b)) == (before_a, before_b)


def test_a_clearing_travels_and_an_older_copy_does_not_undo_it(cli: CLI, tmp_path: Path) -> None:
    a, b, old = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "old.db"
    _write(cli, a, INI, "--set", "消される評価")
    assert cli("backup", str(old), "--db", str(a))[0] == 0
    cli("merge", str(a), "--db", str(b))
    assert _texts(cli, b) == {INI: "消される評価"}
    _write(cli, a, INI, "--clear")
    cli("merge", str(a), "--db", str(b))
    assert _texts(cli, b) == {}
    cli("merge", str(old), "--db", str(b))  # an older copy does not bring it back
    assert _texts(cli, b) == {}


def _old_schema(path: Path) -> None:
    """A store as the version before 評価・課題 left it: no evaluation table."""
    con = sqlite3.connect(path)
    con.execute("DROP TABLE evaluation")
    con.execute("DROP TABLE IF EXISTS change")  # (the change log came after)
    # the version before the evaluation migration (wherever the lead numbers it)
    con.execute(f"PRAGMA user_version = {db.MIGRATIONS.index(db._v4)}")
    con.commit()
    con.close()


def test_a_store_from_before_evaluations_merges(cli: CLI, tmp_path: Path) -> None:
    a, old = tmp_path / "a.db", tmp_path / "old.db"
    cli.json("add", "awareness", "--area", "1", "--date", "2024-05-01", "--db", str(old))
    _old_schema(old)
    _write(cli, a, INI, "--set", "ここの評価")
    code, out, err = cli("merge", str(old), "--db", str(a))
    assert code == 0, err
    assert "記録 新規 1 件" in out and "評価・課題 新規 0 件、更新 0 件" in out
    assert _texts(cli, a) == {INI: "ここの評価"}
    # and an old store opened by this version gets the table (its migration)
    _write(cli, old, OTHER, "--set", "移行後の評価")
    assert _texts(cli, old) == {OTHER: "移行後の評価"}


def test_a_bad_evaluation_refuses_the_whole_merge(cli: CLI, tmp_path: Path) -> None:
    a, bad = tmp_path / "a.db", tmp_path / "bad.db"
    cli.json("add", "awareness", "--area", "1", "--date", "2024-05-01", "--db", str(bad))
    _write(cli, bad, INI, "--set", "短い")
    con = sqlite3.connect(bad)
    # a v5 store is merged from its change log: the damage is in its changes
    con.execute(
        "UPDATE change SET state = json_set(state, '$.text', ?) WHERE kind = 'evaluation'",
        ("あ" * 2001,),
    )
    con.commit()
    con.close()
    _write(cli, a, OTHER, "--set", "ここの評価")
    before = table_dump(a)
    code, _, err = cli("merge", str(bad), "--db", str(a))
    assert code == 2
    assert "evaluation.text" in err and "何も取り込んでいません" in err
    assert table_dump(a) == before
    # --skip-invalid brings the entry and lists the evaluation it left out
    code, out, err = cli("merge", str(bad), "--skip-invalid", "--db", str(a))
    assert code == 0, err
    assert "記録 新規 1 件" in out and "evaluation.text" in err
    assert _texts(cli, a) == {OTHER: "ここの評価"}


def test_merged_text_is_cleaned(cli: CLI, tmp_path: Path) -> None:
    a, src = tmp_path / "a.db", tmp_path / "src.db"
    _write(cli, src, INI, "--set", "x")
    con = sqlite3.connect(src)
    con.execute(
        "UPDATE change SET state = json_set(state, '$.text', ?) WHERE kind = 'evaluation'",
        ("\x1b]0;title\x07一行\n二行\x1b[2J",),
    )
    con.commit()
    con.close()
    assert cli("merge", str(src), "--db", str(a))[0] == 0
    assert _texts(cli, a) == {INI: "一行\n二行"}


# --- the command line ------------------------------------------------------------------------


def test_cli_reads_writes_and_clears(cli: CLI, db_path: Path) -> None:
    code, out, _ = cli("evaluation", "--fy", "2024")
    assert code == 0
    assert f"◆ {INI} " in out and "(未記入)" in out
    code, out, err = cli("evaluation", "--fy", "R6", "--initiative", INI, "--set", "一行目\n二行目")
    assert code == 0, err
    assert "保存しました" in out and "  一行目\n  二行目" in out
    data = cli.json("evaluation", "--fy", "2024", "--initiative", INI)
    assert data["fiscal_year"] == 2024
    assert data["evaluations"] == [
        {
            "initiative_id": INI,
            "heading": data["evaluations"][0]["heading"],
            "title": data["evaluations"][0]["title"],
            "text": "一行目\n二行目",
        }
    ]
    code, out, _ = cli("evaluation", "--fy", "2024", "--initiative", INI, "--clear")
    assert code == 0 and "消去しました" in out
    assert _texts(cli, db_path) == {}


def test_cli_refusals_change_nothing(cli: CLI, db_path: Path) -> None:
    _write(cli, db_path, INI, "--set", "元の文")
    before = table_dump(db_path)
    for argv, said in (
        (("--initiative", "no-such", "--set", "x"), "取組 'no-such' がありません"),
        (("--set", "x"), "--initiative"),
        (("--initiative", INI, "--set", "あ" * 2001), "2,000文字まで"),
        (("--initiative", INI, "--set", "x", "--clear"), "--clear"),
    ):
        code, _, err = cli("evaluation", "--fy", "2024", *argv)
        assert code == 2, argv
        assert said in err
    assert table_dump(db_path) == before


def test_cli_output_has_no_controls(cli: CLI, db_path: Path) -> None:
    _write(cli, db_path, INI, "--set", "a\x1b[2Jb\x9b31mc")
    code, out, _ = cli("evaluation", "--fy", "2024", "--initiative", INI)
    assert code == 0
    assert "\x1b" not in out and "\x9b" not in out and "  abc" in out
    assert json.loads(cli("evaluation", "--fy", "2024", "--json")[1])


# --- the report ------------------------------------------------------------------------------


def test_report_carries_the_years_evaluations(store, catalog: PlanCatalog) -> None:
    from chofu_tui.services.report.build import build_report

    plan = catalog.get(FiscalYear(2024)).plan
    evaluations.save(2024, INI, "報告に載る評価")
    evaluations.save(2024, "not-in-the-plan", "計画にない取組")
    evaluations.save(2025, OTHER, "翌年度の評価")
    report = build_report(plan, dt.date(2025, 3, 31))
    assert report.evaluations == {INI: "報告に載る評価"}


def test_a_source_that_moves_an_evaluation_to_another_initiative_is_refused(
    cli: CLI, tmp_path: Path
) -> None:
    a, src = tmp_path / "a.db", tmp_path / "src.db"
    _write(cli, src, INI, "--set", "元の取組の評価")
    cli("merge", str(src), "--db", str(a))
    _write(cli, src, INI, "--set", "書き直した評価")
    con = sqlite3.connect(src)
    con.execute(
        "UPDATE change SET state = json_set(state, '$.initiative_id', ?) WHERE kind = 'evaluation'",
        (OTHER,),
    )
    con.commit()
    con.close()
    before = table_dump(a)
    code, _, err = cli("merge", str(src), "--db", str(a))
    assert code == 2 and "年度・取組" in err
    assert table_dump(a) == before
