"""Issue 12, the same words on the command line: short labels and aliases in the plan, one
target matcher, `add` by name, `edit`, entry-id prefixes, `log` at 80 columns with filters,
whole numbers in `progress`."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from rich.cells import cell_len

from chofu_tui.fiscal import FiscalYear
from chofu_tui.plan import Plan, PlanCatalog
from chofu_tui.plan.loader import load_plan_file
from chofu_tui.services.year_view import match_targets, resolve_target, short_labels
from tests.unit.conftest import CLI, table_dump

OTHER = Path(__file__).parent.parent / "plans" / "plan-2024-other.toml"


def bundled() -> Plan:
    return PlanCatalog().get(FiscalYear(2024)).plan


def ids(plan: Plan, query: str) -> list[str]:
    return [t.id for _, t in match_targets(plan, query)]


def add(cli: CLI, *argv: str) -> str:
    code, out, err = cli("add", *argv, "--area", "2", "--date", "2024-09-01")
    assert code == 0, err
    return out.splitlines()[0]


# --- the plan: short labels and aliases -----------------------------------------------------


def test_bundled_plan_has_distinct_short_labels_and_aliases() -> None:
    plan = bundled()
    family = plan.target("case-support-family")
    community = plan.target("case-support-community")
    assert family is not None and community is not None
    assert family.short == "本人・家族への継続支援"
    assert community.short == "地域・専門機関との継続支援"
    assert "世帯" in family.aliases and "個別支援" in community.aliases
    shorts = short_labels(plan)
    assert len(set(shorts.values())) == len(shorts) == len(plan.targets())
    assert shorts["awareness"] == "啓発件数"


def test_a_plan_without_short_labels_loads_and_gets_distinct_ones() -> None:
    plan = load_plan_file(OTHER)  # another council's plan, written before short labels
    assert all(t.short is None and t.aliases == () for t in plan.targets())
    shorts = short_labels(plan)
    assert len(set(shorts.values())) == len(shorts)
    assert all(cell_len(s) <= 20 for s in shorts.values())


def test_derived_short_labels_never_collide() -> None:
    plan = bundled()
    # the bundled plan as an older file had it: no short labels, two labels sharing 18 chars
    bare = dataclasses.replace(
        plan,
        program_areas=tuple(
            dataclasses.replace(
                pa,
                initiatives=tuple(
                    dataclasses.replace(
                        ini,
                        targets=tuple(
                            dataclasses.replace(t, short=None, aliases=()) for t in ini.targets
                        ),
                    )
                    for ini in pa.initiatives
                ),
            )
            for pa in plan.program_areas
        ),
    )
    shorts = short_labels(bare)
    assert len(set(shorts.values())) == len(shorts)
    family, community = shorts["case-support-family"], shorts["case-support-community"]
    assert family != community
    assert "本人" in family and "地域住民" in community
    # even at a narrow width, where the cut labels are equal, they are numbered apart
    narrow = short_labels(bare, width=6)
    assert len(set(narrow.values())) == len(narrow)


def test_equal_short_labels_in_a_plan_file_are_refused(tmp_path: Path) -> None:
    from chofu_tui.errors import UserError

    text = (Path(__file__).parents[2] / "schema" / "plan-2024.toml").read_text(encoding="utf-8")
    path = tmp_path / "plan-2024.toml"
    path.write_text(text.replace('short = "連携会議"', 'short = "啓発件数"'), encoding="utf-8")
    with pytest.raises(UserError, match="short"):
        load_plan_file(path)


def test_plan_new_keeps_short_labels_and_aliases(cli: CLI, plan_dir: Path) -> None:
    code, _, err = cli("plan", "new", "--fy", "2025")
    assert code == 0, err
    plan = load_plan_file(plan_dir / "plan-2025.toml")
    target = plan.target("case-support-family")
    assert target is not None and target.short == "本人・家族への継続支援"
    assert "世帯" in target.aliases


def test_the_json_schema_describes_short_and_aliases() -> None:
    from chofu_tui.plan.jsonschema import SCHEMA_PATH, render

    assert SCHEMA_PATH.read_text(encoding="utf-8") == render()  # regenerated
    assert '"aliases"' in render() and '"short"' in render()


# --- one matcher ----------------------------------------------------------------------------


def test_the_matcher_finds_by_short_label_and_alias() -> None:
    plan = bundled()
    assert ids(plan, "aw")[0] == "awareness"  # the five-key path
    assert ids(plan, "世帯")[0] == "case-support-family"
    assert set(ids(plan, "個別")) == {"case-support-family", "case-support-community"}
    assert ids(plan, "ｻﾛﾝ")[0] == "salon-launch"
    assert ids(plan, "地域・専門機関")[0] == "case-support-community"  # a short label
    assert ids(plan, "啓発")[0] == "awareness"


def test_resolve_target_for_the_command_line() -> None:
    from chofu_tui.errors import UserError

    plan = bundled()
    assert resolve_target(plan, "3") == "awareness"
    assert resolve_target(plan, "啓発") == "awareness"  # an exact alias beats 啓発講座
    assert resolve_target(plan, "啓発件数") == "awareness"
    assert resolve_target(plan, "世帯") == "case-support-family"
    assert resolve_target(plan, "community-groups") == "community-groups"  # the rules refuse it
    assert resolve_target(plan, "nothing-like-it") == "nothing-like-it"
    with pytest.raises(UserError) as err:
        resolve_target(plan, "個別")
    assert "case-support-family" in err.value.message
    assert "case-support-community" in err.value.message


# --- add --------------------------------------------------------------------------------------


def test_add_by_number_alias_and_label_prints_id_then_credit(cli: CLI) -> None:
    code, out, err = cli("add", "啓発", "--area", "2", "--date", "2024-09-01")
    assert code == 0, err
    first, *rest = out.splitlines()
    assert len(first) == 36 and first.count("-") == 4  # the id alone on the first line
    assert rest == ["啓発件数 +1 → 1 / 800 回"]
    code, out, err = cli("add", "3", "世帯", "--area", "2", "--count", "2")
    assert code == 0, err
    assert out.splitlines()[1:] == [
        "啓発件数 +2 → 3 / 800 回",
        "本人・家族への継続支援 +2 → 2 / 400 件",
    ]
    got = cli.json("progress")
    actual = {t["id"]: t["actual"] for t in got["targets"]}
    assert actual["awareness"] == 3 and actual["case-support-family"] == 2


def test_add_json_lists_what_it_credited(cli: CLI) -> None:
    got = cli.json("add", "啓発", "--area", "2", "--count", "2")
    assert got["credited"] == [
        {
            "id": "awareness",
            "short": "啓発件数",
            "added": 2,
            "actual": 2,
            "target": 800,
            "unit": "回",
        }
    ]


def test_add_shows_a_derived_figure_the_entry_moved(cli: CLI) -> None:
    code, out, err = cli("add", "話し合い", "--area", "2", "--org", "若葉自治会")
    assert code == 0, err
    assert "話し合いの場への働きかけ +1 → 1 / 480 回" in out
    assert "働きかけた団体数 → 1 / 160 団体" in out


def test_add_with_an_ambiguous_word_lists_candidates_and_stores_nothing(
    cli: CLI, db_path: Path
) -> None:
    add(cli, "awareness")
    before = table_dump(db_path)
    code, out, err = cli("add", "個別", "--area", "2")
    assert code == 2 and out == ""
    assert "2 件あります" in err
    assert "本人・家族への継続支援" in err and "地域・専門機関との継続支援" in err
    assert table_dump(db_path) == before


def test_add_by_subprocess_first_line_is_the_id(db_path: Path, tmp_path: Path) -> None:
    import os

    env = {**os.environ, "CHOFU_TUI_DB": str(db_path), "CHOFU_TUI_PLAN_DIR": str(tmp_path / "p")}
    run = subprocess.run(
        [sys.executable, "-m", "chofu_tui", "add", "啓発", "--area", "若葉"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert len(lines[0]) == 36 and lines[1] == "啓発件数 +1 → 1 / 800 回"


# --- entry-id prefixes ------------------------------------------------------------------------


def test_delete_and_restore_take_a_prefix(cli: CLI) -> None:
    uuid = add(cli, "awareness")
    code, out, err = cli("delete", uuid[:6].upper())
    assert code == 0, err and uuid in out
    assert cli.json("log", "--deleted")["entries"][0]["deleted"] is True
    code, out, err = cli("restore", uuid[:8])
    assert code == 0, err
    assert cli.json("log")["entries"][0]["uuid"] == uuid


def test_short_unknown_and_ambiguous_prefixes_exit_2(cli: CLI, db_path: Path) -> None:
    from chofu_tui.store import open_store
    from chofu_tui.store.models import Entry

    first = add(cli, "awareness")
    second = add(cli, "awareness")
    db = open_store(db_path)
    # two ids sharing their first 7 characters, as a large store will have
    Entry.update(uuid="abcdef1" + first[7:]).where(Entry.uuid == first).execute()
    Entry.update(uuid="abcdef1" + second[7:]).where(Entry.uuid == second).execute()
    db.close()
    before = table_dump(db_path)
    code, _, err = cli("delete", "abcde")
    assert code == 2 and "6 文字以上" in err
    code, _, err = cli("delete", "abcdef1")
    assert code == 2 and "複数あります" in err
    assert "abcdef1" + first[7:] in err and "abcdef1" + second[7:] in err
    code, _, err = cli("edit", "0000000", "--count", "2")
    assert code == 2 and "ありません" in err
    code, _, err = cli("restore", "zzzzzz")
    assert code == 2 and "0-9, a-f" in err
    assert table_dump(db_path) == before
    code, _, err = cli("delete", "abcdef1" + second[7:9])
    assert code == 0, err


def test_find_entry_in_the_service(cli: CLI, db_path: Path) -> None:
    from chofu_tui.services.entries import find_entry
    from chofu_tui.store import open_store

    uuid = add(cli, "awareness")
    db = open_store(db_path)
    try:
        assert find_entry(uuid[:6]).uuid == uuid
        assert find_entry(f"  {uuid.upper()} ").uuid == uuid
    finally:
        db.close()


# --- edit -------------------------------------------------------------------------------------


def test_edit_changes_only_what_is_given_and_says_what_changed(cli: CLI) -> None:
    uuid = add(cli, "awareness", "--org", "若葉自治会", "--note", "最初のメモ")
    code, out, err = cli("edit", uuid[:6], "--count", "3", "--targets", "啓発,世帯")
    assert code == 0, err
    assert out.splitlines()[0] == f"変更しました: {uuid}"
    assert "  数: 1 → 3" in out
    assert "  目標: 啓発件数 → 啓発件数、本人・家族への継続支援" in out
    assert "メモ" not in out and "団体" not in out  # unchanged fields are not listed
    entry = cli.json("log")["entries"][0]
    assert entry["count"] == 3
    assert entry["targets"] == ["awareness", "case-support-family"]
    assert entry["note"] == "最初のメモ" and entry["organisation"] == "若葉自治会"
    assert entry["date"] == "2024-09-01" and entry["area"] == 2


def test_edit_clears_and_sets_text_and_date(cli: CLI) -> None:
    uuid = add(cli, "awareness", "--org", "若葉自治会")
    code, out, err = cli(
        "edit", uuid, "--org", "", "--note", "-参加者12名", "--date", "8/31", "--area", "上ノ原"
    )
    assert code == 0, err
    assert "日付: 2024-09-01 → 2024-08-31" in out and "団体: 若葉自治会 → (なし)" in out
    entry = cli.json("log")["entries"][0]
    assert entry["organisation"] is None and entry["note"] == "-参加者12名"
    assert entry["date"] == "2024-08-31" and entry["area"] == 3


def test_edit_follows_the_rules_of_add_and_stores_nothing_on_error(cli: CLI, db_path: Path) -> None:
    uuid = add(cli, "awareness")
    before = table_dump(db_path)
    for argv in (
        ("--count", "0"),
        ("--date", "2024-12-01"),  # after today (2024-10-01)
        ("--targets", "community-approach"),  # needs an organisation
        ("--targets", "個別"),  # ambiguous
        ("--case", "山田花子"),
        (),  # nothing to change
    ):
        code, out, err = cli("edit", uuid[:6], *argv)
        assert code == 2, (argv, out, err)
        assert err.startswith("エラー") or "使い方" in err
    assert table_dump(db_path) == before
    code, out, _ = cli("edit", uuid[:6], "--count", "1")
    assert code == 0 and out.startswith("変更はありません")
    assert table_dump(db_path) == before  # the same value: nothing written


def test_edit_of_a_deleted_entry_is_refused(cli: CLI) -> None:
    uuid = add(cli, "awareness")
    cli("delete", uuid)
    code, _, err = cli("edit", uuid[:6], "--count", "2")
    assert code == 2 and "restore" in err


# --- log --------------------------------------------------------------------------------------


def test_log_fits_80_columns_with_short_labels_and_a_cut_memo(cli: CLI) -> None:
    long_memo = "ひだまりサロンで地域福祉コーディネーターの役割を説明し、相談の場について話し合った"
    add(cli, "awareness", "世帯", "--org", "若葉・調和地区社会福祉協議会の会", "--note", long_memo)
    add(cli, "network-meeting")
    code, out, err = cli("log")
    assert code == 0, err
    lines = out.splitlines()
    assert all(cell_len(line) <= 80 for line in lines), [cell_len(x) for x in lines]
    assert "複合課題" not in out  # short labels, not the long ones
    assert "啓発件数、本人" in out and "圏域ネットワ" in out
    memo = next(line for line in lines if "ひだまりサロン" in line)
    assert "…" in memo and "話し合った" not in memo
    assert "network-meeting" not in out


def test_log_filters(cli: CLI) -> None:
    add(cli, "awareness", "--note", "サロンで説明", "--coordinator", "石井")
    code, _, err = cli("add", "3", "--area", "3", "--date", "2024-06-01", "--coordinator", "田中")
    assert code == 0, err
    add(cli, "世帯", "--coordinator", "田中")

    def listed(*argv: str) -> list[str]:
        return [",".join(e["targets"]) + f"@{e['date']}" for e in cli.json("log", *argv)["entries"]]

    assert listed("--search", "ｻﾛﾝ") == ["awareness@2024-09-01"]  # folded: half-width kana
    assert listed("--target", "世帯") == ["case-support-family@2024-09-01"]
    assert len(listed("--target", "3")) == 2
    assert len(listed("--coordinator", "田中")) == 2
    assert len(listed("--area", "若葉")) == 2
    assert listed("--since", "2024-09-01", "--until", "2024-09-30") == [
        "case-support-family@2024-09-01",
        "awareness@2024-09-01",
    ]
    assert listed("--search", "本人・家族") == ["case-support-family@2024-09-01"]  # short label


def test_log_target_filter_that_is_ambiguous_exits_2(cli: CLI) -> None:
    code, _, err = cli("log", "--target", "個別")
    assert code == 2 and "case-support-community" in err


# --- progress, version ------------------------------------------------------------------------


def test_progress_text_shows_whole_numbers_json_stays_exact(cli: CLI) -> None:
    add(cli, "awareness")
    code, out, err = cli("progress")
    assert code == 0, err
    line = next(x for x in out.splitlines() if x.startswith("awareness"))
    got = cli.json("progress")
    aw = next(t for t in got["targets"] if t["id"] == "awareness")
    assert aw["expected_by_as_of"] != int(aw["expected_by_as_of"])  # 400.0 / 800 * ... has a tenth
    assert f" {aw['expected_by_as_of']:.0f} " in line + " "
    assert "." not in line.split("%", 1)[1]  # no tenths after the ratio


def test_version_is_in_japanese(cli: CLI) -> None:
    code, out, _ = cli("--version")
    assert code == 0 and out.startswith("chofu-tui バージョン ")


def test_every_help_has_no_english_argparse_words(cli: CLI) -> None:
    from chofu_tui.cli import ALL

    for command in ALL:
        code, out, _ = cli(command.name, "-h")
        assert code == 0
        for english in ("usage:", "positional arguments", "options:", "show this help"):
            assert english not in out, (command.name, english)
    code, out, _ = cli("edit", "-h")
    assert "先頭 6 文字以上" in out and "--targets" in out


def test_dates_in_log_are_parsed_like_add(cli: CLI) -> None:
    add(cli, "awareness")
    assert json.dumps(cli.json("log", "--since", "R6.9.1")["entries"][0]["date"]) == '"2024-09-01"'
    assert dt.date(2024, 9, 1).isoformat() == "2024-09-01"
