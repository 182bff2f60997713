"""The entry log's service: any year or all years, search folded like the registry, safe undo."""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest

from chofu_tui.errors import UserError
from chofu_tui.plan import PlanCatalog
from chofu_tui.services import entries, entry_log
from chofu_tui.services.entry_log import LogQuery
from chofu_tui.services.year_view import data_version


def log(catalog: PlanCatalog, *targets: str, **kw) -> entries.EntryRecord:
    base = {"date": dt.date(2024, 5, 10), "area": 1, "count": 1, "coordinator": "石井"}
    draft = entries.EntryDraft(targets=targets, **{**base, **kw})
    # "today" late enough for every date here (a date after today is refused)
    return entries.log_entry(catalog, draft, today=dt.date(2025, 12, 31)).entry


@pytest.fixture
def seeded(store, catalog: PlanCatalog) -> dict[str, entries.EntryRecord]:
    return {
        "salon": log(catalog, "awareness", note="サロンで啓発\n参加者12名\n次回は6月"),
        "case": log(catalog, "case-support-family", case_code="C-0012", coordinator="青木 花子"),
        "org": log(catalog, "community-approach", organisation="ひだまりサロン若葉"),
        # 2025 has no plan: the entry is stored all the same (a wrong-year typo)
        "typo": log(catalog, "awareness", date=dt.date(2025, 11, 18), note="誤って2025年"),
    }


def uuids(records: list[entries.EntryRecord]) -> set[str]:
    return {r.uuid for r in records}


def test_lists_a_year_without_a_plan_and_all_years(seeded, catalog: PlanCatalog) -> None:
    assert uuids(entry_log.list_log(LogQuery(fiscal_year=2025))) == {seeded["typo"].uuid}
    assert len(entry_log.list_log(LogQuery(fiscal_year=2024))) == 3
    assert uuids(entry_log.list_log(LogQuery(fiscal_year=None))) == {
        r.uuid for r in seeded.values()
    }
    # ... and it can be edited against the latest plan (the form needs one)
    assert entry_log.plan_for_edit(catalog, seeded["typo"]).fy.year == 2024


def test_search_folds_width_and_spaces(seeded, catalog: PlanCatalog) -> None:
    labels = entry_log.target_labels(catalog, 2024)

    def found(text: str) -> set[str]:
        return uuids(entry_log.list_log(LogQuery(fiscal_year=2024, text=text), labels))

    assert found("ｻﾛﾝ") == {seeded["salon"].uuid, seeded["org"].uuid}  # half-width kana
    assert found("ひだまり サロン") == {seeded["org"].uuid}  # spaces do not matter
    assert found("c-0012") == {seeded["case"].uuid}  # the case code, any case
    assert found("Ｃ－００１２") == {seeded["case"].uuid}  # full-width
    assert found("青木花子") == {seeded["case"].uuid}  # the coordinator
    assert found("次回") == {seeded["salon"].uuid}  # a later line of the memo
    label = labels["case-support-family"]
    assert found(label) == {seeded["case"].uuid}  # the target's label
    assert found("サロン 参加者") == {seeded["salon"].uuid}  # every word must match


def test_memo_summary_first_line_and_ellipsis() -> None:
    assert entry_log.memo_summary("サロンで啓発\n参加者12名") == "サロンで啓発…"
    assert entry_log.memo_summary("一行だけ") == "一行だけ"
    assert entry_log.memo_summary("\n\n後の行") == "後の行"
    assert entry_log.memo_summary("a\x1b[2Jb\tc") == "ab c"  # no escape reaches a terminal
    assert entry_log.memo_summary("") == ""


def test_undo_restores_when_nothing_changed_since(seeded, catalog: PlanCatalog) -> None:
    before = seeded["salon"]
    after = entries.set_deleted(before.uuid, True)
    entry_log.undo(before, after)
    assert not entries.get_entry(before.uuid).deleted


def test_undo_refuses_an_entry_changed_elsewhere(seeded, catalog: PlanCatalog) -> None:
    before = seeded["case"]
    draft = entries.EntryDraft(
        targets=before.targets, date=before.date, area=2, case_code="C-0012", coordinator="青木"
    )
    after = entries.update_entry(catalog, before.uuid, draft).entry
    # another window edits it again
    other = entries.EntryDraft(**{**draft.__dict__, "note": "別の画面で追記"})
    entries.update_entry(catalog, before.uuid, other)
    with pytest.raises(UserError, match="元に戻しませんでした"):
        entry_log.undo(before, after)
    assert entries.get_entry(before.uuid).note == "別の画面で追記"  # untouched


def test_describe_names_date_targets_and_who(seeded, catalog: PlanCatalog) -> None:
    labels = entry_log.target_labels(catalog, 2024)
    text = entry_log.describe(seeded["org"], labels)
    assert text.startswith("2024-05-10 ")
    assert labels["community-approach"] in text and "ひだまりサロン若葉" in text


def test_data_version_moves_when_another_connection_writes(seeded, db_path) -> None:
    first = data_version()
    assert data_version() == first  # asking costs nothing and changes nothing
    other = sqlite3.connect(db_path)
    other.execute("UPDATE entry SET note = 'x' WHERE id = 1")
    other.commit()
    other.close()
    assert data_version() != first


def test_search_sees_an_edit_and_folds_as_the_registry(seeded, catalog: PlanCatalog) -> None:
    assert entry_log.list_log(LogQuery(2024, text="サロン"))  # folds and remembers the rows
    rec = seeded["case"]
    draft = entries.EntryDraft(
        targets=rec.targets, date=rec.date, area=1, case_code="C-0099", coordinator="青木"
    )
    entries.update_entry(catalog, rec.uuid, draft)
    assert uuids(entry_log.list_log(LogQuery(2024, text="C-0099"))) == {rec.uuid}
    assert entry_log.list_log(LogQuery(2024, text="C-0012")) == []
    for text in ("ｻﾛﾝ 若葉", "ひだ\u200bまり　サロン", "ＡＢＣ－１２", "Straße"):
        assert entry_log._fold_fast(text) == entry_log.fold(text)


def test_edit_refused_when_the_plan_lacks_the_entrys_target(seeded, catalog, db_path) -> None:
    rec = seeded["typo"]
    con = sqlite3.connect(db_path)
    con.execute(
        "UPDATE entry_target SET target_id = 'retired-target' WHERE entry_id = "
        "(SELECT id FROM entry WHERE uuid = ?)",
        (rec.uuid,),
    )
    con.commit()
    con.close()
    with pytest.raises(UserError, match="retired-target"):
        entry_log.plan_for_edit(catalog, entries.get_entry(rec.uuid))
