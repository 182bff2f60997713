"""The command line as a user (or a script) meets it: figures, exit codes, messages, no side effects."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.conftest import CLI, table_dump

DOMAIN_TARGETS = {
    "outreach-approach": 80,
    "outreach-place-study": 16,
    "awareness": 800,
    "network-meeting": 8,
    "liaison-meeting": 6,
    "case-support-family": 400,
    "case-support-community": 800,
    "resource-approach": 400,
    "community-approach": 480,
    "community-groups": 160,
    "salon-launch": 8,
    "hub-study": 1,
    "resident-training": 16,
    "facilitator-course": 11,
    "graduate-activity": 4,
    "graduate-seminar": 1,
    "ibasho-launch-support": 1,
    "ibasho-expansion-support": 2,
}


def figures(cli: CLI, *extra: str) -> dict[str, dict]:
    data = cli.json("progress", "--fy", "2024", "--as-of", "2024-10-01", *extra)
    return {t["id"]: t for t in data["targets"]}


def test_targets_json_lists_the_18_targets(cli: CLI) -> None:
    data = cli.json("targets", "--fy", "2024")
    assert data["fiscal_year"] == 2024 and data["label"] == "令和6年度"
    assert {t["id"]: t["target"] for t in data["targets"]} == DOMAIN_TARGETS
    first = data["targets"][0]
    assert set(first) >= {"id", "label", "program_area", "initiative", "unit", "kind", "target"}
    assert first["program_area"] == "Ⅰ 相談支援" and first["label"] == "団体等への働きかけ"


@pytest.mark.parametrize("fy", ["2024", "R6", "令和6"])
def test_fy_forms(cli: CLI, fy: str) -> None:
    assert cli.json("targets", "--fy", fy)["fiscal_year"] == 2024


def test_add_prints_uuid_and_counts(cli: CLI) -> None:
    code, out, err = cli("add", "awareness", "--date", "2024-05-01", "--area", "2", "--count", "3")
    assert code == 0, err
    uuid = out.splitlines()[0]  # the first line; what it credited follows
    assert len(uuid) == 36 and uuid.count("-") == 4
    assert cli.json("add", "awareness", "--date", "2024-06-01", "--area", "2")["uuid"] != uuid
    got = figures(cli)["awareness"]
    assert got["actual"] == 4 and got["by_area"]["2"] == 4 and got["by_area"]["1"] == 0


def test_one_entry_credits_each_target(cli: CLI) -> None:
    cli("add", "awareness", "community-approach", "--area", "1", "--org", "若葉自治会",
        "--date", "2024-05-01")  # fmt: skip
    got = figures(cli)
    assert got["awareness"]["actual"] == 1
    assert got["community-approach"]["actual"] == 1
    assert got["community-groups"]["actual"] == 1


def test_distinct_organisations_after_normalisation(cli: CLI) -> None:
    for name in (
        "ひだまりサロン若葉",
        "ひだまりサロン若葉 ",
        "ひだまりサロン　若葉",
        "ひだまりｻﾛﾝ若葉",
    ):
        code, _, err = cli("add", "community-approach", "--org", name, "--area", "2",
                           "--date", "2024-05-01")  # fmt: skip
        assert code == 0, err
    cli("add", "community-approach", "--org", "ＡＢＣ商店", "--area", "3", "--date", "2024-05-02")
    cli("add", "community-approach", "--org", "abc商店", "--area", "3", "--date", "2024-05-03")
    got = figures(cli)
    assert got["community-approach"]["actual"] == 6
    groups = got["community-groups"]
    assert groups["actual"] == 2 and groups["target"] == 160
    assert groups["by_area"]["2"] == 1 and groups["by_area"]["3"] == 1


def test_per_area_counts_areas_covered(cli: CLI) -> None:
    for area in ("1", "1", "3", "若葉・調和"):
        cli("add", "network-meeting", "--area", area, "--date", "2024-06-01")
    net = figures(cli)["network-meeting"]
    assert net["target"] == 8 and net["actual"] == 3
    assert net["by_area"] == {"1": 2, "2": 1, "3": 1, "4": 0, "5": 0, "6": 0, "7": 0, "8": 0}
    assert figures(cli, "--area", "4")["network-meeting"]["actual"] == 0
    assert figures(cli, "--area", "1")["network-meeting"]["actual"] == 1


def test_fiscal_year_boundaries(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2025-04-30")  # a date after today is refused
    cli("add", "awareness", "--area", "1", "--date", "2024-03-31")  # 令和5年度: no plan
    cli("add", "awareness", "--area", "1", "--date", "2024-04-01", "--count", "2")
    cli("add", "awareness", "--area", "1", "--date", "2025-03-31", "--count", "4")
    code, _, err = cli("add", "awareness", "--area", "1", "--date", "2025-04-01", "--count", "8")
    assert code == 0 and "令和7年度の計画がまだありません" in err
    year_end = cli.json("progress", "--fy", "2024", "--as-of", "2025-03-31")["targets"]
    assert {t["id"]: t["actual"] for t in year_end}["awareness"] == 6
    # the entry of 2025-04-01 counts as soon as 令和7年度's plan exists
    code, _, err = cli("plan", "new", "--fy", "2025")
    assert code == 0, err
    data = cli.json("progress", "--fy", "R7", "--as-of", "2025-04-30")
    assert {t["id"]: t["actual"] for t in data["targets"]}["awareness"] == 8


def test_delete_and_restore(cli: CLI) -> None:
    keep = cli.json(
        "add", "community-approach", "--org", "A会", "--area", "1", "--date", "2024-05-01"
    )
    gone = cli.json("add", "community-approach", "awareness", "--org", "B会", "--area", "2",
                    "--count", "2", "--date", "2024-05-02")  # fmt: skip
    assert keep["uuid"] != gone["uuid"]
    before = figures(cli)
    assert (before["community-approach"]["actual"], before["community-groups"]["actual"]) == (3, 2)
    code, out, _ = cli("delete", gone["uuid"])
    assert code == 0 and "削除しました" in out
    after = figures(cli)
    assert after["community-approach"]["actual"] == 1
    assert after["community-groups"]["actual"] == 1
    assert after["awareness"]["actual"] == 0
    log = cli.json("log", "--fy", "2024")
    assert [e["uuid"] for e in log["entries"]] == [keep["uuid"]]
    assert cli("delete", gone["uuid"])[0] == 2  # already deleted
    assert cli("restore", gone["uuid"])[0] == 0
    assert figures(cli) == before


def test_log_newest_first_with_fields(cli: CLI) -> None:
    cli("add", "awareness", "--area", "1", "--date", "2024-05-01", "--note", "サロンで啓発")
    cli("add", "case-support-family", "--area", "2", "--date", "2024-06-01", "--case", "C-0012",
        "--coordinator", "佐藤")  # fmt: skip
    entries = cli.json("log", "--fy", "2024")["entries"]
    assert [e["date"] for e in entries] == ["2024-06-01", "2024-05-01"]
    assert entries[0]["case_code"] == "C-0012" and entries[0]["coordinator"] == "佐藤"
    assert entries[1]["note"] == "サロンで啓発"
    for key in ("uuid", "created_at", "updated_at", "device_id", "deleted"):
        assert key in entries[0]


def test_filters_by_coordinator(cli: CLI) -> None:
    cli("add", "awareness", "--area", "1", "--coordinator", "佐藤", "--date", "2024-05-01")
    cli("add", "awareness", "--area", "1", "--coordinator", "鈴木", "--count", "5",
        "--date", "2024-05-01")  # fmt: skip
    assert figures(cli, "--coordinator", "鈴木")["awareness"]["actual"] == 5


def test_pace_and_status(cli: CLI) -> None:
    cli("add", "awareness", "--area", "1", "--date", "2024-05-01", "--count", "600")
    cli("add", "hub-study", "--area", "1", "--date", "2024-05-01")
    data = cli.json("progress", "--fy", "2024", "--as-of", "2024-09-30")
    got = {t["id"]: t for t in data["targets"]}
    assert data["as_of"] == "2024-09-30"
    # 183 of 365 days gone: 800 * 183 / 365 = 401.1
    assert got["awareness"]["expected_by_as_of"] == pytest.approx(401.1, abs=0.1)
    assert got["awareness"]["projected"] == pytest.approx(600 * 365 / 183, abs=0.1)
    assert got["awareness"]["status"] == "ahead"
    assert got["outreach-approach"]["status"] == "behind"
    assert got["hub-study"]["status"] == "ahead"  # done: 1 of 1
    assert got["graduate-seminar"]["status"] == "behind"  # 0 of 1, just over half expected
    early = {
        t["id"]: t for t in cli.json("progress", "--fy", "2024", "--as-of", "2024-09-01")["targets"]
    }
    assert early["graduate-seminar"]["status"] == "on_pace"  # 0.42 expected: within the band


def _refused(cli: CLI, db_path: Path, *argv: str, says: str) -> None:
    before = table_dump(db_path)
    code, out, err = cli(*argv)
    assert code == 2, (out, err)
    assert says in err
    assert "Traceback" not in err
    assert table_dump(db_path) == before


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (("add", "awareness", "--area", "1", "--count", "0"), "回数は1以上"),
        (("add", "awareness", "--area", "1", "--count", "-3"), "回数は1以上"),
        (("add", "awareness", "--area", "1", "--count", "two"), "整数ではありません"),
        (("add", "awareness", "--area", "1", "--date", "2024-02-30"), "日付"),
        (("add", "awareness", "--area", "1", "--date", "2024/05/32"), "日付"),
        (("add", "no-such-target", "--area", "1"), "目標 'no-such-target'"),
        (("add", "community-groups", "--area", "1"), "community-approach を --org"),
        (("add", "community-approach", "--area", "1"), "団体名 (--org) が必要"),
        (("add", "awareness", "--area", "9"), "圏域 '9' がありません"),
        (("add", "awareness"), "圏域を指定してください"),
        (("add", "case-support-family", "--area", "1", "--case", "山田花子"), "ケースコード"),
        (("progress", "--fy", "H30"), "年度"),
        (("progress", "--fy", "2023"), "令和5年度の計画がありません"),
        (("delete", "00000000-0000-0000-0000-000000000000"), "ありません"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(
    cli: CLI, db_path: Path, argv: tuple[str, ...], says: str
) -> None:
    cli("add", "awareness", "--area", "1", "--date", "2024-05-01")  # the store exists, with a row
    _refused(cli, db_path, *argv, says=says)


def test_db_option_before_and_after_the_command(cli: CLI, tmp_path: Path) -> None:
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    cli("--db", str(a), "add", "awareness", "--area", "1", "--date", "2024-05-01")
    cli("add", "awareness", "--area", "1", "--count", "2", "--date", "2024-05-01", "--db", str(b))
    assert cli.json("--db", str(a), "progress", "--fy", "2024")["targets"][2]["actual"] == 1
    assert cli.json("progress", "--fy", "2024", "--db", str(b))["targets"][2]["actual"] == 2


def test_settings_default_area_and_coordinator(cli: CLI, db_path: Path) -> None:
    from chofu_tui.services import settings
    from chofu_tui.store import open_store

    db = open_store(db_path)
    settings.save(settings.UserSettings("佐藤", 5))
    db.close()
    cli("add", "awareness", "--date", "2024-05-01")
    entry = cli.json("log", "--fy", "2024")["entries"][0]
    assert (entry["area"], entry["coordinator"]) == (5, "佐藤")


def test_as_of_counts_only_what_was_done_by_then(cli: CLI, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CHOFU_TUI_TODAY", "2025-03-31")  # a date after today is refused
    for day, n in (("2024-04-01", 5), ("2024-06-15", 3), ("2025-03-31", 2)):
        cli("add", "awareness", "--area", "1", "--date", day, "--count", str(n))

    def actual(as_of: str) -> int:
        data = cli.json("progress", "--fy", "2024", "--as-of", as_of)
        return {t["id"]: t["actual"] for t in data["targets"]}["awareness"]

    assert [actual(d) for d in ("2024-04-01", "2024-06-14", "2024-06-15", "2025-03-31")] == [
        5, 5, 8, 10,
    ]  # fmt: skip
    assert actual("2026-01-01") == 10  # after the year: the whole year
    code, _, err = cli("progress", "--fy", "2024", "--as-of", "2024-03-31")
    assert code == 2 and "より前です" in err


def test_names_and_codes_are_folded_and_checked(cli: CLI, db_path: Path) -> None:
    cli("add", "awareness", "--area", "1", "--coordinator", "山田 ", "--date", "2024-05-01")
    cli("add", "awareness", "--area", "1", "--coordinator", "山田", "--date", "2024-05-01")
    assert figures(cli, "--coordinator", "山田")["awareness"]["actual"] == 2
    code, _, err = cli("add", "case-support-family", "--area", "1", "--case", "c-0012",
                       "--date", "2024-05-01")  # fmt: skip
    assert code == 0, err
    assert cli.json("log", "--fy", "2024")["entries"][0]["case_code"] == "C-0012"
    for person_like in ("yamada-taro", "tanaka", "090-1234-5678", "1980-05-01", "山田太郎"):
        _refused(cli, db_path, "add", "case-support-family", "--area", "1", "--case",
                 person_like, says="ケースコード")  # fmt: skip
    for day in ("0001-01-01", "1900-01-01", "2019-03-31", "9999-12-31"):
        _refused(cli, db_path, "add", "awareness", "--area", "1", "--date", day, says="範囲")
    _refused(cli, db_path, "add", "community-approach", "--area", "1", "--org", "\u200b",
             says="団体名 (--org) が必要")  # fmt: skip


def test_settings_command_sets_the_defaults(cli: CLI) -> None:
    code, out, _ = cli("settings", "--coordinator", " 佐藤  花 ", "--area", "若葉・調和")
    assert code == 0 and "佐藤 花" in out and "圏域: 2" in out
    cli("add", "awareness", "--date", "2024-05-01")
    entry = cli.json("log", "--fy", "2024")["entries"][0]
    assert (entry["coordinator"], entry["area"]) == ("佐藤 花", 2)
    assert cli("settings", "--area", "99")[0] == 2


def test_plan_new_from_a_made_plan_has_one_header(cli: CLI, plan_dir: Path) -> None:
    assert cli("plan", "new", "--fy", "2025")[0] == 0
    assert cli("plan", "new", "--fy", "2026", "--from", "2025")[0] == 0
    text = (plan_dir / "plan-2026.toml").read_text(encoding="utf-8")
    assert text.count("chofu-tui plan new で作成") == 1
    assert text.startswith("# 令和8年度の計画 (令和7年度の計画から")
    assert "Source:" not in text


def test_help_is_in_japanese(cli: CLI) -> None:
    code, out, _ = cli("add", "--help")
    assert code == 0 and "使い方:" in out and "オプション" in out
    assert "show this help" not in out
