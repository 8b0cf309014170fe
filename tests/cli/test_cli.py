"""The command line over the bundled examples: statuses, JSON contract, exit codes, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lifeservices_cli._version import __version__

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
ALL = [str(EXAMPLES / n) for n in ("communities.csv", "communities-gbk.csv", "compounds.yaml", "facilities.csv")]


@pytest.fixture
def cli(cli):
    return cli.using(width=200)


def run_json(cli, *args: str) -> dict:
    result = cli("check", *args, "--format", "json", "--fail-on", "never")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"lifeservices {__version__}"


@pytest.mark.parametrize("args", [["-h"], ["--help"], ["check", "-h"], ["check", "--help"]])
def test_help_on_every_command(cli, args):
    result = cli(*args)
    assert result.exit_code == 0
    assert "Usage" in result.stdout


def test_json_report_contract(cli):
    report = run_json(cli, *ALL)
    assert report["schema_version"] == 2
    assert report["tool"] == {"name": "lifeservices-cli", "version": __version__}
    assert report["packs"][0]["id"] == "baicheng-2022-323"
    assert report["packs"][0]["document"] == "白发改社联字〔2022〕323号"
    assert [(i["entity"], i["encoding"], i["records"]) for i in report["inputs"]] == [
        ("community", "utf-8-sig", 12),
        ("community", "gb18030", 4),
        ("compound", "utf-8", 8),
        ("facility", "utf-8", 8),
    ]
    assert set(report["summary"]) >= {
        "records",
        "checks",
        "pass",
        "fail",
        "not_applicable",
        "missing_data",
        "invalid_data",
        "eligible",
        "not_eligible",
    }
    assert report["summary"]["records"] == 32
    assert report["summary"]["checks"] == len(report["results"]) == 12 * 2 + 4 * 2 + 8 + 8
    result_keys = {
        "source",
        "line",
        "record_id",
        "record_name",
        "district",
        "indicator",
        "status",
        "value",
        "threshold",
        "gap",
        "shortfall",
        "message",
    }
    assert all(set(r) - {"check"} == result_keys for r in report["results"])  # schema 2: only its own
    agg_keys = {"indicator", "group", "status", "value", "numerator", "denominator", "threshold"}
    assert all(set(a) >= agg_keys for a in report["aggregates"])


def _result(report: dict, indicator: str, record_id: str) -> dict:
    (found,) = [r for r in report["results"] if r["indicator"] == indicator and r["record_id"] == record_id]
    return found


def test_example_statuses_and_lines(cli):
    report = run_json(cli, *ALL)
    r = _result(report, "facility-area-per-100-households", "TB-004")
    clause = {i["id"]: i["clause"]["ref"] for i in report["indicators"]}[r["indicator"]]
    assert (r["status"], r["value"], r["line"], clause) == ("pass", 30, 5, "二(二)4")  # 33.3 m² / 111 户
    r = _result(report, "new-community-facility-area", "TB-003")
    checks = {i["id"]: i["checks"] for i in report["indicators"]}
    comparator = checks[r["indicator"]][r.get("check", 0)]["comparator"]
    assert (r["status"], r["value"], r["threshold"], comparator, r["gap"], r["shortfall"]) == (
        "fail",
        480,
        500,
        ">=",
        -20,
        20,
    )
    r = _result(report, "new-community-facility-area", "TB-101")  # GB18030 file, full-width digits
    assert (r["status"], r["value"], r["source"].endswith("communities-gbk.csv")) == ("pass", 560, True)
    r = _result(report, "fire-acceptance-simplified", "SS-03")  # 30万元 exactly: 以下 includes it
    assert (r["status"], r["value"], checks[r["indicator"]][r["check"]]["unit"]) == ("eligible", 300000, "元")
    r = _result(report, "new-compound-elderly-childcare", "XQ-TB-02")
    assert (r["status"], r["line"]) == ("fail", 11)
    r = _result(report, "new-compound-elderly-childcare", "XQ-DA-01")  # no 托育 answer, a kindergarten: 托幼 met
    assert r["status"] == "pass"
    rates = {a["group"]: a["status"] for a in report["aggregates"]}
    assert rates == {"洮北区": "fail", "洮南市": "pass", "大安市": "pass", "镇赉县": "not_applicable"}


@pytest.mark.parametrize(("fail_on", "code"), [("any", 1), ("fail", 1), ("never", 0)])
def test_exit_code_follows_fail_on(cli, fail_on, code):
    assert cli("check", *ALL, "--fail-on", fail_on).exit_code == code


def test_exit_zero_when_all_pass(cli, tmp_path):
    data = tmp_path / "ok.csv"
    data.write_text(
        "项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）\nF1,站,洮北区,200,10\n", encoding="utf-8"
    )
    result = cli("check", str(data))
    assert result.exit_code == 0
    assert "符合条件" in result.stdout


def test_table_shows_statuses_aggregates_and_summary(cli):
    result = cli("check", *ALL, "--lang", "en")
    assert result.exit_code == 1
    out = result.stdout
    for text in (
        "二(二)4 New community service facilities of at least 500 m²  [new-community-facility-area]  >= 500 m²",
        "三(三) Small community service facilities qualify",
        "[new-compound-elderly-childcare-rate]",
        "│ 洮北区",
        "Summary: 32 records, 48 checks",
        "fail 6",
        "missing data 5",
        "invalid data 3",
        "TB-003 海明社区  communities.csv:4",
        "no 'is urban' column; every record is taken as yes",
    ):
        assert text in out, text


def test_lang_switches_titles_and_messages_but_not_keys(cli):
    zh = run_json(cli, *ALL, "--lang", "zh")
    en = run_json(cli, *ALL, "--lang", "en")
    assert zh["results"][0].keys() == en["results"][0].keys()
    assert "新建社区" in zh["results"][0]["message"]
    assert "new community" in en["results"][0]["message"]


def test_output_file_is_written(cli, tmp_path):
    out = tmp_path / "report.json"
    result = cli("check", ALL[3], "--format", "json", "--output", str(out))
    assert result.exit_code == 1
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["summary"]["records"] == 8
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]  # no temporary file left


def test_same_input_same_bytes(cli):
    assert cli("check", *ALL, "-f", "json").stdout == cli("check", *ALL, "-f", "json").stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["check", "nope.csv"], "nope.csv: no such file"),
        (["check", str(EXAMPLES)], "is a folder"),
        (["check", ALL[0], "--entity", "planet"], "unknown entity 'planet'"),
        (["check", ALL[0], "--format", "pdf"], "unknown format 'pdf'"),
        (["check", ALL[0], "--indicators", "missing-pack.yaml"], "missing-pack.yaml: no such pack file"),
        (["check", ALL[0], "--encoding", "klingon"], "unknown encoding 'klingon'"),
    ],
)
def test_bad_usage_exits_2_with_one_line(cli, args, needle):
    result = cli(*args)
    assert result.exit_code == 2
    assert needle in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_columns_fitting_no_entity(cli, tmp_path):
    data = tmp_path / "odd.csv"
    data.write_text("甲,乙\n1,2\n", encoding="utf-8")
    result = cli("check", str(data))
    assert result.exit_code == 2
    assert "no header row found: the columns fit no entity in the first 2 rows" in result.stderr
    assert "(first rows — 1: 甲 | 乙; 2: 1 | 2); use --header-rows or --entity" in result.stderr
    assert "community: 社区编码" in result.stderr


def test_bad_pack_names_file_line_and_key(cli, tmp_path):
    pack = tmp_path / "pack.yaml"
    pack.write_text("id: x\ntitle: {zh: 甲, en: a}\ndocument: d\nbogus: 1\n", encoding="utf-8")
    result = cli("check", ALL[0], "--indicators", str(pack))
    assert result.exit_code == 2
    assert f"{pack}:4: bogus: unknown key 'bogus'" in result.stderr


def test_output_into_missing_folder(cli, tmp_path):
    result = cli("check", ALL[3], "-f", "json", "-o", str(tmp_path / "no" / "r.json"))
    assert result.exit_code == 2
    assert "the folder for the output does not exist" in result.stderr


def test_python_dash_m_and_console_script():
    proc = subprocess.run([sys.executable, "-m", "lifeservices_cli", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert proc.stdout.strip() == f"lifeservices {__version__}"


def test_as_of_picks_the_rules_in_force_and_the_report_states_it(cli):
    before = run_json(cli, str(EXAMPLES / "persons.csv"), "--as-of", "2022-11-21")
    assert before["as_of"] == "2022-11-21"
    assert before["results"] == [] and "family-doctor-priority-group" in before["not_in_force"]
    assert before["summary"]["records"] == 8  # every record read is still counted
    after = run_json(cli, str(EXAMPLES / "persons.csv"), "--as-of", "2024-06-30")
    assert after["not_in_force"] == [] and after["summary"]["checks"] == 24


def test_district_rows_are_judged_by_the_year_they_report_not_by_as_of(cli):
    for day in ("2022-11-21", "2024-06-30"):
        report = run_json(cli, str(EXAMPLES / "districts.csv"), "--as-of", day)
        assert "first-loan-smes-above-2021" not in report["not_in_force"]
        health = [r for r in report["results"] if r["indicator"] == "basic-public-health-categories"]
        assert [r["status"] for r in health][:2] == ["not_applicable", "pass"]  # 洮北区 2021, then 2022


def test_as_of_decides_the_graduate_subsidy(cli):
    def status(day: str) -> str:
        report = run_json(cli, str(EXAMPLES / "persons.csv"), "--as-of", day)
        return _result(report, "graduate-small-firm-social-insurance-subsidy", "P-04")["status"]

    assert (status("2024-06-30"), status("2024-07-01")) == ("eligible", "not_eligible")  # left school 2022-06-30


def test_set_only_and_skip(cli):
    report = run_json(cli,
        ALL[0], "--set", "new-community-facility-area.threshold=520", "--only", "new-community-facility-area"
    )
    assert {r["indicator"] for r in report["results"]} == {"new-community-facility-area"}
    assert report["settings"] == [{"target": "new-community-facility-area.threshold", "value": "520", "was": "500"}]
    assert _result(report, "new-community-facility-area", "TB-002")["status"] == "fail"  # 500 < 520
    skipped = run_json(cli, ALL[0], "--skip", "new-community-facility-area")
    assert {r["indicator"] for r in skipped["results"]} == {"facility-area-per-100-households"}
    table = cli("check", ALL[0], "--set", "new-community-facility-area.threshold=520", "--lang", "en")
    assert "changed for this run with --set: new-community-facility-area.threshold = 520 (was 500)" in table.stdout


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--as-of", "2024-02-30"], "--as-of '2024-02-30' is not a date"),
        (["--only", "nope"], "unknown indicator 'nope'"),
        (["--set", "nope.threshold=1"], "unknown indicator 'nope'"),
        (["--set", "new-community-facility-area.threshold=abc"], "'abc' is not a number in m²"),
    ],
)
def test_bad_adaptation_options_exit_2(cli, args, needle):
    result = cli("check", ALL[0], *args)
    assert result.exit_code == 2
    assert needle in result.stderr
