"""Statistical tables (统计表) as planners have them, built with openpyxl and converted by
LibreOffice — a real spreadsheet program — to .xls, .ods and a recalculated .xlsx.

``statistical_workbook`` writes the workbook the tests read: a 汇总 sheet in front, a community
sheet with a title, 填报 rows, a 单位 row, a two-row header with a merged group cell, districts
merged down their rows, 小计/合计 rows (formulas) and footers; a compound sheet with check
marks and merged districts; a facility sheet with a units row.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font

#: The truth of the community sheet: (district, name, households, area, of which elderly care, new).
COMMUNITIES = [
    ("洮北区", "幸福社区", 2000, 600, 200, "是"),
    ("洮北区", "和平社区", 1500, 400, 100, "是"),
    ("洮北区", "新华社区", 1200, 300, 80, "否"),
    ("洮南市", "兴隆社区", 1000, 520, 120, "是"),
    ("洮南市", "团结社区", 800, 200, 60, "否"),
]
#: (district as written, name, new, elderly care, childcare): √ or blank, as such sheets have them.
COMPOUNDS = [
    ("白城市洮北区", "鹤鸣湖小区", "是", "√", "√"),
    ("白城市洮北区", "幸福家园", "是", "√", ""),
    ("白城市洮北区", "金辉花园", "是", "√", "√"),
    ("洮南", "兴业小区", "是", "√", "√"),
]
#: (id, name, district, floor area m², total investment 万元).
FACILITIES = [
    ("SS-01", "幸福社区养老服务站", "洮北区", 350, 30.01),  # over 300 m² and over 30万元: not eligible
    ("SS-02", "和平社区托育点", "洮北区", 400, 25),  # 25万元 = 250,000 元: eligible
    ("SS-03", "兴隆社区综合服务中心", "洮南市", 1200, 500),
]


def _title(ws, text: str, width: int) -> None:
    ws.append([text])
    ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
    ws.cell(ws.max_row, 1).font = Font(bold=True, size=14)
    ws.cell(ws.max_row, 1).alignment = Alignment(horizontal="center")


def statistical_workbook(path: Path, *, wrong_total: bool = False) -> Path:
    wb = openpyxl.Workbook()
    summary = wb.active
    summary.title = "汇总"
    _title(summary, "白城市社区综合服务设施汇总表", 3)
    summary.append(["县（市、区）", "社区数", "综合服务设施面积（㎡）"])
    summary.append(["洮北区", 3, 1300])
    summary.append(["洮南市", 2, 720])

    ws = wb.create_sheet("社区")
    _title(ws, "白城市城市社区综合服务设施统计表", 7)
    ws.append(["填报单位：白城市民政局", None, None, None, "填报日期：2022年12月1日"])
    ws.append(["单位：户、平方米"])
    ws.append(["序号", "县（市、区）", "社区名称", "户数", "综合服务设施", None, "是否新建"])
    ws.append([None, None, None, None, "面积", "其中：养老", None])
    for column in "ABCDG":
        ws.merge_cells(f"{column}4:{column}5")
    ws.merge_cells("E4:F4")
    row = 6
    serial = 0
    for district in ("洮北区", "洮南市"):
        first = row
        for d, name, households, area, elderly, new in COMMUNITIES:
            if d != district:
                continue
            serial += 1
            ws.append([serial, d if row == first else None, name, households, area, elderly, new])
            row += 1
        ws.merge_cells(f"B{first}:B{row - 1}")
        ws.append([None, f"{district}小计", None, f"=SUM(D{first}:D{row - 1})", f"=SUM(E{first}:E{row - 1})"])
        row += 1
    total = "=D9+D12" if not wrong_total else "=D9+D12+100"
    ws.append(["合 计", None, None, total, "=E9+E12"])
    ws.append(["注：户数为2022年底常住户数。"])
    ws.append(["填表人：张三", None, "审核人：李四", None, "联系电话：0436-1234567"])

    cs = wb.create_sheet("小区")
    _title(cs, "新建居住小区养老托幼服务设施配建情况", 6)
    cs.append(["序号", "县（市、区）", "小区名称", "是否新建", "养老服务设施", "托育服务设施"])
    start = cs.max_row + 1
    for n, (district, name, new, elderly, childcare) in enumerate(COMPOUNDS, start=1):
        first_of_district = n == 1 or COMPOUNDS[n - 2][0] != district
        cs.append([n, district if first_of_district else None, name, new, elderly or None, childcare or None])
    cs.merge_cells(f"B{start}:B{start + 2}")  # 白城市洮北区 over its three compounds

    fs = wb.create_sheet("设施")
    _title(fs, "社区服务设施消防验收备案情况", 5)
    fs.append(["项目编号", "项目名称", "县（市、区）", "建筑面积", "总投资"])
    fs.append([None, None, None, "平方米", "万元"])
    for item in FACILITIES:
        fs.append(list(item))
    wb.save(path)
    return path


def libreoffice() -> str:
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found is None:
        raise RuntimeError("LibreOffice is not installed: `make test` installs libreoffice-calc-nogui")
    return found


def convert(source: Path, target_format: str, folder: Path) -> Path:
    """``source`` opened, recalculated and saved by LibreOffice as ``target_format`` (xls, ods, xlsx)."""
    folder.mkdir(parents=True, exist_ok=True)
    profile = (folder / ".lo-profile").resolve()
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xls": "xls:MS Excel 97", "ods": "ods"}
    subprocess.run(
        [
            libreoffice(),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            filters[target_format],
            "--outdir",
            str(folder),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env={**os.environ, "HOME": str(folder)},
    )
    out = folder / f"{source.stem}.{target_format}"
    if not out.exists():
        raise RuntimeError(f"LibreOffice did not write {out.name}")
    return out
