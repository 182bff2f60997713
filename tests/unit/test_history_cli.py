"""Issue 14: `history ID [--json]`: every change of an entry (or organisation), read from the
change log, with when, which device and which coordinator."""

from __future__ import annotations

from pathlib import Path

from tests.unit.conftest import CLI, table_dump


def add(cli: CLI, db: Path, *argv: str) -> str:
    return cli.json("add", *argv, "--date", "2024-05-01", "--db", str(db))["uuid"]


def test_added_edited_deleted_restored_lists_each_step_with_its_fields(
    cli: CLI, db_path: Path
) -> None:
    assert cli("settings", "--coordinator", "山田")[0] == 0
    uuid = add(cli, db_path, "awareness", "--area", "1", "--note", "最初")
    assert cli("edit", uuid[:8], "--note", "直した", "--count", "3")[0] == 0
    assert cli("delete", uuid[:8])[0] == 0
    assert cli("restore", uuid[:8])[0] == 0
    shown = cli.json("history", uuid[:6])
    assert shown["kind"] == "entry" and shown["record"] == uuid
    steps = shown["steps"]
    assert [s["what"] for s in steps] == ["作成", "編集", "削除", "復元"]
    assert {s["device"] for s in steps} == {"このパソコン"}
    assert {s["coordinator"] for s in steps} == {"山田"}
    edit = {f["field"]: (f["old"], f["new"]) for f in steps[1]["fields"]}
    assert edit == {"note": ("最初", "直した"), "count": ("1", "3")}
    assert [(f["field"], f["old"], f["new"]) for f in steps[2]["fields"]] == [
        ("deleted", "いいえ", "はい")
    ]
    assert [(f["field"], f["new"]) for f in steps[3]["fields"]] == [("deleted", "いいえ")]
    created = {f["field"]: f["new"] for f in steps[0]["fields"]}
    assert created["note"] == "最初" and created["targets"] == "啓発件数"
    code, out, _ = cli("history", uuid)
    assert code == 0
    assert "メモ: 最初 → 直した" in out and "件数: 1 → 3" in out
    heads = [line.split("  ")[1] for line in out.splitlines() if "このパソコン" in line]
    assert heads == ["作成", "編集", "削除", "復元"]


def test_a_change_from_another_laptop_says_so_with_its_device(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    assert cli("merge", str(a), "--db", str(b))[0] == 0
    assert cli("settings", "--coordinator", "佐藤", "--db", str(b))[0] == 0
    assert cli("edit", uuid, "--note", "Bで", "--db", str(b))[0] == 0
    assert cli("merge", str(b), "--db", str(a))[0] == 0
    steps = cli.json("history", uuid, "--db", str(a))["steps"]
    assert [s["what"] for s in steps] == ["作成", "編集 (他のパソコンから取り込み)"]
    assert steps[0]["device"] == "このパソコン" and steps[0]["imported"] is False
    import sqlite3

    con = sqlite3.connect(b)
    b_id = con.execute("SELECT value FROM setting WHERE key = 'device_id'").fetchone()[0]
    con.close()
    assert steps[1]["device"] == b_id[:8] and steps[1]["coordinator"] == "佐藤"
    # on B, the same edit is its own
    steps_b = cli.json("history", uuid, "--db", str(b))["steps"]
    assert steps_b[0]["what"] == "作成 (他のパソコンから取り込み)"
    assert steps_b[1]["device"] == "このパソコン"


def test_an_organisation_history_shows_rename_and_fold(cli: CLI, db_path: Path) -> None:
    add(cli, db_path, "community-approach", "--area", "1", "--org", "サロンX")
    add(cli, db_path, "community-approach", "--area", "1", "--org", "サロンY")
    assert cli("orgs", "rename", "サロンX", "サロンX若葉")[0] == 0
    assert cli("orgs", "merge", "サロンX若葉", "サロンY")[0] == 0
    steps = cli.json("history", "サロンX若葉")["steps"]
    assert [s["what"] for s in steps] == ["作成", "名前の変更", "統合"]
    assert [(f["old"], f["new"]) for f in steps[1]["fields"]] == [("サロンX", "サロンX若葉")]
    assert [(f["label"], f["new"]) for f in steps[2]["fields"]] == [("統合先", "サロンY")]


def test_user_text_reaches_the_terminal_without_control_characters(cli: CLI, db_path: Path) -> None:
    uuid = add(cli, db_path, "awareness", "--area", "1")
    assert cli("edit", uuid, "--note", "ok")[0] == 0
    import sqlite3

    con = sqlite3.connect(db_path)  # a hostile note, as a damaged or foreign log could hold
    con.execute(
        "UPDATE change SET state = json_set(state, '$.note', 'x' || char(27) || '[31mred')"
        " WHERE op = 'edit'"
    )
    con.commit()
    con.close()
    code, out, _ = cli("history", uuid)
    assert code == 0 and "\x1b" not in out and "red" in out


def test_unknown_or_ambiguous_ids_exit_2_in_japanese(cli: CLI, db_path: Path) -> None:
    add(cli, db_path, "awareness", "--area", "1")
    before = table_dump(db_path)
    for ident in ("ffffffff", "ab", "そんな団体"):
        code, _, err = cli("history", ident)
        assert code == 2 and "エラー:" in err and ("ありません" in err or "指定" in err)
    assert table_dump(db_path) == before
