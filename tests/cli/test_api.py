"""The Python API (``lifeservices_cli.api``): the cases of ``test_cli.py`` through the API, which
must give the very report the command line gives, and what only an API has (records built in
Python, typed results, lazy import, ``py.typed`` in the wheel)."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import get_args

import pytest
from openpyxl import Workbook, load_workbook

import lifeservices_cli as ls
from lifeservices_cli import api
from lifeservices_cli.engine.results import STATUSES
from lifeservices_cli.render import Format

ROOT = Path(__file__).resolve().parents[2]
ALL = ["examples/communities.csv", "examples/communities-gbk.csv", "examples/compounds.yaml", "examples/facilities.csv"]
FORMATS = get_args(api.FormatName)

HEADER = ["社区编码", "社区名称", "县（市、区）", "是否新建", "户数（户）", "综合服务设施面积"]
RECORDS = [
    dict(zip(HEADER, ["A-1", "甲社区", "洮北区", "是", 111, "33.3㎡"], strict=True)),
    dict(zip(HEADER, ["A-2", "乙社区", "洮北区", False, 400, 90], strict=True)),
]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)  # relative paths, as a user gives them: no machine path in any report


@pytest.fixture
def cli(cli):
    return cli.using(width=200)


def cli_json(cli, *args: str) -> dict:
    result = cli("check", *args, "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def as_json(report: api.Report) -> dict:
    """The report's dict as JSON would give it back (tuples become lists)."""
    return json.loads(json.dumps(report.to_dict(), ensure_ascii=False))


# --------------------------------------------------------------------------- the CLI's cases, via the API


NCFA = "new-community-facility-area"
DISTRICTS, PERSONS = "examples/districts.csv", "examples/persons.csv"
SAME = {  # the CLI's arguments → the same run through the API
    "all": ([*ALL], lambda: api.check_files(ALL)),
    "en": ([*ALL, "--lang", "en"], lambda: api.check_files(ALL, lang="en")),
    "not-in-force": ([DISTRICTS, "--as-of", "2022-11-21"], lambda: api.check_files(DISTRICTS, as_of="2022-11-21")),
    "in-force": ([DISTRICTS, "--as-of", "2024-06-30"], lambda: api.check_files([DISTRICTS], as_of=date(2024, 6, 30))),
    "persons": ([PERSONS, "--as-of", "2024-07-01"], lambda: api.check_files([Path(PERSONS)], as_of="2024-07-01")),
    "set-only": (
        [ALL[0], "--set", f"{NCFA}.threshold=520", "--only", NCFA],
        lambda: api.check_files(ALL[0], packs=api.load_packs(only=[NCFA], settings={f"{NCFA}.threshold": 520})),
    ),
    "skip": ([ALL[0], "--skip", NCFA], lambda: api.check_files(ALL[0], packs=api.load_packs(skip=[NCFA]))),
    "indicators": (
        [ALL[3], "--indicators", "indicators/baicheng-2022-323.yaml"],
        lambda: api.check_files(ALL[3], packs="indicators/baicheng-2022-323.yaml"),
    ),
    "entity": ([ALL[2], "--entity", "compound"], lambda: api.check_files(ALL[2], entity="compound")),
}


@pytest.mark.parametrize(("cli_args", "call"), SAME.values(), ids=SAME.keys())
def test_same_report_via_api_and_cli_json(cli, cli_args, call):
    assert as_json(call()) == cli_json(cli, *cli_args)


def test_json_contract_and_example_statuses():
    report = api.check_files(ALL)
    data = report.to_dict()
    assert data["schema_version"] == 2 and data["packs"][0]["id"] == "baicheng-2022-323"
    assert [(i["entity"], i["encoding"], i["records"]) for i in data["inputs"]] == [
        ("community", "utf-8-sig", 12),
        ("community", "gb18030", 4),
        ("compound", "utf-8", 8),
        ("facility", "utf-8", 8),
    ]
    assert report.summary()["records"] == 32 and report.summary()["checks"] == len(report.results) == 48
    (r,) = [r for r in report.results if r.indicator == "facility-area-per-100-households" and r.record_id == "TB-004"]
    assert (r.status, r.value, r.line) == ("pass", Fraction(30), 5)  # exact: 33.3 m² for 111 households
    (r,) = [r for r in report.results if r.indicator == "new-community-facility-area" and r.record_id == "TB-003"]
    assert (r.status, r.value, r.threshold, r.gap, r.shortfall) == ("fail", 480, 500, -20, 20)
    assert {a.group: a.status for a in report.aggregates} == {
        "洮北区": "fail",
        "洮南市": "pass",
        "大安市": "pass",  # XQ-DA-01: its kindergarten meets the childcare side
        "镇赉县": "not_applicable",
    }


@pytest.mark.parametrize(("fail_on", "code"), [("any", 1), ("fail", 1), ("never", 0)])
def test_exit_code_is_the_clis(cli, fail_on, code):
    assert api.check_files(ALL).exit_code(fail_on) == code == cli("check", *ALL, "--fail-on", fail_on).exit_code


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_as_the_cli_writes_it(cli, fmt, tmp_path):
    out = tmp_path / f"report.{fmt}"
    result = cli("check", *ALL, "--report", f"{fmt}={out}", "--format", "json", "--by", "district")
    assert result.exit_code == 1, result.output
    rendered = api.render_report(api.check_files(ALL), fmt, by="district")
    assert isinstance(rendered, bytes) == (fmt in ("csv", "xlsx", "parquet"))
    assert (rendered if isinstance(rendered, bytes) else rendered.encode()) == out.read_bytes()


def test_render_options():
    report = api.check_files(ALL[3], lang="en")
    assert api.render_report(report).startswith("三(三)")  # table by default
    assert "\x1b[" in api.render_report(report, "table", color=True) and "\x1b[" not in api.render_report(report)
    assert max(map(len, api.render_report(report, width=100).splitlines())) <= 100
    assert api.render_report(report, "csv", csv_encoding="gb18030").decode("gb18030").startswith("项目编号")
    assert api.render_report(report, Format.markdown) == api.render_report(report, "markdown")


@pytest.mark.parametrize(
    ("call", "needle"),
    [
        (lambda: api.check_files("nope.csv"), "nope.csv: no such file"),
        (lambda: api.check_files("examples"), "is a folder"),
        (lambda: api.check_files(ALL[0], entity="planet"), "unknown entity 'planet'"),
        (lambda: api.check_files(ALL[0], packs="missing-pack.yaml"), "missing-pack.yaml: no such pack file"),
        (lambda: api.check_files(ALL[0], encoding="klingon"), "unknown encoding 'klingon'"),
        (lambda: api.check_files(ALL[0], as_of="2024-02-30"), "as_of '2024-02-30' is not a date"),
        (lambda: api.load_packs(only=["nope"]), "unknown indicator 'nope'"),
        (lambda: api.load_packs(settings=["nope.threshold=1"]), "unknown indicator 'nope'"),
        (
            lambda: api.load_packs(settings={"new-community-facility-area.threshold": "abc"}),
            "'abc' is not a number in m²",
        ),
        (lambda: api.render_report(api.check_files(ALL[3]), "pdf"), "unknown format 'pdf'"),  # type: ignore[call-overload]
        (lambda: api.render_report(api.check_files(ALL[3]), by="street"), "unknown grouping 'street'"),  # type: ignore[arg-type]
        (lambda: api.render_report(api.check_files(ALL[3]), "csv", csv_encoding="klingon"), "klingon"),
        (lambda: api.check_records([{"甲": 1, "乙": 2}]), "the columns fit no entity"),
    ],
)
def test_errors_are_usage_errors_with_the_clis_message(call, needle):
    with pytest.raises(api.UsageError) as caught:
        call()
    assert needle in str(caught.value)


def test_bad_pack_is_a_pack_error_naming_file_line_and_key(tmp_path):
    pack = tmp_path / "pack.yaml"
    pack.write_text("id: x\ntitle: {zh: 甲, en: a}\ndocument: d\nbogus: 1\n", encoding="utf-8")
    with pytest.raises(api.PackError) as caught:
        api.load_packs(pack)
    assert str(caught.value).startswith(f"{pack}:4: bogus: unknown key 'bogus'")
    assert caught.value.problems[0].code == "LS002"


# --------------------------------------------------------------------------- records built in Python


def test_records_with_chinese_headers_units_and_cell_text():
    report = api.check_records(
        [
            {"项目编号": "F-1", "建筑面积（平方米）": 280, "总投资（万元）": 45},  # 280 m² is small enough
            {"项目编号": "F-2", "建筑面积（平方米）": "1.5万平方米", "总投资（万元）": 30},  # 30万元: 以下 includes it
            {"项目编号": "F-3", "建筑面积（平方米）": "—", "总投资（万元）": "80"},  # area missing, too costly
            {"项目编号": "F-4", "建筑面积（平方米）": "12a", "总投资（万元）": "500000元"},  # the cell's unit wins
        ],
        lang="en",
    )
    assert report.inputs[0].entity == "facility"
    got = [(r.record_id, r.status, r.value) for r in report.results]
    assert got == [
        ("F-1", "eligible", 280),
        ("F-2", "eligible", 300_000),
        ("F-3", "missing_data", None),
        ("F-4", "invalid_data", None),
    ]
    assert "line 4, column '建筑面积（平方米）': '12a' is not a number" in report.results[3].message
    assert [r.line for r in report.results] == [1, 2, 3, 4] and {r.source for r in report.results} == {"<records>"}


def test_records_give_the_results_the_same_rows_give_from_a_file():
    with open(ALL[3], encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    from_file = api.check_files(ALL[3])
    from_dicts = api.check_records(rows, source="facilities")
    assert len(from_file.results) == len(from_dicts.results) == 8
    for a, b in zip(from_file.results, from_dicts.results, strict=True):
        assert (a.record_id, a.status, a.value, a.gap, a.message) == (b.record_id, b.status, b.value, b.gap, b.message)
        assert (a.line - 1, b.line, b.source) == (b.line, b.line, "facilities")  # the header is the file's line 1


def test_records_with_canonical_names_python_values_and_entity():
    report = api.check_records(
        [
            {"id": "P-1", "birth_date": date(2019, 3, 15), "is_chronic_patient": False},
            {"id": "P-2", "birth_date": "1958-11-02", "is_chronic_patient": None},
        ],
        entity="person",
        as_of="2024-06-30",
    )
    statuses = {r.record_id: r.status for r in report.results if r.indicator == "family-doctor-priority-group"}
    assert statuses == {"P-1": "eligible", "P-2": "eligible"}  # 5 full years; 65 and over
    assert report.as_of == date(2024, 6, 30)


def test_filter_the_failures_and_tabulate_them():
    report = api.check_files(ALL, lang="en")
    failures = [r for r in report.results if r.status == "fail"]
    assert len(failures) == report.summary()["fail"] == 6
    assert all(isinstance(r.value, Fraction | bool) for r in failures)
    problems = [r for r in report.iter_results() if r.status in ("fail", "invalid_data", "missing_data")]
    assert {r.status for r in problems} == {"fail", "invalid_data", "missing_data"}
    rows = [report.result_dict(r) for r in failures]  # JSON-ready dicts, e.g. for a data frame
    assert rows[0]["record_id"] == "TB-003" and rows[0]["gap"] == -20 and "clause" not in rows[0]


def test_records_built_in_python_render_as_csv_and_xlsx():
    report = api.check_records(RECORDS, lang="en")
    rows = list(csv.reader(io.StringIO(api.render_report(report, "csv").decode("utf-8-sig"))))
    assert rows[0][:6] == HEADER
    assert rows[1][:6] == ["A-1", "甲社区", "洮北区", "是", "111", "33.3㎡"]
    assert rows[2][:6] == ["A-2", "乙社区", "洮北区", "false", "400", "90"]
    assert rows[1][-2:] == ["<records>", "1"] and rows[2][-2:] == ["<records>", "2"]
    workbook = load_workbook(io.BytesIO(api.render_report(report, "xlsx")))
    assert workbook.worksheets[0].max_row == 3
    for fmt in FORMATS:
        assert api.render_report(report, fmt)


def test_a_sheet_chosen_for_the_check_is_the_one_the_csv_report_repeats(tmp_path):
    book = Workbook()
    book.active.append(["说明"])  # type: ignore[union-attr]
    data = book.create_sheet("数据")
    data.append(["项目编号", "项目名称", "县（市、区）", "建筑面积（平方米）", "总投资（万元）"])
    data.append(["F1", "站", "洮北区", 200, 10])
    path = tmp_path / "facilities.xlsx"
    book.save(path)
    report = api.check_files(path, sheet="数据", lang="en")
    assert [r.status for r in report.results] == ["eligible"]
    rows = list(csv.reader(io.StringIO(api.render_report(report, "csv").decode("utf-8-sig"))))
    assert rows[1][:5] == ["F1", "站", "洮北区", "200", "10"]


# --------------------------------------------------------------------------- the package


def test_names_and_types():
    assert set(get_args(api.Status)) == set(STATUSES)
    assert set(get_args(api.FormatName)) == {f.value for f in Format}
    assert set(api.__all__) == set(ls.__all__) - {"__version__"}
    for name in api.__all__:
        assert getattr(ls, name) is getattr(api, name), name
    assert ls.render_report is api.render_report and callable(ls.check_records)
    assert "check_files" in dir(ls)
    with pytest.raises(AttributeError):
        ls.nothing_here  # noqa: B018


def test_importing_the_package_is_lazy():
    code = """
import sys, lifeservices_cli as ls
heavy = ("polars", "pydantic", "rich", "yaml", "openpyxl", "typer", "lifeservices_cli.api",
         "lifeservices_cli.packs.loader")
print(ls.__version__, [m for m in heavy if m in sys.modules])
ls.check_files
print([m for m in ("polars", "rich", "openpyxl", "typer") if m in sys.modules])
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines() == [f"{ls.__version__} []", "[]"]  # the API itself needs none of them either


def test_the_wheel_ships_py_typed_and_the_api(tmp_path):
    for name in ("pyproject.toml", "README.md"):
        (tmp_path / name).write_bytes((ROOT / name).read_bytes())
    src = tmp_path / "src" / "lifeservices_cli"
    for path in (ROOT / "src" / "lifeservices_cli").rglob("*"):
        if path.is_file() and "__pycache__" not in path.parts:
            (src / path.relative_to(ROOT / "src" / "lifeservices_cli")).parent.mkdir(parents=True, exist_ok=True)
            (src / path.relative_to(ROOT / "src" / "lifeservices_cli")).write_bytes(path.read_bytes())
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(wheels), str(tmp_path)],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {"lifeservices_cli/py.typed", "lifeservices_cli/api.py", "lifeservices_cli/__init__.py"} <= names
