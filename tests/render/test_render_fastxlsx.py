"""The Excel report of a large run (the results sheet made in polars, ``render.fastxlsx``) is byte
for byte the workbook the ordinary path writes, and the fast path gives up (to the same bytes)
where it must."""

from __future__ import annotations

import csv
import io
import random
import re
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import polars as pl
import pytest
from xlsxwriter.utility import _preserve_whitespace

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import fastrows, fastxlsx, xlsx
from lifeservices_cli.render.common import View, visible

COMMUNITY = "社区编码,社区名称,县（市、区）,街道（乡镇）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
FACILITY = "项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）"
DISTRICTS = ["洮北区", "洮南市", "大安市", "镇赉县", "通榆县", "", "不存在区"]
TEXT = [
    "=1+1",
    "=SUM(A1)",
    "+1",
    "-x",
    "@x",
    "\tx",
    "-5",
    "a,b",
    'say "hi"',
    "  ",
    " lead",
    "trail ",
    "\u3000全角",
    "x\u00a0",
    "Ｎ/Ａ",
    "x\u202ey",
    "bell\x07",
    "_x0041_",
    "a_x00e9_b_X00FF_",
    "<r>x</r>",
    "<b>&amp;</b>",
    "a&b<c>d",
    "١٢",
    "1٢",
    "007",
    "-0",
    "长" * 17000,  # more than half a cell: cut (or not) by ``_fit`` in Python
    "😀" * 17000,  # more UTF-16 units than a cell holds: cut
]
NUMBERS = [
    "29.9999999",
    "30",
    "0.00001",
    "1e3",
    "-5",
    "1,097",
    " 12 ",
    "",
    "abc",
    "0",
    "-0",
    "0.10",
    "99.9",
    "78.222",
    "100000000",
    "123456789012345",
    "12345678901234.5",
    "1.123456789012",
    "0.1234567890123",
    "1234567890123456",
]


def _cell(rng: random.Random, number: bool) -> str:
    if rng.random() < 0.25:
        return rng.choice(NUMBERS if number else TEXT)
    if number:
        return str(round(rng.uniform(0, 3000), rng.choice([0, 1, 2, 5, 9])))
    return rng.choice(["是", "否", "", "有", "maybe"])


def _community(rng: random.Random, rows: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COMMUNITY.split(","))
    for n in range(rows):
        if rng.random() < 0.01:
            out.write("\n")  # a blank row is no record
            continue
        row = [
            rng.choice([f"C{n}", f"C{n % 7}", "", "=cmd|' /C calc'!A0", f"\ufeffC{n}", str(n), f"{n}.5"]),
            rng.choice([f"社区{n}", "Tab\there", '引号"双"', f"Ｎo{n}", "-负", "@at", *TEXT[:24]]),
            rng.choice(DISTRICTS),
            rng.choice(["街道", "", "a;b", *TEXT]),
            _cell(rng, False),
            _cell(rng, False),
            _cell(rng, True) if rng.random() > 0.05 else "0",
            _cell(rng, True),
        ]
        if rng.random() < 0.02:
            row = row[: rng.randrange(1, 8)]  # a short row: its last cells are empty
        writer.writerow(row)
    return out.getvalue()


def _facility(rng: random.Random, rows: int) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FACILITY.split(","))
    for n in range(rows):
        writer.writerow(
            [
                rng.choice([f"SS-{n}", "", "=1+1", str(n)]),
                rng.choice([f"设施{n}", "a&b<c>", " 空格 ", *TEXT[:24]]),
                rng.choice(DISTRICTS),
                _cell(rng, True),
                _cell(rng, True),
            ]
        )
    return out.getvalue()


def _both(report, by: View | None = None) -> tuple[bytes, bytes]:
    xlsx.FAST = True
    try:
        fast = xlsx.render(report, by=by)
        xlsx.FAST = False
        slow = xlsx.render(report, by=by)
    finally:
        xlsx.FAST = True
    return fast, slow


def _members(book: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(book)) as z:
        return {name: z.read(name) for name in z.namelist()}


def _same(fast: bytes, slow: bytes) -> None:
    a, b = _members(fast), _members(slow)
    assert list(a) == list(b)
    for name in a:
        assert a[name] == b[name], name
    assert fast == slow


def _only_fast(monkeypatch) -> None:
    """The ordinary results sheet may not be written: the fast path must take the report."""

    def refuse(*args, **kwargs):
        raise AssertionError("the ordinary path wrote the results sheet")

    monkeypatch.setattr(xlsx, "_results_sheet", refuse)


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(fastrows, "BLOCK_BYTES", 8192)  # many input blocks
    monkeypatch.setattr(fastrows, "SPOOL_BYTES", 16384)  # results taken across many spool blocks
    monkeypatch.setattr(fastxlsx, "XML_ROWS", 97)  # blocks cut into many pieces of XML


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_fast_results_sheet_gives_the_ordinary_workbook(tmp_path: Path, lang: str, small_blocks, monkeypatch):
    rng = random.Random(f"xlsx-{lang}")
    community, facility = tmp_path / "c.csv", tmp_path / "f.csv"
    community.write_text(_community(rng, 1500), encoding="utf-8")
    facility.write_text(_facility(rng, 400), encoding="utf-8")  # an indicator of two checks in two units
    report = check_files([community, facility], lang=lang, as_of=date(2025, 1, 1), engine="columns")  # type: ignore[arg-type]
    records = check_files([community, facility], lang=lang, as_of=date(2025, 1, 1), engine="records")  # type: ignore[arg-type]
    assert report.store.spooled and not records.store.spooled
    for listing in ("all", "problems", "none"):
        report.listing = records.listing = listing  # type: ignore[assignment]
        fast, slow = _both(report)
        _same(fast, slow)
        _same(fast, xlsx.render(records))
        with monkeypatch.context() as m:
            _only_fast(m)
            assert xlsx.render(report) == fast, listing
    out = tmp_path / "out.xlsx"
    report.listing = "all"
    xlsx.write_file(report, out)
    _same(out.read_bytes(), _both(report)[1])


def test_results_go_on_over_sheets_past_excels_rows(tmp_path: Path, small_blocks, monkeypatch):
    monkeypatch.setattr(xlsx, "EXCEL_ROWS", 400)  # a header and 399 records a sheet: a block is cut at its end
    path = tmp_path / "c.csv"
    path.write_text(_community(random.Random(3), 1500), encoding="utf-8")
    report = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    assert report.store.spooled
    fast, slow = _both(report)
    _same(fast, slow)
    assert sum(name.startswith("xl/worksheets/sheet") for name in _members(fast)) > 5
    with monkeypatch.context() as m:
        _only_fast(m)
        assert xlsx.render(report) == fast


@pytest.mark.parametrize(
    "body",
    [
        "C1,x,洮北区,街道,是,是,500,600\x00\n",  # a NUL: left to the record reader, after blocks were written
        "C1,x,洮北区,街道,是,是,500,600\n合计,,洮北区,,,,500,600\n",  # a total row: the record reader sets it aside
        "C1,x,洮北区,街道,是,是,500,600,extra\nC2,y,洮北区,街道,是,是,500,600\n",  # a row longer than its header
    ],
)
def test_what_the_fast_path_leaves_gives_the_same_workbook(tmp_path: Path, body: str, small_blocks, monkeypatch):
    path = tmp_path / "c.csv"
    rows = "".join(f"D{n},n,洮南市,街道,否,是,{n + 1},{n}.5\n" for n in range(1500))
    path.write_text(f"{COMMUNITY}\n{rows}{body}{rows}")  # the trouble in the middle: blocks were written before it
    report = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    assert report.store.spooled or "\x00" not in body
    gave_up = []
    taken = fastxlsx.results_sheet

    def spy(*args, **kwargs):
        try:
            taken(*args, **kwargs)
        except fastrows.NotFast:
            gave_up.append(True)
            raise

    monkeypatch.setattr(fastxlsx, "results_sheet", spy)
    fast, slow = _both(report)
    assert bool(gave_up) == report.store.spooled
    _same(fast, slow)
    _same(fast, xlsx.render(records))


def test_problem_sheets_are_made_the_ordinary_way(tmp_path: Path, monkeypatch):
    path = tmp_path / "c.csv"
    path.write_text(_community(random.Random(4), 800), encoding="utf-8")
    report = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    assert report.store.spooled
    for view in View:
        fast, slow = _both(report, view)
        _same(fast, slow)
        _same(fast, xlsx.render(records, by=view))


def test_character_classes_are_pythons():
    chars = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    series = pl.Series(chars)
    changed = series.str.contains(fastxlsx._CHANGED).to_list()
    assert changed == [visible(c) != c for c in chars]
    for text in (pl.Series([c + "x" for c in chars]), pl.Series(["x" + c for c in chars])):
        made = text.str.contains(fastxlsx._PRESERVE).to_list()
        assert made == [bool(_preserve_whitespace(x)) for x in text]
    numeric = pl.Series(chars).str.contains(r"^\d$").to_list()
    assert all(made for c, made in zip(chars, numeric, strict=True) if re.fullmatch(r"\d", c))


def test_strings_and_numbers_are_xlsxwriters():
    rng = random.Random(9)
    alphabet = ["&", "<", ">", '"', " ", "\t", "\n", "_x00", "1", "A", "f_", "_", "x", "社", "\u3000", "\u00a0"]
    texts = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 8))) for _ in range(5000)]
    made = fastxlsx._strings(pl.Series(texts)).to_list()
    assert made == [fastxlsx._string(x) for x in texts]
    numbers = [f"{rng.uniform(-1e6, 1e6):.{rng.randrange(1, 13)}f}" for _ in range(5000)] + ["99.9", "-0.0", "0.00001"]
    decimals = fastxlsx._decimals([pl.Series(numbers)])
    shown = fastxlsx._numbers(pl.Series(numbers), decimals).to_list()
    assert shown == [fastxlsx._num(float(Decimal(x))) for x in numbers]
