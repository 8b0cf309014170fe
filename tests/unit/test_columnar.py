"""The columnar path gives the record engine's report byte for byte, on messy data."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date
from pathlib import Path

import pytest

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render.json import render
from lifeservices_cli.render.table import render as table_render

DISTRICTS = ["洮北区", "洮南市", "大安市", "镇赉县", "通榆县", ""]
JUNK = [
    "12a",
    "五百",
    "1,2",
    "#DIV/0!",
    "—",
    "n/a",
    "-5",
    "1e3",
    "600㎡",
    "３００",
    " 42 ",
    "0",
    "0.0",
    "1,020.5",
    "33.3",
    "+7",
    "007",
    "1.2345678",
    "99999999999999",
    "0.00001",
    "Ｎ/Ａ",
    "是",
    "√",
    "x",
    "-0",
    ".5",
    "5.",
]
FLAGS = ["是", "否", "", "有", "无", "Y", "n", "TRUE", "√", "×", "1", "0", "maybe", "—", "是 ", "Ｙ"]


def _cell(rng: random.Random, choices: list[str], number: bool) -> str:
    if rng.random() < 0.15:
        return rng.choice(choices)
    return str(round(rng.uniform(0, 2000), rng.choice([0, 1, 2]))) if number else rng.choice(choices)


def _csv(rows: list[list[str]], line_end: str = "\n") -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator=line_end).writerows(rows)  # quotes cells with commas, as Excel does
    return out.getvalue()


def _community(rng: random.Random, rows: int, header: str, line_end: str = "\n") -> str:
    table = [header.split(",")]
    for n in range(rows):
        if rng.random() < 0.01:
            table.append([])  # a blank line is no record
            continue
        name = rng.choice([f"社区{n}", f"社区{n}·东", "Tab\there", "引号'单'", '引号"双"', f"Ｎo{n}", "a,b"])
        table.append(
            [
                rng.choice([f"C{n}", f"C{n % 7}", ""]),
                name,
                rng.choice(DISTRICTS),
                "街道",
                _cell(rng, FLAGS, False),
                _cell(rng, FLAGS, False),
                _cell(rng, JUNK, True) if rng.random() > 0.05 else "0",
                _cell(rng, JUNK, True),
            ][: len(table[0])]
        )
    return _csv(table, line_end)


def _facility(rng: random.Random, rows: int) -> str:
    table = [["项目编号", "项目名称", "县（市、区）", "建筑面积（平方米）", "总投资（万元）"]]
    for n in range(rows):
        table.append(
            [
                f"F{n}",
                f"设施{n}",
                rng.choice(DISTRICTS),
                _cell(rng, JUNK, True),
                _cell(rng, JUNK + ["30", "29.9999", "30.0001"], True),
            ]
        )
    return _csv(table, "\r\n")


def _compound(rng: random.Random, rows: int) -> str:
    table = [["小区编码", "小区名称", "县（市、区）", "是否新建", "养老服务设施", "托育服务设施"]]
    for n in range(rows):
        table.append([f"X{n}", f"小区{n}", rng.choice(DISTRICTS), *(rng.choice(FLAGS) for _ in range(3))])
    return _csv(table)


CASES = {
    "community": lambda rng: _community(
        rng,
        1500,
        "社区编码,社区名称,县（市、区）,街道（乡镇）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）",
    ),
    "community-no-urban-column": lambda rng: _community(
        rng, 400, "社区编码,社区名称,县（市、区）,街道（乡镇）,是否新建,户数（户）,综合服务设施面积（万平方米）"
    ),
    "facility": lambda rng: _facility(rng, 1500),
    "compound": lambda rng: _compound(rng, 1500),
}


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_columns_give_the_same_report_as_records(tmp_path: Path, case: str, lang: str):
    text = CASES[case](random.Random(f"{case}-{lang}"))
    path = tmp_path / f"{case}.csv"
    path.write_text(text, encoding="utf-8")
    records = check_files([path], lang=lang, as_of=date(2025, 1, 1), engine="records")  # type: ignore[arg-type]
    columns = check_files([path], lang=lang, as_of=date(2025, 1, 1), engine="columns")  # type: ignore[arg-type]
    assert columns.store.spooled, "the columnar path was not taken"
    assert render(columns) == render(records)
    assert [r.status for r in columns.iter_results()] == [r.status for r in records.iter_results()]


def test_gb18030_input_takes_the_columnar_path_with_the_same_report(tmp_path: Path):
    text = CASES["community"](random.Random("gb18030"))
    utf8, gbk = tmp_path / "u.csv", tmp_path / "g.csv"
    utf8.write_text(text, encoding="utf-8")
    gbk.write_bytes(text.encode("gb18030"))
    records = check_files([gbk], as_of=date(2025, 1, 1), engine="records")
    columns = check_files([gbk], as_of=date(2025, 1, 1), engine="columns")
    assert columns.store.spooled
    assert render(columns) == render(records)
    assert columns.inputs[0].encoding == "gb18030"


def test_invalid_gb18030_bytes_fall_back_to_records_which_name_the_line(tmp_path: Path):
    path = tmp_path / "bad.csv"
    head = "项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）\nF1,站,洮北区,100,10\n".encode("gb18030")
    path.write_bytes(head + b"F2,\x81\x20,\xe6\xb4\xae,100,10\n")  # not valid GB18030, not UTF-8 either
    columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    assert not columns.store.spooled
    assert render(columns) == render(check_files([path], as_of=date(2025, 1, 1), engine="records"))


def test_a_cell_spanning_lines_falls_back_to_records(tmp_path: Path):
    path = tmp_path / "multiline.csv"
    path.write_text(
        '项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）\nF1,"两行\n名称",洮北区,100,10\nF2,站,洮北区,400,90\n',
        encoding="utf-8",
    )
    columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    assert not columns.store.spooled
    assert [(r.line, r.status) for r in columns.results] == [(2, "eligible"), (4, "not_eligible")]


def test_ragged_rows_fall_back_to_records_and_lose_nothing(tmp_path: Path):
    path = tmp_path / "ragged.csv"
    path.write_text(
        "项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）\nF1,站,洮北区,100,10\nF2,站,洮北区,100,10,extra\n",
        encoding="utf-8",
    )
    columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    assert not columns.store.spooled
    assert render(columns) == render(records)
    assert [r.status for r in columns.results] == ["eligible", "invalid_data"]


def _rows_left_to_records(path: Path) -> tuple[int, int]:
    """How many rows of ``path`` the columnar plan hands to the record engine, of how many."""
    from lifeservices_cli.engine.columnar import Plan, batches
    from lifeservices_cli.engine.records import Engine
    from lifeservices_cli.packs.loader import load_packs
    from lifeservices_cli.sources import open_binding

    packset = load_packs()
    binding = open_binding(str(path), packset)
    converters = {index: (name, conv) for index, name, conv in binding.bound}
    table = binding.table
    plan = Plan(
        Engine(packset), binding.entity, table.header, str(path), "utf-8", ",", path, converters, binding.absent
    )
    hard = total = 0
    for batch, _ in batches(plan):
        frame = plan.frame(batch)
        hard += frame["hard"].sum()
        total += frame.height
    return hard, total


@pytest.mark.parametrize(
    ("households", "area"),
    [
        ("", "600"),  # blank: missing data, named
        ("n/a", "—"),  # missing marks in both: both named
        ("１２００", "600㎡"),  # full-width digits, a unit in the cell
        ("1,200", "0.06万平方米"),  # thousands separator, a unit converted
        ("约500", "600"),  # unreadable: invalid data, the cell quoted
        ("#VALUE!", "600"),  # a spreadsheet error
        ("-3", "600"),  # below the minimum
        ("0", "600"),  # division by zero
        ("1e3", "600 平方米"),  # exponent, unit after a space
    ],
)
def test_messy_cells_the_converter_reads_stay_in_columns(tmp_path: Path, households: str, area: str):
    path = tmp_path / "c.csv"
    header = "社区编码,社区名称,县（市、区）,街道（乡镇）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
    cells = f'洮北区,街道,{{}},√,"{households}",{area}'
    rows = [header] + [f"C{n},幸福社区（东）," + cells.format(flag) for n, flag in enumerate("是否×")]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert _rows_left_to_records(path) == (0, 3)
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    assert render(columns) == render(records)


def test_two_invalid_cells_in_one_indicator_go_to_the_record_engine(tmp_path: Path):
    # the order of the two reasons follows the formula's evaluation: the record engine words it
    path = tmp_path / "c.csv"
    header = "社区编码,社区名称,县（市、区）,是否新建,户数（户）,综合服务设施面积（平方米）"
    path.write_text(f"{header}\nC1,甲,洮北区,否,约500,待核实\nC2,乙,洮北区,否,500,600\n", encoding="utf-8")
    assert _rows_left_to_records(path) == (1, 2)
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    assert render(columns) == render(records)
    assert [r.status for r in columns.results] == ["not_applicable", "invalid_data", "not_applicable", "pass"]


def test_a_formula_that_could_overflow_128_bits_is_left_to_the_record_engine(tmp_path: Path):
    from tests.unit.test_comparators import write_pack

    from lifeservices_cli.packs import loader as packs

    # amount⁴: four 18-digit cells multiply past Int128; the record engine's fractions do not care
    packset = packs.load_packs([write_pack(tmp_path, ">= 1", metric="amount * amount * amount * amount", unit=None)])
    path = tmp_path / "sites.csv"
    path.write_text("编号,数量\nA,999999999999.999999\nB,0.5\n", encoding="utf-8")
    columns = check_files([path], packset=packset, engine="columns", as_of=date(2025, 1, 1))
    assert not columns.store.spooled
    assert [r.status for r in columns.results] == ["pass", "fail"]
    # amount²: within the bounds, the columns take it and agree
    packset = packs.load_packs([write_pack(tmp_path, ">= 1", metric="amount * amount", unit=None)])
    columns = check_files([path], packset=packset, engine="columns", as_of=date(2025, 1, 1))
    records = check_files([path], packset=packset, engine="records", as_of=date(2025, 1, 1))
    assert columns.store.spooled
    assert render(columns) == render(records)


@pytest.mark.parametrize("block", [997, 8191])
def test_small_blocks_give_the_same_report(tmp_path: Path, monkeypatch, block: int):
    from lifeservices_cli.engine.columnar import reader

    monkeypatch.setattr(reader, "BLOCK_BYTES", block)  # many blocks, cut between any two lines
    for case in ("community", "facility"):
        path = tmp_path / f"{case}.csv"
        path.write_text(CASES[case](random.Random(f"blocks-{case}")), encoding="utf-8")
        records = check_files([path], as_of=date(2025, 1, 1), engine="records")
        columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
        assert columns.store.spooled
        assert render(columns) == render(records)


def test_ids_repeated_across_blocks_are_warned_as_the_record_engine_warns(tmp_path: Path, monkeypatch):
    from lifeservices_cli.engine.columnar import driver, reader

    monkeypatch.setattr(reader, "BLOCK_BYTES", 4096)  # the repeats fall in different blocks
    monkeypatch.setattr(driver, "_ID_FRAMES", 2)  # and the blocks' ids are put together as they come
    header = "社区编码,社区名称,县（市、区）,是否新建,户数（户）,综合服务设施面积（平方米）"
    rows = [f"C{n},社区{n},洮北区,是,100,600" for n in range(2000)]
    rows[1500] = "C7,社区1500,洮北区,是,100,600"  # C7 again, far from line 9
    rows[1900] = "C7,社区1900,洮北区,是,100,600"
    rows[1950] = "C1949,社区1950,洮北区,是,100,600"  # next to its twin
    path = tmp_path / "ids.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    records = check_files([path], lang="en", as_of=date(2025, 1, 1), engine="records")
    columns = check_files([path], lang="en", as_of=date(2025, 1, 1), engine="columns")
    assert columns.store.spooled
    warned = [w for w in columns.inputs[0].warnings if "more than once" in w]
    assert warned == [w for w in records.inputs[0].warnings if "more than once" in w]
    assert [w.split(": ", 1)[1] for w in warned] == [
        "record id C7 appears more than once (lines 9, 1502, 1902)",
        "record id C1949 appears more than once (lines 1951, 1952)",
    ]


@pytest.mark.parametrize("width", [1, 3])
def test_blank_rows_are_dropped_whatever_the_width(width: int):
    import polars as pl

    from lifeservices_cli.engine.columnar.reader import _drop_blank

    names = [f"c{i}" for i in range(width)]
    rows = [["a", *["x"] * (width - 1)], [" ", *[" "] * (width - 1)], [None, *["y"] * (width - 1)], ["\x1c"] * width]
    batch = pl.DataFrame(rows, schema=names, orient="row")
    kept, lead = _drop_blank(batch, names)
    expected = [row for row in rows if any((c or "").strip() for c in row)]
    assert kept.rows() == [tuple(row) for row in expected]
    assert lead.to_list() == [not (row[0] or "").strip() for row in expected]


def test_repeated_ids_are_read_again_from_their_own_lines_only(tmp_path: Path, monkeypatch):
    """The repeats' lines are parsed again alone: CRLF line ends, blank lines, quoted cells with
    commas and the id in the last column give the lines and ids the record engine finds."""
    from lifeservices_cli.engine.columnar import reader

    monkeypatch.setattr(reader, "BLOCK_BYTES", 2048)
    header = "社区名称,县（市、区）,是否新建,户数（户）,综合服务设施面积（平方米）,社区编码"
    rows = [f'"社区{n}，甲,乙",洮北区,是,100,600,C{n}' for n in range(1200)]
    rows[300] = ""  # blank lines shift the lines that follow
    rows[301] = "  "
    rows[700] = '"社区700",洮北区,是,100,600,"C5"'  # the same id, quoted
    rows[1100] = '"社区1100",洮北区,是,100,600, C5 '  # and with spaces round it
    rows[1199] = '"社区1199",洮北区,是,100,600,C1198'  # the last line, no line end after it
    path = tmp_path / "ids.csv"
    path.write_bytes(("\r\n".join([header, *rows])).encode("utf-8"))
    records = check_files([path], lang="en", as_of=date(2025, 1, 1), engine="records")
    columns = check_files([path], lang="en", as_of=date(2025, 1, 1), engine="columns")
    assert columns.store.spooled
    warned = [w for w in columns.inputs[0].warnings if "more than once" in w]
    assert warned == [w for w in records.inputs[0].warnings if "more than once" in w]
    assert [w.split(": ", 1)[1] for w in warned] == [
        "record id C5 appears more than once (lines 7, 702, 1102)",
        "record id C1198 appears more than once (lines 1200, 1201)",
    ]


def test_a_cell_spanning_lines_in_a_later_block_falls_back(tmp_path: Path, monkeypatch):
    from lifeservices_cli.engine.columnar import reader

    monkeypatch.setattr(reader, "BLOCK_BYTES", 64)
    rows = "".join(f"F{n},站,洮北区,100,10\n" for n in range(40))
    path = tmp_path / "late.csv"
    path.write_text(
        f'项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）\n{rows}F40,"两行\n名称",洮北区,100,10\n{rows}',
        encoding="utf-8",
    )
    columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    assert not columns.store.spooled
    assert render(columns) == render(records)
    assert columns.summary()["records"] == 81


COMMUNITY_HEADER = (
    "社区编码,社区名称,县（市、区）,街道（乡镇）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
)
ROW = "洮北区,街道,是,是,500,600"


@pytest.mark.parametrize(
    ("body", "in_columns"),
    [
        (f"C1,#DIV/0!,{ROW}\nC2,#VALUE!,#N/A,街道,是,是,500,600\n", True),  # spreadsheet errors in text cells
        (f"\ufeffC1,x,{ROW}\nC2,y,{ROW}\n", True),  # a byte-order mark opening a data line
        (f"\nC1,x,{ROW}\n\nC2,y,{ROW}\n", True),  # blank lines, one right after the header
        (f"C1,x,{ROW}\n" + ",".join(["\x1c"] * 8) + f"\nC2,x,{ROW}\n", True),  # cells Python strips away
        (f",x,{ROW}\n \u3000,y,{ROW}\n" + ",".join([" "] * 8) + f"\nC2,y,{ROW}\n", True),  # first cell blank, row not
        (f",,{ROW}\n\t,\u3000,,,,,,\nC2,总站社区,{ROW}\n", True),  # 总 in a name is no total
        (f"C1,x,{ROW}\n , 小 计 ,{ROW}\nC2,y,{ROW}\n", False),  # a total after a blank first cell
        (f"C1,x,{ROW}\n,,,,,,,注：本表由街道填报\n", False),  # a footer in the last cell
        (f"C1,x,{ROW}\n 合\u3000计 ,,{ROW}\n", False),  # a total spaced out
        (f"C1,a\rb,{ROW}\nC2,x,{ROW}\n", False),  # a lone carriage return: a line end to Python's csv
        (f'C1,"a\rb",{ROW}\nC2,y,{ROW}\n', False),
        (f"C1,x,{ROW}\rC2,y,{ROW}\r", False),  # old Mac line ends
    ],
)
def test_odd_lines_and_cells_read_as_the_record_reader_reads_them(tmp_path: Path, body: str, in_columns: bool):
    path = tmp_path / "c.csv"
    path.write_bytes(f"{COMMUNITY_HEADER}\n{body}".encode())
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    assert columns.store.spooled is in_columns
    assert render(columns) == render(records)


DATA = Path(__file__).resolve().parents[1] / "data" / "columnar"


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("pack", ["escaping-pack.yaml", "defaults-pack.yaml"])
def test_pack_text_is_escaped_and_defaults_read_like_cells(tmp_path: Path, pack: str, lang: str):
    from lifeservices_cli.packs import loader as packs

    # titles with quotes and backslashes go into JSON strings; defaults such as "是", " 学校 ",
    # "—" and "600㎡" are read by the cell converter, as the record reader reads them
    packset = packs.load_packs([DATA / pack])
    path = tmp_path / "sites.csv"
    path.write_text("编号,类型,数量\nA,学校,5\nB,医院,0\nC,\"引号\"\"\\\",—\n", encoding="utf-8")
    records = check_files([path], packset=packset, lang=lang, engine="records", as_of=date(2025, 1, 1))
    columns = check_files([path], packset=packset, lang=lang, engine="columns", as_of=date(2025, 1, 1))
    assert columns.store.spooled
    text = render(columns)
    assert text == render(records)
    json.loads(text)
    assert table_render(columns) == table_render(records)  # the spool reads back


def test_a_total_row_far_down_leaves_no_result_twice(tmp_path, monkeypatch):
    # the total is found batches after the first ones were stored: they are taken back, and the
    # record engine reads the whole file once (before, the first batches' results were there twice)
    from lifeservices_cli.engine.columnar import reader

    monkeypatch.setattr(reader, "BLOCK_BYTES", 2048)
    header = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
    body = "".join(f"C{n},社区{n},洮北区,是,是,{1000 + n},{300 + n}\n" for n in range(400))
    path = tmp_path / "c.csv"
    path.write_text(f"{header}\n{body}合计,,洮北区,,,,\n", encoding="utf-8")
    columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    assert columns.store.total == records.store.total == 800
    assert render(columns) == render(records)
