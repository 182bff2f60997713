"""Issue 8 (text that comes in, merge input) and issue 9 (#9 coordinator, #12 CLI values):
what a user or another laptop hands in is cleaned or refused before it reaches the store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from chofu_tui.errors import UserError
from chofu_tui.paths import bundled_plan_dir
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import checks, entries, organisations, settings
from chofu_tui.store import open_store
from tests.unit.conftest import CLI, table_dump

ESCAPES = "\x1b[2J\x1b]0;title\x07"


def add(cli: CLI, db: Path | None, *argv: str) -> tuple[int, str, str]:
    where = ("--db", str(db)) if db else ()
    return cli("add", *argv, "--date", "2024-05-01", *where)


def log(cli: CLI, db: Path | None = None) -> list[dict]:
    where = ("--db", str(db)) if db else ()
    return cli.json("log", "--fy", "2024", *where)["entries"]


def refused(cli: CLI, db_path: Path, *argv: str, says: str) -> str:
    before = table_dump(db_path)
    code, _, err = cli(*argv)
    assert code == 2, err
    assert says in err, err
    assert "Traceback" not in err
    assert table_dump(db_path) == before
    return err


@pytest.fixture
def stored(cli: CLI, db_path: Path) -> Path:
    """A store with one entry in it."""
    assert add(cli, None, "awareness", "--area", "1")[0] == 0
    return db_path


# Control characters -------------------------------------------------------------------------


def test_control_characters_never_reach_the_store(cli: CLI) -> None:
    code, _, err = add(
        cli, None, "community-approach", "--area", "1",
        "--note", f"一行目{ESCAPES}\n\t二行目\r\n三行目\x00\x85",
        "--org", f"サロン{ESCAPES}若葉", "--coordinator", f"佐藤{ESCAPES}",
    )  # fmt: skip
    assert code == 0, err
    row = log(cli)[0]
    assert row["note"] == "一行目\n\t二行目\n三行目"  # newline and tab stay
    assert row["organisation"] == "サロン若葉"
    assert row["coordinator"] == "佐藤"


def test_log_prints_no_control_bytes_for_rows_stored_before(cli: CLI, stored: Path) -> None:
    con = sqlite3.connect(stored)
    con.execute(
        "INSERT INTO organisation (uuid, name, key, created_at, updated_at, device_id)"
        " VALUES ('o1', ?, 'x', 'a', 'a', 'd')",
        (f"会{ESCAPES}\n名",),
    )
    con.execute("UPDATE entry SET organisation_id = 1")
    con.commit()
    con.close()
    code, out, _ = cli("log", "--fy", "2024")
    assert code == 0 and "会 名" in out
    assert not any(c in out for c in "\x1b\x07\x00\r")


def test_log_json_escapes_every_control_character(cli: CLI, stored: Path) -> None:
    note = "a\x9b2J\x7f\u202eb\x1b[0m"
    _edit(stored, "UPDATE entry SET note = ?", params=(note,))
    code, out, _ = cli("log", "--fy", "2024", "--json")
    assert code == 0 and not any(c in out for c in "\x9b\x7f\u202e\x1b")
    assert json.loads(out)["entries"][0]["note"] == note  # the same data, escaped


def test_renaming_an_organisation_strips_controls_and_keeps_the_limit(stored: Path) -> None:
    db = open_store(stored)
    try:
        with db.atomic():
            org = organisations.find_or_create("A会", "dev")
        organisations.rename(org.id, f"B{ESCAPES}会")
        assert organisations.search("B") == ["B会"]
        with pytest.raises(UserError, match="100文字まで"):
            organisations.rename(org.id, "あ" * 101)
    finally:
        db.close()


# Case codes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("C1024", "C1024"), ("C-0012", "C-0012"), ("AB-123", "AB-123"), ("c-0012", "C-0012"),
     ("Ｃ－００１２", "C-0012"), ("ABC12345", "ABC12345")],
)  # fmt: skip
def test_case_codes_of_the_councils_shape_are_kept(cli: CLI, typed: str, stored: str) -> None:
    code, _, err = add(cli, None, "case-support-family", "--area", "1", "--case", typed)
    assert code == 0, err
    assert log(cli)[0]["case_code"] == stored


@pytest.mark.parametrize(
    "person_like",
    ["TARO-19850412", "YH-19850412-0312", "ＫＥＮ－１９８５０４１２", "TEL-0312-3456",
     "山田花子 1985-04-12 090-1234-5678", "C-123456", "ABCD-1", "C 0012"],
)  # fmt: skip
def test_case_codes_that_are_names_or_birth_dates_are_refused(
    cli: CLI, stored: Path, person_like: str
) -> None:
    err = refused(
        cli, stored, "add", "case-support-family", "--area", "1", "--case", person_like,
        "--date", "2024-05-01", says="ケースコードは英字1〜3文字",
    )  # fmt: skip
    assert "19850412" not in err  # what looks like personal data is not echoed


def _plan_with(plan_dir: Path, line: str) -> None:
    text = (bundled_plan_dir() / "plan-2024.toml").read_text(encoding="utf-8")
    plan_dir.mkdir(parents=True, exist_ok=True)
    text = text.replace("staffing = 8\n", f"staffing = 8\n{line}\n", 1)
    (plan_dir / "plan-2024.toml").write_text(text, encoding="utf-8")


def test_a_plan_may_set_its_own_case_code_pattern(cli: CLI, stored: Path, plan_dir: Path) -> None:
    _plan_with(plan_dir, 'case_code_pattern = "K[0-9]{4}"')
    assert add(cli, None, "case-support-family", "--area", "1", "--case", "ｋ１２３４")[0] == 0
    assert log(cli)[0]["case_code"] == "K1234"
    refused(cli, stored, "add", "case-support-family", "--area", "1", "--case", "C-0012",
            "--date", "2024-05-01", says="計画で決めた形")  # fmt: skip


def test_a_plan_with_a_broken_case_code_pattern_is_refused(cli: CLI, plan_dir: Path) -> None:
    _plan_with(plan_dir, 'case_code_pattern = "K[0-9"')
    code, _, err = cli("plan", "check", str(plan_dir / "plan-2024.toml"))
    assert code == 2 and "case_code_pattern" in err and "正規表現として読めません" in err


# Limits -------------------------------------------------------------------------------------


def test_counts_are_whole_numbers_from_1_to_999(cli: CLI, stored: Path) -> None:
    assert add(cli, None, "awareness", "--area", "1", "--count", "999")[0] == 0
    assert add(cli, None, "awareness", "--area", "1", "--count", "３")[0] == 0  # full-width
    assert sorted(e["count"] for e in log(cli)) == [1, 3, 999]
    for bad, says in (("1000", "999以下"), (str(2**63 - 1), "999以下"), ("1_000", "整数ではありません"),
                      ("٣", "整数ではありません"), ("১০", "整数ではありません"), ("1e3", "整数ではありません"),
                      ("0", "1以上")):  # fmt: skip
        refused(cli, stored, "add", "awareness", "--area", "1", "--count", bad, says=says)


def test_parse_count_is_the_forms_parser() -> None:
    assert entries.parse_count(" ４２ ") == 42
    for bad in ("1_000", "٤٢", "", "4.0", "1000", "-1"):
        with pytest.raises(UserError, match="回数"):
            entries.parse_count(bad)


@pytest.mark.parametrize(
    ("option", "limit", "says"),
    [("--coordinator", 40, "記録者は40文字まで"), ("--org", 100, "団体名は100文字まで"),
     ("--note", 4000, "メモは4,000文字まで")],
)  # fmt: skip
def test_text_limits(cli: CLI, stored: Path, option: str, limit: int, says: str) -> None:
    target = "community-approach" if option == "--org" else "awareness"
    code, _, err = add(cli, None, target, "--area", "1", option, "あ" * limit)
    assert code == 0, err
    refused(cli, stored, "add", target, "--area", "1", option, "あ" * (limit + 1),
            "--date", "2024-05-01", says=says)  # fmt: skip


# Coordinator (issue 9 #9) -------------------------------------------------------------------


def test_a_blank_coordinator_typed_on_purpose_is_refused(cli: CLI, stored: Path) -> None:
    for blank in ("", "   ", "\u3000", "\x1b"):
        refused(cli, stored, "add", "awareness", "--area", "1", "--coordinator", blank,
                "--date", "2024-05-01", says="記録者")  # fmt: skip
        refused(cli, stored, "settings", "--coordinator", blank, says="記録者")


def test_no_coordinator_anywhere_saves_and_says_how_to_set_one(cli: CLI) -> None:
    code, out, err = add(cli, None, "awareness", "--area", "1")
    assert code == 0 and out.strip()
    assert "「chofu-tui settings --coordinator 名前」" in err
    cli("settings", "--coordinator", "佐藤")
    code, _, err = add(cli, None, "awareness", "--area", "1")
    assert code == 0 and "settings --coordinator" not in err


def test_settings_clean_the_name_as_the_cli_does(stored: Path) -> None:
    db = open_store(stored)
    try:
        settings.save(settings.UserSettings("　佐藤\u3000 花子\x1b ", 2))
        assert settings.load() == settings.UserSettings("佐藤 花子", 2)
        with pytest.raises(UserError, match="記録者"):
            settings.save(settings.UserSettings("  ", 2))
        with pytest.raises(UserError, match="記録者"):  # clearing a name is a blank name
            settings.save(settings.UserSettings("", 3))
        with pytest.raises(UserError, match="40文字"):
            settings.save(settings.UserSettings("あ" * 41, 2))
        assert settings.load() == settings.UserSettings("佐藤 花子", 2)
    finally:
        db.close()


def test_default_coordinator(cli: CLI, stored: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    add(cli, other, "awareness", "--area", "1", "--coordinator", "他の人")
    db = open_store(stored)
    try:
        assert settings.default_coordinator() == ""  # the stored entry has no name
    finally:
        db.close()
    add(cli, None, "awareness", "--area", "1", "--coordinator", "山田")
    cli("merge", str(other))  # someone else's newer entry is not "me"
    db = open_store(stored)
    try:
        assert settings.default_coordinator() == "山田"
        settings.save(settings.UserSettings("佐藤", None))
        assert settings.default_coordinator() == "佐藤"
    finally:
        db.close()


# Values that begin with "-" (issue 9 #12) ---------------------------------------------------


def test_values_that_begin_with_a_dash(cli: CLI) -> None:
    code, _, err = add(
        cli, None, "community-approach", "--area", "1", "--note", "-参加者12名",
        "--org", "-x会", "--coordinator", "-佐藤",
    )  # fmt: skip
    assert code == 0, err
    row = log(cli)[0]
    assert (row["note"], row["organisation"], row["coordinator"]) == (
        "-参加者12名",
        "-x会",
        "-佐藤",
    )
    code, _, err = cli("settings", "--coordinator", "-田中")
    assert code == 0 and "-田中" in cli("settings")[1]
    # a forgotten value is not swallowed: `--json` stays an option
    code, _, err = cli("add", "community-approach", "--area", "1", "--org", "--json")
    assert code == 2 and "値が一つ必要です" in err


# check: rows stored before today's rules (issue 8) ------------------------------------------


def _break_rows(db: Path) -> str:
    con = sqlite3.connect(db)
    con.execute("PRAGMA ignore_check_constraints = 1")
    uuid = con.execute("SELECT uuid FROM entry").fetchone()[0]
    con.execute(
        "UPDATE entry SET count = 5000, case_code = 'TARO-19850412', note = ?, coordinator = ?",
        (f"メモ{ESCAPES}", "あ" * 41),
    )
    con.commit()
    con.close()
    return uuid


def test_check_says_when_everything_is_fine(cli: CLI, stored: Path) -> None:
    code, out, _ = cli("check")
    assert code == 0 and "今の規則に合わない記録はありません" in out
    assert cli.json("check") == {"problems": [], "count": 0}


def test_check_lists_rows_stored_before_the_rules_and_they_still_count(
    cli: CLI, stored: Path
) -> None:
    uuid = _break_rows(stored)
    code, out, _ = cli("check")
    assert code == 2
    assert uuid in out and "\x1b" not in out
    for field in ("count", "case_code", "note", "coordinator"):
        assert field in out
    assert "1 件の記録" in out and "4 箇所" in out
    data = json.loads(cli("check", "--json")[1])
    assert {(p["uuid"], p["field"]) for p in data["problems"]} == {
        (uuid, f) for f in ("count", "case_code", "note", "coordinator")
    }
    assert cli.json("progress", "--fy", "2024")["targets"][2]["actual"] == 5000  # still counted
    assert log(cli)[0]["count"] == 5000


def test_find_problems_for_the_app(stored: Path, catalog: PlanCatalog) -> None:
    uuid = _break_rows(stored)
    db = open_store(stored)
    try:
        problems = checks.find_problems(catalog)
    finally:
        db.close()
    assert all(isinstance(p, checks.Problem) and p.uuid == uuid for p in problems)
    assert {p.field for p in problems} == {"count", "case_code", "note", "coordinator"}
    assert all(p.reason for p in problems)


# Merge input (issue 8) ----------------------------------------------------------------------


def _source(cli: CLI, tmp_path: Path) -> tuple[Path, str, str]:
    """Another laptop's store: a good entry and one that the test then breaks with sqlite3."""
    src = tmp_path / "laptop.db"
    good = cli.json("add", "awareness", "--area", "2", "--date", "2024-05-01", "--db", str(src))
    bad = cli.json(
        "add", "community-approach", "case-support-family", "--area", "3", "--org", "A会",
        "--case", "C-0012", "--date", "2024-05-02", "--db", str(src),
    )  # fmt: skip
    return src, good["uuid"], bad["uuid"]


def _edit(path: Path, *sql: str, params: tuple = (), as_v4: bool = False) -> None:
    con = sqlite3.connect(path)
    con.execute("PRAGMA ignore_check_constraints = 1")
    for statement in sql:
        con.execute(statement, params if "?" in statement else ())
    if as_v4:
        # A version-5 source is read from its change log, not its rows: a source whose rows
        # were edited by hand is made a version-4 store, which is read from its rows.
        con.execute("DROP TABLE change")
        con.execute("PRAGMA user_version = 4")
    con.commit()
    con.close()


BROKEN = {
    "case_code": (
        ["UPDATE entry SET case_code = ? WHERE case_code IS NOT NULL"],
        ("山田花子 1985-04-12 090-1234-5678",),
        "ケースコード",
    ),
    "note": (
        ["UPDATE entry SET note = ? WHERE case_code IS NOT NULL"],
        ("あ\x00" * 500_000,),
        "メモは4,000文字まで",
    ),
    "count": (["UPDATE entry SET count = 1000000000000 WHERE case_code IS NOT NULL"], (), "999以下"),
    "area": (["UPDATE entry SET area = 99 WHERE case_code IS NOT NULL"], (), "圏域 '99'"),
    "targets": (
        ["UPDATE entry_target SET target_id = 'nope' WHERE target_id = 'case-support-family'"],
        (),
        "目標 'nope'",
    ),
    "organisation": (
        ["PRAGMA foreign_keys = 0", "UPDATE entry SET organisation_id = 999 WHERE case_code IS NOT NULL"],
        (),
        "取り込み元にありません",
    ),
    "coordinator": (
        ["UPDATE entry SET coordinator = ? WHERE case_code IS NOT NULL"],
        ("あ" * 41,),
        "記録者は40文字まで",
    ),
}  # fmt: skip


@pytest.mark.parametrize("field", sorted(BROKEN))
def test_a_bad_incoming_row_refuses_the_whole_merge(
    cli: CLI, stored: Path, tmp_path: Path, field: str
) -> None:
    src, good, bad = _source(cli, tmp_path)
    sql, params, says = BROKEN[field]
    _edit(src, *sql, params=params, as_v4=True)
    err = refused(cli, stored, "merge", str(src), says=says)
    assert bad in err and f"{field}:" in err and "何も取り込んでいません" in err
    assert "--skip-invalid" in err and "\x00" not in err and len(err) < 2000
    # --skip-invalid brings the rest in and says what it left out
    code, out, err = cli("merge", str(src), "--skip-invalid")
    assert code == 0, err
    assert bad in err and says in err and "取り込まなかった記録 1 件" in out
    uuids = {e["uuid"] for e in log(cli)}
    assert good in uuids and bad not in uuids


def test_an_organisation_loop_is_broken_the_same_way_everywhere(
    cli: CLI, stored: Path, tmp_path: Path
) -> None:
    """A loop of folds arises from two laptops folding X into Y and Y into X (issue 13): it is
    no longer refused but broken deterministically, the smaller uuid staying live."""
    src, good, bad = _source(cli, tmp_path)
    _edit(
        src,
        "PRAGMA foreign_keys = 0",
        "INSERT INTO organisation (uuid, name, key, created_at, updated_at, device_id, merged_into_id)"
        " VALUES ('00000000-0000-4000-8000-000000000002', 'B会', 'b会', 'a', 'a', 'd', 1)",
        "UPDATE organisation SET merged_into_id = 2 WHERE id = 1",
        as_v4=True,
    )
    code, _, err = cli("merge", str(src))
    assert code == 0, err
    assert {e["uuid"] for e in log(cli)} >= {good, bad}
    row = next(e for e in log(cli) if e["uuid"] == bad)
    assert row["organisation"] == "B会"  # 00000000-... is the smaller uuid: it stays live


def test_a_dropped_column_is_refused_even_when_skipping(
    cli: CLI, stored: Path, tmp_path: Path
) -> None:
    src, _, _ = _source(cli, tmp_path)
    _edit(src, "ALTER TABLE entry DROP COLUMN note", as_v4=True)
    for extra in ((), ("--skip-invalid",)):
        refused(cli, stored, "merge", str(src), *extra, says="列 note がありません")


def test_incoming_text_is_cleaned_as_add_cleans_it(cli: CLI, stored: Path, tmp_path: Path) -> None:
    src, _, bad = _source(cli, tmp_path)
    _edit(
        src,
        "UPDATE entry SET note = ?, coordinator = ? WHERE case_code IS NOT NULL",
        params=(f"メモ{ESCAPES}\n二行目", f"佐藤{ESCAPES}"),
        as_v4=True,
    )
    code, _, err = cli("merge", str(src))
    assert code == 0, err
    row = next(e for e in log(cli) if e["uuid"] == bad)
    assert (row["note"], row["coordinator"]) == ("メモ\n二行目", "佐藤")
