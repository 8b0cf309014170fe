"""The Python API (``lifeservices_cli.api``): the same cases as the CLI tests, and what only an API has."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from openpyxl import Workbook, load_workbook

from lifeservices_cli.checker import check_files, check_records
from lifeservices_cli.render import Format

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

HEADER = ["社区编码", "社区名称", "县（市、区）", "是否新建", "户数（户）", "综合服务设施面积"]
RECORDS = [
    dict(zip(HEADER, ["A-1", "甲社区", "洮北区", "是", 111, "33.3㎡"], strict=True)),
    dict(zip(HEADER, ["A-2", "乙社区", "洮北区", False, 400, 90], strict=True)),
]


def test_records_built_in_python_render_as_csv_and_xlsx():
    report = check_records(RECORDS, lang="en")
    rows = list(csv.reader(io.StringIO(Format.csv.render(report).decode("utf-8-sig"))))  # type: ignore[union-attr]
    assert rows[0][:6] == HEADER
    assert rows[1][:6] == ["A-1", "甲社区", "洮北区", "是", "111", "33.3㎡"]
    assert rows[2][:6] == ["A-2", "乙社区", "洮北区", "false", "400", "90"]
    assert rows[1][-2:] == ["<records>", "1"] and rows[2][-2:] == ["<records>", "2"]
    workbook = load_workbook(io.BytesIO(Format.xlsx.render(report)))  # type: ignore[arg-type]
    assert workbook.worksheets[0].max_row == 3


def test_a_sheet_chosen_for_the_check_is_the_one_the_csv_report_repeats(tmp_path):
    book = Workbook()
    book.active.append(["说明"])  # type: ignore[union-attr]
    data = book.create_sheet("数据")
    data.append(["项目编号", "项目名称", "县（市、区）", "建筑面积（平方米）", "总投资（万元）"])
    data.append(["F1", "站", "洮北区", 200, 10])
    path = tmp_path / "facilities.xlsx"
    book.save(path)
    report = check_files([path], sheet="数据", lang="en")
    assert [r.status for r in report.results] == ["eligible"]
    rows = list(csv.reader(io.StringIO(Format.csv.render(report).decode("utf-8-sig"))))  # type: ignore[union-attr]
    assert rows[1][:5] == ["F1", "站", "洮北区", "200", "10"]
