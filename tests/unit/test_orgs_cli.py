"""Issue 13: `orgs list|rename|merge` on the command line; renames and folds are organisation
changes that travel by merge."""

from __future__ import annotations

from pathlib import Path

from tests.unit.conftest import CLI, table_dump


def add(cli: CLI, db: Path, org: str, date: str = "2024-05-01") -> str:
    return cli.json(
        "add", "community-approach", "--area", "1", "--org", org, "--date", date, "--db", str(db)
    )["uuid"]


def test_list_shows_name_uuid_and_this_years_entries(cli: CLI, db_path: Path) -> None:
    add(cli, db_path, "サロンX")
    add(cli, db_path, "サロンX")
    add(cli, db_path, "サロンX", date="2023-05-01")
    add(cli, db_path, "みどり会")
    listed = cli.json("orgs", "list")
    assert [(o["name"], o["entries"]) for o in listed] == [("みどり会", 1), ("サロンX", 2)]
    assert all(len(o["uuid"]) == 36 and o["merged_into"] is None for o in listed)
    assert [o["entries"] for o in cli.json("orgs", "list", "--fy", "2023")] == [0, 1]
    code, out, _ = cli("orgs", "list")
    assert code == 0 and "サロンX" in out and listed[0]["uuid"] in out


def test_merge_by_name_and_rename_by_uuid_prefix(cli: CLI, db_path: Path) -> None:
    add(cli, db_path, "サロンX")
    add(cli, db_path, "サロンY")
    y = next(o for o in cli.json("orgs", "list") if o["name"] == "サロンY")
    code, out, err = cli("orgs", "merge", "サロン X", "サロンY")  # as typed anywhere
    assert code == 0, err
    assert "統合しました" in out
    assert [(o["name"], o["entries"]) for o in cli.json("orgs", "list")] == [("サロンY", 2)]
    merged = cli.json("orgs", "list", "--all")
    assert [(o["name"], o["merged_into"]) for o in merged] == [
        ("サロンY", None),
        ("サロンX", y["uuid"]),
    ]
    assert cli("orgs", "rename", y["uuid"][:8], "サロンY若葉")[0] == 0
    assert [o["name"] for o in cli.json("orgs", "list")] == ["サロンY若葉"]
    assert cli.json("log", "--fy", "2024")["entries"][0]["organisation"] == "サロンY若葉"


def test_a_rename_and_a_fold_travel_by_merge(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    add(cli, a, "サロンX")
    add(cli, a, "サロンY")
    assert cli("merge", str(a), "--db", str(b))[0] == 0
    assert cli("orgs", "rename", "サロンY", "サロンY若葉", "--db", str(a))[0] == 0
    assert cli("orgs", "merge", "サロンX", "サロンY若葉", "--db", str(a))[0] == 0
    assert cli("merge", str(a), "--db", str(b))[0] == 0
    for db in (a, b):
        assert [o["name"] for o in cli.json("orgs", "list", "--db", str(db))] == ["サロンY若葉"]
    assert (
        cli("orgs", "list", "--all", "--json", "--db", str(a))[1]
        == cli("orgs", "list", "--all", "--json", "--db", str(b))[1]
    )


def test_bad_names_exit_2_in_japanese_and_change_nothing(cli: CLI, db_path: Path) -> None:
    add(cli, db_path, "サロンX")
    add(cli, db_path, "サロンY")
    before = table_dump(db_path)
    for argv, words in (
        (("orgs", "rename", "ないサロン", "新"), "ありません"),
        (("orgs", "rename", "サロンX", "サロンY"), "既にあります"),
        (("orgs", "rename", "サロンX", "  "), "空"),
        (("orgs", "merge", "サロンX", "サロンX"), "統合できません"),
        (("orgs", "merge", "サロンX", "ないサロン"), "ありません"),
    ):
        code, _, err = cli(*argv)
        assert code == 2 and words in err, (argv, err)
    assert table_dump(db_path) == before
