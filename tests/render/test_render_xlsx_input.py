"""``.xlsx`` input: every sheet holding records or ``--sheet``, the CSV rules for headers and
cells, the sheet's row number as ``line``; and the Excel report read back with openpyxl."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import openpyxl
import pytest

from lifeservices_cli.errors import UsageError
from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format, Options, View
from lifeservices_cli.sources import cell_text

HEADER = [
    "社区编码",
    "社区名称",
    "县（市、区）",
    "是否新建",
    "是否城市社区",
    "户数（户）",
    "综合服务设施面积（平方米）",
]


def workbook(path: Path, *, cover: bool = False) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    if cover:
        ws.title = "说明"
        ws["A1"] = "填报说明"
        ws = wb.create_sheet("数据")
    ws.append([])  # a blank first row: the header is the first row with a value
    ws.append(HEADER)
    ws.append(["TB-1", "甲", "洮北区", "是", "是", 1500, 500])
    ws.append([])
    ws.append(["TB-2", "乙", "洮北区", True, "是", 1800.0, "480㎡"])
    ws.append(["TB-3", "丙", "洮北区", "是", "是", 1800, "#DIV/0!"])
    ws.append(["TB-4", "丁", "洮北区", "是", "是", "１,８００", 33.3, None, None])
    wb.save(path)
    return path


def test_first_sheet_rules_and_lines(tmp_path):
    report = check_files([workbook(tmp_path / "社区.xlsx")], lang="en")
    results = {(r.record_id, r.indicator): r for r in report.iter_results()}
    area = "new-community-facility-area"
    assert {rid: results[(rid, area)].line for rid in ("TB-1", "TB-2", "TB-3", "TB-4")} == {
        "TB-1": 3,
        "TB-2": 5,
        "TB-3": 6,
        "TB-4": 7,
    }
    assert results[("TB-1", area)].status == "pass"
    assert results[("TB-2", area)].status == "fail"  # TRUE is yes; 480㎡ is read with its unit
    assert results[("TB-3", area)].status == "invalid_data" and "#DIV/0!" in results[("TB-3", area)].message
    assert str(results[("TB-4", "facility-area-per-100-households")].value) == "37/20"  # 33.3 / 1,800 × 100
    assert report.inputs[0].records == 4


def test_sheet_option_and_unknown_sheet(tmp_path):
    path = workbook(tmp_path / "book.xlsx", cover=True)
    report = check_files([path])  # the cover sheet holds no table: skipped, with the reason
    assert [(i.sheet, i.records) for i in report.inputs] == [("数据", 4)]
    assert report.inputs[0].skipped_sheets[0]["sheet"] == "说明"
    assert "no header row found" in report.inputs[0].skipped_sheets[0]["reason"]
    assert check_files([path], sheet="数据").inputs[0].records == 4
    with pytest.raises(UsageError, match="sheet '说明': no header row found"):
        check_files([path], sheet="说明")  # a sheet named with --sheet must hold a table
    with pytest.raises(UsageError, match="no sheet 'Sheet9'; the sheets are: 说明, 数据"):
        check_files([path], sheet="Sheet9")


def test_cli_sheet_and_csv_of_xlsx_input(cli, tmp_path, monkeypatch):
    workbook(tmp_path / "book.xlsx", cover=True)
    monkeypatch.chdir(tmp_path)
    result = cli("check", "book.xlsx", "--sheet", "数据", "-f", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["inputs"][0]["records"] == 4
    csv = cli("check", "book.xlsx", "--sheet", "数据", "-f", "csv", "--lang", "en")
    lines = csv.stdout_bytes.decode("utf-8-sig").splitlines()
    assert lines[0].startswith(",".join(HEADER))  # the record's own columns first, re-read from the sheet
    assert lines[1].startswith("TB-1,甲,洮北区,是,是,1500,500,pass,500,0,") and lines[1].endswith(",book.xlsx#数据,3")


def test_broken_workbook_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(UsageError, match="not a readable .xlsx workbook"):
        check_files([bad])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, ""),
        (True, "true"),
        (1020.0, "1020"),
        (33.3, "33.3"),
        (1e20, "1e+20"),
        (7, "7"),
        (dt.datetime(2022, 5, 1), "2022-05-01"),
        (dt.datetime(2022, 5, 1, 8, 30), "2022-05-01 08:30:00"),
        (" 洮北区 ", " 洮北区 "),
    ],
)
def test_cell_text(value, text):
    assert cell_text(value) == text


def test_excel_report_sheets_and_colours(tmp_path):
    report = check_files([workbook(tmp_path / "in.xlsx")], lang="zh")
    out = tmp_path / "out.xlsx"
    out.write_bytes(Format.xlsx.render(report, Options(by=View.department)))
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["检查结果", "汇总", "按县（市、区）"]
    assert "市民政局" in wb.sheetnames
    results = wb["检查结果"]
    assert results.freeze_panes == "A2" and results.auto_filter.ref
    head = [c.value for c in results[1]]
    status = head.index("新建社区综合服务设施面积不低于500平方米：状态")
    cell = results.cell(row=2, column=status + 1)
    assert cell.value == "达标" and cell.fill.fgColor.rgb.endswith("C6EFCE")
    assert results.cell(row=2, column=status + 2).value == 500  # a number, not text
    districts = wb["按县（市、区）"]
    assert [c.value for c in districts[2]][:3] == ["洮北区", 2, 4]  # district, pass, fail


def test_excel_row_limit_goes_on_in_a_second_sheet(tmp_path, monkeypatch):
    from lifeservices_cli.render import xlsx

    monkeypatch.setattr(xlsx, "EXCEL_ROWS", 3)
    report = check_files([workbook(tmp_path / "in.xlsx")], lang="en")
    out = tmp_path / "out.xlsx"
    out.write_bytes(Format.xlsx.render(report))
    wb = openpyxl.load_workbook(out)
    assert wb["Results"].max_row == 3  # the header and two records
    assert wb["Results (2)"].max_row == 3  # the header and the other two: none left out
    assert [c.value for c in wb["Summary"][2]] == [
        "'Results' passes Excel's 3 rows a sheet and goes on in: Results (2) (sheets)",
        2,
    ]
