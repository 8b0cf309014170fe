"""Long runs in the human formats: worst first, with counts, and how to get everything; the
``--by`` views; bounded lists in Markdown and HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format, Options, View, html, markdown, table
from lifeservices_cli.report.model import Report

HEADER = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"


@pytest.fixture(scope="module")
def long_run(tmp_path_factory) -> Report:
    rows = []
    for n in range(200):
        district = ("洮北区", "洮南市", "")[n % 3]
        area = {0: "480", 1: "", 2: "12a"}.get(n % 50, "900")  # 4 fail, 4 missing, 4 invalid; the rest pass
        rows.append(f"C{n:03d},社区{n},{district},是,是,1000,{area}")
    path = Path(tmp_path_factory.mktemp("long")) / "long.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return check_files([path], lang="en")


def test_table_shows_the_worst_first_with_counts_and_how_to_get_all(long_run):
    text = Format.table.render(long_run, Options(width=200))
    section = text.split("[facility-area-per-100-households]")[0]
    statuses = re.findall(r"│ C\d{3} 社区\d+\s+long\.csv:\d+\s+│ (\w+(?: data)?)", section)
    assert len(statuses) == table.LIMIT
    assert statuses[:12] == ["fail"] * 4 + ["invalid data"] * 4 + ["missing data"] * 4
    assert "200 results (pass 188, fail 4, missing data 4, invalid data 4); the 30 worst are shown" in section
    assert "--format csv, --format json or --report html=report.html" in section


def test_short_inputs_stay_in_input_order(tmp_path):
    path = tmp_path / "short.csv"
    path.write_text(f"{HEADER}\nA,甲,洮北区,是,是,1000,900\nB,乙,洮北区,是,是,1000,480\n", encoding="utf-8")
    text = Format.table.render(check_files([path], lang="en"))
    assert text.index("A 甲") < text.index("B 乙")


def test_by_department_gives_each_bureau_its_list(long_run):
    text = Format.table.render(long_run, Options(by=View.department, width=200))
    assert "Problems (by department)" in text
    departments = long_run.packset.get("new-community-facility-area").spec.departments
    for department in departments:
        assert f"{department}  fail 4, missing data 8, invalid data 8" in text  # 480 m² per 1000 households passes
    assert "new-community-facility-area" in text and "facility-area-per-100-households" in text


def test_by_district_lists_blank_districts_too(long_run):
    text = Format.table.render(long_run, Options(by=View.district, width=200))
    assert "洮北区  fail" in text and "(blank)  fail" in text


def test_markdown_stays_short(long_run, monkeypatch):
    monkeypatch.setattr(markdown, "MAX_PROBLEMS", 5)
    text = Format.markdown.render(long_run)
    assert text.count("\n- ") == 5
    assert "… 15 more not listed; the CSV, Excel or JSON report has them all." in text
    assert len(Format.markdown.render(long_run).encode()) < 65536  # a GitHub comment's limit


def test_html_lists_the_worst_rows_and_says_so(long_run, monkeypatch):
    monkeypatch.setattr(html, "MAX_ROWS", 10)
    page = Format.html.render(long_run)
    body = page.split('<table id="results-table">')[1]
    assert body.count("<tr data-status=") == 10
    assert body.count('data-status="fail"') == 4 and body.count('data-status="invalid_data"') == 6
    assert "400 results; the 10 worst are listed here." in page
