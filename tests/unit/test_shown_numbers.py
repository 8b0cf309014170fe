"""Shown numbers never contradict the status: a value just below its threshold is not rounded onto
it, a gap or a shortfall just off 0 is not shown as 0 — in every format, on both engines."""

from __future__ import annotations

import io
import json
from fractions import Fraction as F
from pathlib import Path

import openpyxl
import pytest
from tests.helpers import COMMUNITY_HEADER, write

from lifeservices_cli.engine.aggregate import Aggregator
from lifeservices_cli.engine.records import Engine
from lifeservices_cli.packs.loader import load_packs
from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format, Options
from lifeservices_cli.render.json import render as json_render
from lifeservices_cli.semantics.numbers import display, places_for, to_json

PER_100 = "facility-area-per-100-households"


@pytest.mark.parametrize(
    ("value", "against", "shown"),
    [
        (F("29.9999"), F(30), "29.9999"),  # fails 不低于 30: not "30"
        (F("30.0001"), F(30), "30.0001"),  # passes 不高于 30? no: it is above, and says so
        (F("29.995"), F(30), "29.995"),  # half away from zero would give 30.00
        (F("29.994"), F(30), "29.99"),  # already on its side at 2 places
        (F(30), F(30), "30"),
        (F("27.027"), F(30), "27.03"),  # far from it: the short form
        (F(-1, 10000), F(0), "-0.0001"),  # a gap
        (F(1, 10**9), F(0), "0.000000001"),
        (F(299999, 3), F(100000), "99999.67"),
        (F(1, 3), None, "0.33"),  # nothing to compare with
    ],
)
def test_display_keeps_the_side_of_the_threshold(value, against, shown):
    assert display(value, against=against) == shown


def test_the_rounded_pair_compares_as_the_exact_pair():
    for value, against in [(F(2, 3), F("0.6667")), (F(200, 3), F("66.67")), (F(1, 7), F(1, 7) + F(1, 10**12))]:
        p = places_for(value, against)
        assert (F(display(value, against=against)) < F(display(against, against=value))) == (value < against)
        assert p >= 2


def test_json_numbers_keep_the_side_too():
    assert to_json(F("29.9999999"), F(30)) == 29.9999999
    assert to_json(F("29.9999999")) == 30.0  # without a comparison: 6 places, as before
    assert to_json(F(-1, 10**8), F(0)) == -1e-08
    assert to_json(F(1, 3), F(0)) == 0.333333


@pytest.fixture
def near(tmp_path: Path) -> Path:
    # 29.9999 m² for 100 households is 29.9999 m²/100户: a fail, 0.0001 m² short
    rows = ["SQ-1,边界社区,洮北区,否,是,100,29.9999", "SQ-2,远处社区,洮北区,否,是,100,27"]
    return write(tmp_path, "near.csv", "\n".join([COMMUNITY_HEADER, *rows]) + "\n")


@pytest.mark.parametrize("engine", ["records", "columns"])
def test_a_value_just_below_the_threshold_fails_and_says_so(near, engine):
    report = check_files([near], lang="zh", engine=engine)
    (result,) = [r for r in report.results if r.indicator == PER_100 and r.record_id == "SQ-1"]
    assert result.status == "fail"
    assert "= 29.9999 m²/100户（不低于 30 m²/100户）" in result.message
    assert "还需补足 0.0001 m²" in result.message
    data = json.loads(json_render(report))
    (entry,) = [r for r in data["results"] if r["indicator"] == PER_100 and r["record_id"] == "SQ-1"]
    assert (entry["value"], entry["gap"], entry["shortfall"]) == (29.9999, -0.0001, 0.0001)


def test_both_engines_give_the_same_bytes_near_the_threshold(near):
    by_records = json_render(check_files([near], lang="en", engine="records"))
    by_columns = json_render(check_files([near], lang="en", engine="columns"))
    assert by_records == by_columns


TEXT_FORMATS = [f for f in Format if not f.binary]


@pytest.mark.parametrize("fmt", TEXT_FORMATS, ids=lambda f: f.value)
def test_no_format_shows_the_failing_value_as_the_threshold(near, fmt, monkeypatch):
    monkeypatch.chdir(near.parent)  # the spreadsheet formats re-read their input by its relative path
    report = check_files([Path(near.name)], lang="zh")
    out = fmt.render(report, Options())
    text = out.decode("utf-8-sig") if isinstance(out, bytes) else out
    assert "29.9999" in text, fmt
    for contradiction in ("= 30 m²/100户", ",30,", "30 m²/100户</td>", "| 30 m²/100户"):
        assert contradiction not in text, (fmt, contradiction)
    if fmt.value in ("table", "json", "csv", "sarif", "html"):  # the formats that show the gap
        assert "-0.0001" in text, fmt


def test_the_spreadsheet_cells_keep_the_digits(near, monkeypatch):
    monkeypatch.chdir(near.parent)
    report = check_files([Path(near.name)], lang="zh")
    book = openpyxl.load_workbook(io.BytesIO(Format.xlsx.render(report, Options())), read_only=True)
    cells = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert 29.9999 in cells and -0.0001 in cells
    assert 30 not in [c for c in cells if isinstance(c, float)]


def test_a_rate_just_below_100_is_not_shown_as_100():
    packset = load_packs()
    aggregator = Aggregator(Engine(packset, lang="zh"))
    rate = "new-compound-elderly-childcare-rate"
    aggregator.count(rate, "洮北区", "pass", 19999)
    aggregator.count(rate, "洮北区", "fail", 1)
    (result,) = aggregator.results()
    assert result.status == "fail"
    assert "达标率 99.995%" in result.message  # 2 places, half away from zero, would say 100%
    assert to_json(result.value, result.threshold) == 99.995
