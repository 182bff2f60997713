"""`report`: the format follows the output's name, and a name that promises another format is
refused (an xlsx named r.csv would open as garbage in a spreadsheet)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.unit.conftest import CLI


@pytest.fixture
def seeded(cli: CLI, db_path: Path) -> Path:
    code, _, err = cli("add", "--date", "2024-05-10", "awareness", "--area", "1",
                       "--coordinator", "山田", "--count", "3")  # fmt: skip
    assert code == 0, err
    return db_path


def test_xlsx_named_csv_is_refused_and_nothing_is_written(
    seeded: Path, tmp_path: Path, cli: CLI
) -> None:
    out = tmp_path / "r.csv"
    code, stdout, err = cli("report", "--fy", "2024", "--format", "xlsx", "-o", str(out))
    assert code == 2
    assert "拡張子 .csv" in err and "--format csv" in err
    assert stdout == ""
    assert not out.exists()


@pytest.mark.parametrize("name", ["r.xlsx", "R.XLSX"])
def test_the_format_follows_the_output_name(
    seeded: Path, tmp_path: Path, cli: CLI, name: str
) -> None:
    out = tmp_path / name
    code, _, err = cli("report", "--fy", "2024", "-o", str(out))
    assert code == 0, err
    assert zipfile.is_zipfile(out)  # an xlsx, not the Markdown default


def test_a_name_without_a_known_extension_takes_the_format_given(
    seeded: Path, tmp_path: Path, cli: CLI
) -> None:
    out = tmp_path / "report-for-city"
    code, _, err = cli("report", "--fy", "2024", "--format", "csv", "-o", str(out))
    assert code == 0, err
    assert "目標ID" in out.read_text(encoding="utf-8-sig")
