"""Issue 13: `conflicts [--json]` lists changes made on two laptops without seeing each other
(both sides, the fields that differ, which applies now and why); `conflicts resolve ID --keep
mine|theirs` settles one, and the settlement travels."""

from __future__ import annotations

from pathlib import Path

from tests.unit.conftest import CLI, table_dump


def add(cli: CLI, db: Path, *argv: str) -> str:
    return cli.json("add", *argv, "--date", "2024-05-01", "--db", str(db))["uuid"]


def conflicted(cli: CLI, tmp_path: Path) -> tuple[Path, Path, str]:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    assert cli("merge", str(a), "--db", str(b))[0] == 0
    assert cli("settings", "--coordinator", "佐藤", "--db", str(b))[0] == 0
    assert cli("edit", uuid, "--note", "Aのメモ", "--db", str(a))[0] == 0
    assert cli("edit", uuid, "--count", "3", "--db", str(b))[0] == 0
    assert cli("merge", str(b), "--db", str(a))[0] == 0
    return a, b, uuid


def test_conflicts_lists_both_sides_and_what_applies(cli: CLI, tmp_path: Path) -> None:
    a, _, uuid = conflicted(cli, tmp_path)
    (found,) = cli.json("conflicts", "--db", str(a))
    assert found["kind"] == "entry" and found["record"] == uuid
    assert found["label"] == "2024-05-01  啓発件数"
    assert found["mine"]["device"] == "このパソコン" and found["mine"]["state"]["note"] == "Aのメモ"
    assert found["theirs"]["coordinator"] == "佐藤" and found["theirs"]["state"]["count"] == 3
    assert found["theirs"]["device"] != "このパソコン" and len(found["theirs"]["device"]) == 8
    assert {f["field"]: (f["old"], f["new"]) for f in found["fields"]} == {
        "count": ("1", "3"),
        "note": ("Aのメモ", "(なし)"),
    }
    assert found["applies"] in ("mine", "theirs") and found["why"]
    code, out, _ = cli("conflicts", "--db", str(a))
    assert code == 0 and f"競合 記録 {uuid}" in out and "いま有効" in out and "競合 1 件" in out


def test_a_deletion_that_did_not_see_an_edit_applies_and_says_why(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    uuid = add(cli, a, "awareness", "--area", "1")
    assert cli("merge", str(a), "--db", str(b))[0] == 0
    assert cli("delete", uuid, "--db", str(a))[0] == 0
    assert cli("edit", uuid, "--note", "後から", "--db", str(b))[0] == 0
    assert cli("merge", str(b), "--db", str(a))[0] == 0
    (found,) = cli.json("conflicts", "--db", str(a))
    assert found["applies"] == "mine" and "削除" in found["why"]


def test_resolve_keeps_theirs_and_the_settlement_travels(cli: CLI, tmp_path: Path) -> None:
    a, b, uuid = conflicted(cli, tmp_path)
    code, out, err = cli("conflicts", "resolve", uuid[:7], "--keep", "mine", "--db", str(a))
    assert code == 0, err and "解決しました" in out
    assert cli.json("conflicts", "--db", str(a)) == []
    shown = cli.json("log", "--fy", "2024", "--db", str(a))["entries"][0]
    assert shown["note"] == "Aのメモ" and shown["count"] == 1
    assert cli("merge", str(a), "--db", str(b))[0] == 0
    assert cli.json("conflicts", "--db", str(b)) == []
    steps = cli.json("history", uuid, "--db", str(a))["steps"]
    assert steps[-1]["what"] == "競合の解決"
    assert cli("conflicts", "--db", str(b))[1].strip() == "競合はありません"


def test_unknown_ambiguous_or_settled_ids_exit_2_and_change_nothing(
    cli: CLI, tmp_path: Path
) -> None:
    a, _, uuid = conflicted(cli, tmp_path)
    other = add(cli, a, "awareness", "--area", "2")
    before = table_dump(a)
    for ident, words in (
        ("ffffffff", "ありません"),
        ("abc", "6 文字以上"),
        (other, "競合していません"),
    ):
        code, _, err = cli("conflicts", "resolve", ident, "--keep", "theirs", "--db", str(a))
        assert code == 2 and words in err, err
    code, _, err = cli("conflicts", "resolve", uuid, "--keep", "both", "--db", str(a))
    assert code == 2
    assert table_dump(a) == before
