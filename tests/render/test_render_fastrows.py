"""The CSV of a large run (rows made in polars, ``render.fastrows``) is byte for byte the CSV the
record reader's rows give, and the fast path gives up (to the same bytes) where it must."""

from __future__ import annotations

import csv
import io
import json
import random
from datetime import date
from fractions import Fraction
from pathlib import Path

import polars as pl
import pytest

from lifeservices_cli.errors import UsageError
from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import csv as render_csv
from lifeservices_cli.render import fastrows
from lifeservices_cli.render.rows import layout, neutralise
from lifeservices_cli.report.store import _exact
from lifeservices_cli.semantics.numbers import display

COMMUNITY = "社区编码,社区名称,县（市、区）,街道（乡镇）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
DISTRICTS = ["洮北区", "洮南市", "大安市", "镇赉县", "通榆县", "", "不存在区"]
TEXT = ["=SUM(A1)", "+1", "-x", "@x", "\tx", "-5", "-١٢", "+٣", "a,b", 'say "hi"', "  ", "Ｎ/Ａ", "—", "x\u202ey"]
NUMBERS = ["29.9999999", "30", "0.00001", "1e3", "-5", "1,097", "3,746", " 12 ", "", "abc", "0", "100000000"]


def _cell(rng: random.Random, number: bool) -> str:
    if rng.random() < 0.2:
        return rng.choice(NUMBERS if number else TEXT)
    if number:
        return str(round(rng.uniform(0, 3000), rng.choice([0, 1, 2, 5])))
    return rng.choice(["是", "否", "", "有", "maybe"])


def _community(rng: random.Random, rows: int, line_end: str = "\n") -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator=line_end)
    writer.writerow(COMMUNITY.split(","))
    for n in range(rows):
        if rng.random() < 0.01:
            out.write(line_end if rng.random() < 0.5 else " ,\t," + line_end)  # blank rows are no record
            continue
        row = [
            rng.choice([f"C{n}", f"C{n % 7}", "", "=cmd|' /C calc'!A0", f"\ufeffC{n}"]),
            rng.choice([f"社区{n}", "Tab\there", '引号"双"', "a,b", f"Ｎo{n}", "-负", "@at"]),
            rng.choice(DISTRICTS),
            rng.choice(["街道", "", "a;b"]),
            _cell(rng, False),
            _cell(rng, False),
            _cell(rng, True) if rng.random() > 0.05 else "0",
            _cell(rng, True),
        ]
        if rng.random() < 0.02:
            row = row[: rng.randrange(1, 8)]  # a short row: its last cells are empty
        writer.writerow(row)
    return out.getvalue()


def _both(report, listing: str = "all") -> tuple[bytes, bytes]:
    report.listing = listing
    render_csv.FAST = True
    try:
        fast = render_csv.render(report)
        render_csv.FAST = False
        slow = render_csv.render(report)
    finally:
        render_csv.FAST = True
    return fast, slow


def _fast_rows(report) -> int:
    """How many rows the fast path makes (NotFast if it gives up)."""
    lang = report.lang
    made = lambda r, ic: render_csv.text_cells(r, ic, lang)  # noqa: E731
    return sum(block.height for block in fastrows.blocks(report, layout(report), made))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_fast_rows_give_the_record_readers_csv(tmp_path: Path, lang: str, line_end: str, monkeypatch):
    monkeypatch.setattr(fastrows, "BLOCK_BYTES", 4096)  # many input blocks
    monkeypatch.setattr(fastrows, "SPOOL_BYTES", 8192)  # results taken across many spool blocks
    path = tmp_path / "c.csv"
    path.write_text(_community(random.Random(f"{lang}{line_end!r}"), 1200, line_end), encoding="utf-8")
    columns = check_files([path], lang=lang, as_of=date(2025, 1, 1), engine="columns")  # type: ignore[arg-type]
    records = check_files([path], lang=lang, as_of=date(2025, 1, 1), engine="records")  # type: ignore[arg-type]
    assert columns.store.spooled
    assert _fast_rows(columns) == columns.summary()["records"]
    for listing in ("all", "problems", "none"):
        fast, slow = _both(columns, listing)
        records.listing = listing
        assert fast == slow == render_csv.render(records), listing
    out = tmp_path / "out.csv"
    columns.listing = records.listing = "all"
    render_csv.write_file(columns, out, csv_encoding="gb18030")
    assert out.read_bytes() == render_csv.render(records, csv_encoding="gb18030")


def test_two_inputs_with_their_own_headers(tmp_path: Path):
    rng = random.Random(2)
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    first.write_text(_community(rng, 300), encoding="utf-8")
    rows = list(csv.reader(io.StringIO(_community(rng, 300))))
    order = [1, 0, 2, 7, 6, 4, 5, 3]  # the same columns in another order: one layout, cells in place
    second.write_text("".join(",".join(_q(row[i]) for i in order if i < len(row)) + "\n" for row in rows))
    report = check_files([first, second], as_of=date(2025, 1, 1), engine="columns")
    assert report.store.spooled
    assert _fast_rows(report) == report.summary()["records"]
    fast, slow = _both(report)
    assert fast == slow


def _q(cell: str) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow([cell])
    return out.getvalue()


@pytest.mark.parametrize(
    "body",
    [
        "C1,x,洮北区,街道,是,是,500,600\n合计,,洮北区,,,,500,600\n",  # a total row: the record reader sets it aside
        'C1,"two\nlines",洮北区,街道,是,是,500,600\nC2,y,洮北区,街道,是,是,500,600\n',  # a cell spanning lines
        "C1,x,洮北区,街道,是,是,500,600,extra\nC2,y,洮北区,街道,是,是,500,600\n",  # a row longer than its header
    ],
)
def test_what_the_fast_path_leaves_to_the_record_reader_gives_the_same_csv(tmp_path: Path, body: str):
    path = tmp_path / "c.csv"
    path.write_text(f"{COMMUNITY}\n{body}" + "".join(f"D{n},n,洮南市,街道,否,是,{n + 1},{n}\n" for n in range(50)))
    report = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    if report.store.spooled:
        with pytest.raises(fastrows.NotFast):
            _fast_rows(report)
    fast, slow = _both(report)
    assert fast == slow == render_csv.render(records)


def test_a_file_changed_after_the_check_is_still_refused(tmp_path: Path):
    path = tmp_path / "c.csv"
    path.write_text(_community(random.Random(5), 200), encoding="utf-8")
    report = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    path.write_text(_community(random.Random(6), 200), encoding="utf-8")
    with pytest.raises(UsageError, match="the file changed"):
        render_csv.render(report)


def test_plain_json_numbers_are_shown_as_display_shows_them():
    rng = random.Random(7)
    values = [0.0, -0.0, 1.0, -1.5, 500.0, 29.9999, 1e-05, 123456789012345.0, 0.1 + 0.2, 2.5e-7, 1e15, 1e16]
    for _ in range(20000):
        values.append(round(rng.uniform(-1e6, 1e6), rng.randrange(0, 8)))
        values.append(rng.choice([1, -1]) * rng.randrange(0, 10 ** rng.randrange(1, 18)))
    texts = [json.dumps(v) for v in values]
    frame = pl.DataFrame({"t": texts})
    plain = frame.get_column("t").str.contains(fastrows._PLAIN_JSON)
    shown = frame.select(fastrows._number(pl.col("t"))).to_series()
    checked = 0
    for text, ok, made in zip(texts, plain, shown, strict=True):
        exact = _exact(json.loads(text))
        assert isinstance(exact, Fraction)
        if ok:
            checked += 1
            assert made == display(exact, 6, Fraction(30)), text
            assert made == display(exact, 6, Fraction(0)), text
    assert checked > 20000


def test_final_cells_are_quoted_as_the_csv_module_quotes_them():
    rng = random.Random(8)
    alphabet = ['"', ",", "\r", "\n", " ", "a", "=", "-", "1", "社", "\t", "'", ";"]
    cells = ["".join(rng.choice(alphabet) for _ in range(rng.randrange(0, 6))) for _ in range(5000)]
    for cell in cells:
        out = io.StringIO()
        csv.writer(out, lineterminator="\r\n").writerow([neutralise(cell), "x"])
        assert fastrows.csv_cell(cell) + ",x\r\n" == out.getvalue(), repr(cell)


@pytest.mark.parametrize("listing", ["all", "problems", "none"])
def test_summary_formats_of_a_large_run_are_those_of_the_record_engine(tmp_path: Path, listing: str, monkeypatch):
    from lifeservices_cli.render import html, markdown, table
    from lifeservices_cli.render.common import View
    from lifeservices_cli.report import store

    monkeypatch.setattr(store, "SCAN_BYTES", 16384)  # ranked across many blocks
    path = tmp_path / "c.csv"
    path.write_text(_community(random.Random(f"summary-{listing}"), 3000), encoding="utf-8")
    columns = check_files([path], as_of=date(2025, 1, 1), engine="columns")
    records = check_files([path], as_of=date(2025, 1, 1), engine="records")
    assert columns.store.spooled and not records.store.spooled
    columns.listing = records.listing = listing  # type: ignore[assignment]
    for view in View:
        assert markdown.render(columns, by=view) == markdown.render(records, by=view), view
        assert html.render(columns, by=view) == html.render(records, by=view), view
        assert table.render(columns, by=view) == table.render(records, by=view), view
