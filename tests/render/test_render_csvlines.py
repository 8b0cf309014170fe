"""The CSV of a large run made while it is checked (``render.csvlines``) is byte for byte the CSV
the record reader's rows give, and where it cannot be made so, the CSV is made after the check."""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path

import pytest
from test_render_fastrows import COMMUNITY, _community, _q

from helpers import COMPOUND_HEADER
from lifeservices_cli import api
from lifeservices_cli.engine.columnar import reader
from lifeservices_cli.errors import UsageError
from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import csv as render_csv
from lifeservices_cli.render import fastrows, rows
from lifeservices_cli.render.csvlines import Lines

DAY = date(2025, 1, 1)


def _check(paths, **options):
    return check_files(paths, as_of=DAY, engine="columns", rows=Lines, **options)


def _records(paths, **options):
    return check_files(paths, as_of=DAY, engine="records", **options)


@pytest.fixture
def counted(monkeypatch):
    """The rows made in Python: their lines (the whole row) or None (only the record's cells)."""
    made = []
    real = Lines._python_line

    def python_line(self, cells, results, line):
        made.append(line)
        return real(self, cells, results, line)

    cells_only = Lines._python_cells

    def python_cells(self, cells):
        made.append(None)  # only the record's own cells
        return cells_only(self, cells)

    monkeypatch.setattr(Lines, "_python_line", python_line)
    monkeypatch.setattr(Lines, "_python_cells", python_cells)
    return made


def _only_prepared(monkeypatch):
    """The CSV may not be made after the check: the ordinary and the fast path refuse."""

    def refuse(*_args, **_kwargs):
        raise AssertionError("the rows made while checking should have been used")

    monkeypatch.setattr(fastrows, "blocks", refuse)
    monkeypatch.setattr(rows, "rows", refuse)


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("line_end", ["\n", "\r\n"])
def test_the_rows_made_while_checking_are_the_record_readers_csv(tmp_path, monkeypatch, counted, lang, line_end):
    monkeypatch.setattr(reader, "BLOCK_BYTES", 4096)  # many batches
    path = tmp_path / "c.csv"
    path.write_text(_community(random.Random(f"{lang}{line_end!r}"), 1500, line_end), encoding="utf-8")
    report = _check([path], lang=lang)
    expected = render_csv.render(_records([path], lang=lang))
    assert report.store.spooled and report.prepared["csv"].usable(report, "utf-8-sig")
    with monkeypatch.context() as m:
        _only_prepared(m)
        assert render_csv.render(report) == expected
        out = tmp_path / "out.csv"
        render_csv.write_file(report, out)
        assert out.read_bytes() == expected
        render_csv.write_file(report, out, csv_encoding="utf-8")
        assert out.read_bytes() == expected.removeprefix(b"\xef\xbb\xbf")
    assert len(counted) > 20  # formula-like cells, bad numbers and hard rows were made in Python
    assert len(counted) < 1200  # and hundreds by the expression (a fifth of these cells are odd on purpose)
    # gb18030: not the file's bytes; made after the check, the same text
    render_csv.write_file(report, out, csv_encoding="gb18030")
    assert out.read_bytes() == render_csv.render(_records([path], lang=lang), csv_encoding="gb18030")


def test_two_inputs_with_their_own_column_orders_and_two_entities(tmp_path, monkeypatch):
    rng = random.Random(7)
    first, second, compounds = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "compounds.csv"
    first.write_text(_community(rng, 400), encoding="utf-8")
    table = list(csv.reader(io.StringIO(_community(rng, 400))))
    order = [1, 0, 2, 7, 6, 4, 5, 3]  # the same columns in another order
    second.write_text("".join(",".join(_q(row[i]) for i in order if i < len(row)) + "\n" for row in table))
    compounds.write_text(
        COMPOUND_HEADER + "\n" + "".join(f"X{n},小区{n},洮北区,是,是,{'是' if n % 3 else '否'}\n" for n in range(200)),
        encoding="utf-8",
    )
    paths = [first, compounds, second]
    report = _check(paths)
    assert report.prepared["csv"].usable(report, "utf-8-sig")
    expected = render_csv.render(_records(paths))
    with monkeypatch.context() as m:
        _only_prepared(m)
        assert render_csv.render(report) == expected
    head = expected.decode("utf-8-sig").splitlines()[0]
    assert "是否新建" in head and len(head.split(",")) > 20  # both entities' indicators have columns


@pytest.mark.parametrize(
    "late",
    [
        'C9,"two\nlines",洮北区,街道,是,是,500,600\n',  # a cell spanning lines: the record reader takes the file
        "C9,x,洮北区,街道,是,是,500,600,extra\n",  # a row longer than its header
    ],
)
def test_a_file_the_columns_give_back_late_is_made_after_the_check(tmp_path, monkeypatch, late):
    monkeypatch.setattr(reader, "BLOCK_BYTES", 2048)  # the odd row comes batches after the first
    path = tmp_path / "c.csv"
    body = "".join(f"D{n},n{n},洮南市,街道,否,是,{n + 1},{n}\n" for n in range(300))
    path.write_text(f"{COMMUNITY}\n{body}{late}{body}", encoding="utf-8")
    rolled = []
    real = Lines.rollback
    monkeypatch.setattr(Lines, "rollback", lambda self, mark: (rolled.append(self.mark() - mark), real(self, mark)))
    report = _check([path])
    assert rolled and rolled[0] > 0  # rows had been written, then were taken back
    assert not report.prepared["csv"].usable(report, "utf-8-sig")
    assert render_csv.render(report) == render_csv.render(_records([path]))


def test_results_problems_and_none_are_made_after_the_check(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(_community(random.Random(3), 600), encoding="utf-8")
    report, records = _check([path]), _records([path])
    for listing in ("problems", "none"):
        report.listing = records.listing = listing
        assert not report.prepared["csv"].usable(report, "utf-8-sig")
        assert render_csv.render(report) == render_csv.render(records), listing


def test_the_api_prepares_only_the_csv(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(_community(random.Random(4), 50), encoding="utf-8")
    report = api.check_files(path, prepare=["csv"], as_of=DAY)
    assert "csv" not in report.prepared  # a small file, read record by record: nothing made, polars not needed
    report = check_files([path], as_of=DAY, engine="columns", rows=api._csv_lines)
    assert isinstance(report.prepared["csv"], Lines)
    with pytest.raises(UsageError, match="only the csv format"):
        api.check_files(path, prepare=["xlsx"])


def test_the_cli_writes_a_large_csv_from_the_rows_made_while_checking(cli, tmp_path: Path):
    from lifeservices_cli.pipeline import COLUMNAR_MIN_BYTES

    path = tmp_path / "big.csv"
    rng = random.Random(5)
    text = _community(rng, 1000)
    lines = text.splitlines(keepends=True)
    body = lines[1:]
    with path.open("w", encoding="utf-8") as fh:
        fh.write(lines[0])
        written = 0
        while written < COLUMNAR_MIN_BYTES + 100_000:  # large enough for the columns
            chunk = "".join(body)
            fh.write(chunk)
            written += len(chunk.encode())
    out = tmp_path / "out.csv"
    result = cli("check", str(path), "--as-of", "2025-01-01", "-f", "csv", "-o", str(out), "--fail-on", "never")
    assert result.exit_code == 0, result.output
    assert out.read_bytes() == render_csv.render(check_files([path], as_of=DAY, engine="columns"))  # made after


@pytest.mark.parametrize(
    "odd",
    [
        'C1,"b"c"d",洮北区,街道,是,是,500,600',  # polars reads bcd, Python's csv module bc"d"
        'C1,x,洮北区,街道,是,是,"1,097",600',  # a number with a thousands separator, quoted
        'C1,"=cmd|\' /C calc\'!A0",洮北区,街道,是,是,500,600',  # quoted and formula-like
        'C1,"say ""hi""",洮北区,街道,是,是,500,"12345678901.234567"',  # a number the record engine makes
    ],
)
def test_lines_with_quotes_and_hard_rows_are_the_record_readers(tmp_path, monkeypatch, counted, odd):
    monkeypatch.setattr(reader, "BLOCK_BYTES", 2048)
    path = tmp_path / "c.csv"
    body = "".join(f"D{n},n{n},洮南市,街道,否,是,{n + 1},{n}\n" for n in range(200))
    path.write_text(f"{COMMUNITY}\n{body}{odd}\n{body}", encoding="utf-8")
    report = _check([path])
    assert report.prepared["csv"].usable(report, "utf-8-sig")
    expected = render_csv.render(check_files([path], as_of=DAY, engine="columns"))  # the spool's CSV, made after
    assert render_csv.render(report) == expected
    assert expected == render_csv.render(_records([path])) or "12345678901" in odd  # a large run shows JSON's digits
    assert counted == ([202] if "12345678901" in odd else [None])  # the odd line, and only it, in Python


def test_a_source_name_with_a_line_break_is_quoted_in_python_rows(tmp_path, monkeypatch):
    folder = tmp_path / "a\nb"
    folder.mkdir()
    path = folder / "c.csv"
    body = "".join(f"D{n},n{n},洮南市,街道,否,是,{n + 1},{n}\n" for n in range(50))
    path.write_text(f"{COMMUNITY}\n{body}C1,=1,洮北区,街道,是,是,500,600\n", encoding="utf-8")
    report = _check([path])
    assert render_csv.render(report) == render_csv.render(_records([path]))


def test_the_rows_are_copied_the_same_without_sendfile(tmp_path, monkeypatch):
    import os

    path = tmp_path / "c.csv"
    path.write_text(_community(random.Random(9), 300), encoding="utf-8")
    report = _check([path])
    out, plain = tmp_path / "out.csv", tmp_path / "plain.csv"
    render_csv.write_file(report, out)

    def refuse(*_args):
        raise OSError("sendfile is not supported here")

    monkeypatch.setattr(os, "sendfile", refuse)
    render_csv.write_file(report, plain)
    assert plain.read_bytes() == out.read_bytes() == render_csv.render(_records([path]))
