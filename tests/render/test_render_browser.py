"""The HTML report in a real headless browser (Debian's chromium and chromedriver, driven by
selenium): it renders, the table filter works, hostile data stays text, and the console has
no errors (a blocked inline script or a network request would log one).

No skipping: without the browser this test fails. ``make test`` installs it (``make browser``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format, Options, View

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,1000",
)


@pytest.fixture(scope="module")
def browser(tmp_path_factory) -> Iterator[webdriver.Chrome]:
    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and driver):
        pytest.fail(
            "chromium and chromedriver are needed: run `make browser` (apt-get install chromium chromium-driver)"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    chrome = webdriver.Chrome(service=Service(executable_path=driver), options=options)
    try:
        yield chrome
    finally:
        chrome.quit()


def open_page(browser: webdriver.Chrome, path: Path) -> list[dict]:
    browser.get_log("browser")  # forget earlier pages
    browser.get(path.as_uri())
    return browser.get_log("browser")


def visible_rows(browser: webdriver.Chrome) -> list:
    return [row for row in browser.find_elements(By.CSS_SELECTOR, "#results-table tbody tr") if row.is_displayed()]


def test_report_renders_without_console_errors(browser):
    logs = open_page(browser, GOLDEN / "report.html")
    assert [entry for entry in logs if entry["level"] in ("SEVERE", "WARNING")] == []
    assert browser.title == "生活性服务业指标检查报告"
    assert browser.find_element(By.CSS_SELECTOR, "#districts svg").is_displayed()
    assert len(browser.find_elements(By.CSS_SELECTOR, "#districts svg rect.fail")) >= 1
    assert browser.find_element(By.ID, "clause-new-community-facility-area").is_displayed()
    assert browser.execute_script("return performance.getEntriesByType('resource').length") == 0  # no network


def test_table_filter_works(browser):
    summary = json.loads((GOLDEN / "report.json").read_text(encoding="utf-8"))["summary"]  # the same run
    total, failed = summary["checks"], summary["fail"]
    open_page(browser, GOLDEN / "report.html")
    rows = visible_rows(browser)
    count = browser.find_element(By.ID, "filter-count")
    assert len(rows) == total and count.text == f"显示 {total} / {total} 条"
    box = browser.find_element(By.ID, "filter-text")
    box.send_keys("TB-003")
    assert len(visible_rows(browser)) == 2 and count.text == f"显示 2 / {total} 条"
    box.clear()
    box.send_keys(" ")  # an input event with an empty query: everything again
    assert len(visible_rows(browser)) == total
    Select(browser.find_element(By.ID, "filter-status")).select_by_value("fail")
    shown = visible_rows(browser)
    assert len(shown) == failed and {row.get_attribute("data-status") for row in shown} == {"fail"}
    Select(browser.find_element(By.ID, "filter-indicator")).select_by_value("new-compound-elderly-childcare")
    assert [row.text.split()[0] for row in visible_rows(browser)] == ["XQ-TB-02"]


def test_hostile_data_stays_text(browser, tmp_path):
    data = tmp_path / "hostile.csv"
    name = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"
    data.write_text(
        "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）\n"
        f'"=cmd|\' /C calc\'!A0","{name}","</td></tr></table>",是,是,1800,480\n',
        encoding="utf-8",
    )
    page = tmp_path / "hostile.html"
    page.write_text(Format.html.render(check_files([data], lang="en"), Options(by=View.department)), encoding="utf-8")
    logs = open_page(browser, page)
    assert [entry for entry in logs if entry["level"] == "SEVERE"] == []
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.find_elements(By.TAG_NAME, "img") == []
    first = visible_rows(browser)[0].find_elements(By.TAG_NAME, "td")
    assert first[0].text == f"=cmd|' /C calc'!A0 {name}"
    assert first[1].text == "</td></tr></table>"
