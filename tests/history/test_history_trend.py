"""``trend``: each district's rate per indicator over the stored periods, 环比 and 同比, the JSON
contract, every format, ``--public``; the HTML's line charts in a real headless Chromium
(Chinese labels drawn with a real font, no network, no console errors)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator

import pytest
from history_helpers import ROOT, as_json, save_all, save_period

from lifeservices_cli.history.trend import order_periods, parse_period, year_before

PER100 = "facility-area-per-100-households"


@pytest.fixture
def store(cli, tmp_path) -> str:
    return save_all(cli, str(tmp_path / "h.sqlite"))


def test_series_contract(cli, store):
    doc = as_json(cli("trend", "--format", "json", "--history", store))
    assert doc["periods"] == ["2022", "2023", "2024"]
    series = {(s["indicator"], s["group"]): s for s in doc["series"]}
    ty = series[(PER100, "通榆县")]
    assert set(ty) >= {"indicator", "group", "points"}
    assert [(p["period"], p["value"], p["numerator"], p["denominator"]) for p in ty["points"]] == [
        ("2022", 100.0, 1, 1), ("2023", 0.0, 0, 1), ("2024", 100.0, 1, 1)]
    assert set(ty["points"][0]) >= {"period", "value", "numerator", "denominator", "status"}
    assert [p["change_previous"] for p in ty["points"]] == [None, -100.0, 100.0]
    assert [p["change_year"] for p in ty["points"]] == [None, -100.0, 100.0]  # yearly labels: 同比 = 环比
    rate = series[("new-compound-elderly-childcare-rate", "洮北区")]  # an aggregate indicator: its own status
    assert [p["status"] for p in rate["points"]] == ["fail", "fail", "pass"]
    assert [p["value"] for p in rate["points"]] == [50.0, pytest.approx(66.666667), 100.0]


def test_one_indicator_and_errors(cli, store, tmp_path):
    doc = as_json(cli("trend", "--indicator", PER100, "--format", "json", "--history", store))
    assert {s["indicator"] for s in doc["series"]} == {PER100}
    unknown = cli("trend", "--indicator", "nope", "--history", store)
    assert unknown.exit_code == 2 and "unknown indicator 'nope'" in unknown.stderr
    assert cli("trend", "--by", "street", "--history", store).exit_code == 2
    empty = str(tmp_path / "empty.sqlite")
    result = cli("trend", "--history", empty)
    assert result.exit_code == 2 and "no such file" in result.stderr


def test_the_latest_run_of_a_period_counts(cli, tmp_path):
    store = str(tmp_path / "h.sqlite")
    save_period(cli, store, "2022")
    save_period(cli, store, "2023", label="2022")  # the 2022 figures corrected: saved again under 2022
    doc = as_json(cli("trend", "--indicator", PER100, "--format", "json", "--history", store))
    assert doc["periods"] == ["2022"]
    ty = next(s for s in doc["series"] if s["group"] == "通榆县")
    assert ty["points"][0]["value"] == 0.0  # the later run's


def test_quarters_and_year_on_year():
    assert parse_period("2023Q4") == ("quarter", 2023, "04")
    assert year_before("2023Q4") == "2022Q4" and year_before("2024-06") == "2023-06" and year_before("x") is None
    assert parse_period("2023-12-31") == ("day", 2023, "12-31")


def test_quarterly_labels(cli, tmp_path):
    store = str(tmp_path / "h.sqlite")
    for label, period in (("2023Q4", "2022"), ("2024Q1", "2023"), ("2024Q4", "2024")):
        save_period(cli, store, period, label=label)
    doc = as_json(cli("trend", "--indicator", PER100, "--format", "json", "--history", store))
    assert doc["periods"] == ["2023Q4", "2024Q1", "2024Q4"]
    ty = next(s for s in doc["series"] if s["group"] == "通榆县")
    assert [p["change_previous"] for p in ty["points"]] == [None, -100.0, 100.0]
    assert [p["change_year"] for p in ty["points"]] == [None, None, 0.0]  # 2024Q4 vs 2023Q4


def test_order_falls_back_to_as_of():
    class R:
        def __init__(self, period, as_of):
            self.period, self.as_of = period, as_of

    runs = [R("autumn", "2024-10-01"), R("spring", "2024-04-01")]
    assert [r.period for r in order_periods(runs)] == ["spring", "autumn"]  # type: ignore[arg-type]


def test_formats_and_public(cli, store, tmp_path):
    table = cli("trend", "--history", store)
    assert table.exit_code == 0 and "环比" in table.stdout and "同比" in table.stdout
    md = cli("trend", "--format", "markdown", "--public", "--history", store).stdout
    assert md.startswith("# 趋势: 2022 – 2024") and "二(二)4" in md and "市民政局" in md
    html = cli("trend", "--format", "html", "--history", store).stdout
    assert html.count("<svg") >= 5 and "<script" not in html
    doc = as_json(cli("trend", "--format", "json", "--public", "--history", store))
    assert doc["public"] is True
    text = json.dumps(doc, ensure_ascii=False)
    assert "TB-00" not in text  # no record below the district


def test_person_indicators_never_in_a_public_trend(cli, tmp_path):
    store = str(tmp_path / "h.sqlite")
    persons = str(ROOT / "examples/persons.csv")
    save_period(cli, store, "2022", persons)
    save_period(cli, store, "2023", persons)
    for fmt in ("table", "json", "markdown", "html"):
        out = cli("trend", "--format", fmt, "--public", "--history", store).stdout
        for secret in ("family-doctor-priority-group", "P-01", "王小明"):
            assert secret not in out


# --------------------------------------------------------------------------- in Chromium


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[object]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail("chromium and chromedriver are needed: run `make browser`")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run", "--window-size=1280,1000",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"):
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-trend')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()


# Draw a text in the legend's font on a canvas and compare it with the "missing glyph" box (a
# private-use character no font has): the same pixels mean the Chinese text would show as boxes.
_GLYPHS = """
const text = document.querySelector('svg text.legend');
const font = getComputedStyle(text).fontFamily;
function draw(s) {
  const c = document.createElement('canvas'); c.width = 80; c.height = 40;
  const g = c.getContext('2d'); g.font = '24px ' + font; g.fillText(s, 4, 30);
  return Array.from(g.getImageData(0, 0, 80, 40).data).join(',');
}
return {font: font, text: text.textContent, real: draw(arguments[0]) !== draw('\\uE000'),
        width: text.getBBox().width};
"""


def test_trend_charts_in_chromium(cli, browser, store, tmp_path):
    from selenium.webdriver.common.by import By

    page = tmp_path / "trend.html"
    result = cli("trend", "--format", "html", "--public", "--output", str(page), "--history", store)
    assert result.exit_code == 0, result.output
    browser.get_log("browser")
    browser.get(page.as_uri())
    logs = browser.get_log("browser")
    assert [entry for entry in logs if entry["level"] in ("SEVERE", "WARNING")] == []
    assert browser.title == "趋势: 2022 – 2024"
    charts = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert len(charts) >= 5 and all(c.is_displayed() for c in charts)
    lines = browser.find_elements(By.CSS_SELECTOR, "figure.chart svg polyline")
    assert lines and all(float(line.get_attribute("points").split()[0].split(",")[0]) > 0 for line in lines)
    for name in ("洮北区", "通榆县"):
        glyphs = browser.execute_script(_GLYPHS, name)
        assert glyphs["real"], f"Chinese labels are drawn as missing-glyph boxes in {glyphs['font']}"
        assert glyphs["width"] > 10
    labels = {t.text for t in browser.find_elements(By.CSS_SELECTOR, "svg text")}
    assert {"2022", "2023", "2024", "洮北区", "100%"} <= labels
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0  # offline
    browser.save_screenshot(str(tmp_path / "trend.png"))
