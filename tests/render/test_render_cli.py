"""The report options of ``check``: --format auto, --report FORMAT=PATH, --by, --csv-encoding,
atomic files, and one-line errors with exit 2 for bad options."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from junitparser import JUnitXml

from lifeservices_cli import files, outputs
from lifeservices_cli.errors import UsageError
from lifeservices_cli.render import Format

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    "examples/communities.csv",
    "examples/communities-gbk.csv",
    "examples/compounds.yaml",
    "examples/facilities.csv",
]


@pytest.fixture(autouse=True)
def _at_root(monkeypatch):
    monkeypatch.chdir(ROOT)


def run(cli, *args: str, github: bool = False):
    return cli("check", *args, env={"GITHUB_ACTIONS": "true" if github else ""})


def test_auto_is_table_off_github_and_github_on_it(cli):
    plain = run(cli, *EXAMPLES)
    assert plain.exit_code == 1 and "┃ 记录" in plain.stdout and "\x1b[" not in plain.stdout
    on_github = run(cli, *EXAMPLES, github=True)
    assert on_github.exit_code == 1
    assert on_github.stdout.startswith("::error file=examples/compounds.yaml,title=洮北区")  # a district first
    assert run(cli, *EXAMPLES, "-f", "table", github=True).stdout == plain.stdout  # an explicit format wins


def test_several_reports_in_one_run(cli, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    args = [f"{f}={out / f'r.{Format(f).extension}'}" for f in ("junit", "sarif", "html", "csv", "xlsx", "markdown")]
    result = run(cli, *EXAMPLES, "-f", "json", *(x for a in args for x in ("--report", a)))
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert sorted(p.name for p in out.iterdir()) == ["r.csv", "r.html", "r.md", "r.sarif", "r.xlsx", "r.xml"]
    suites = JUnitXml.fromfile(str(out / "r.xml"))
    summary, agg = report["summary"], report["summary"]["aggregates"]
    assert suites.tests == summary["checks"] + agg["checks"]
    assert suites.failures == summary["fail"] + agg["fail"]
    assert (
        suites.errors == summary["invalid_data"] + summary["missing_data"] + agg["invalid_data"] + agg["missing_data"]
    )
    assert suites.skipped == summary["not_applicable"] + agg["not_applicable"]
    root = ET.parse(out / "r.xml").getroot()
    names = [s.get("name") for s in root.iter("testsuite")]
    assert "examples/communities.csv: new-community-facility-area" in names
    assert any(n.startswith("汇总指标：") for n in names)
    assert (out / "r.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_table_on_terminal_and_html_file(cli, tmp_path):
    page = tmp_path / "report.html"
    result = run(cli, *EXAMPLES, "--report", f"html={page}", "--by", "department")
    assert result.exit_code == 1 and "市民政局" in result.stdout
    assert page.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_csv_encoding_gb18030(cli, tmp_path):
    path = tmp_path / "r.csv"
    assert run(cli, EXAMPLES[0], "-f", "csv", "-o", str(path), "--csv-encoding", "gb18030").exit_code == 1
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert data.decode("gb18030").startswith("社区编码,社区名称")


def test_xlsx_to_stdout_only_when_piped(cli):
    result = run(cli, EXAMPLES[3], "-f", "xlsx")
    assert result.exit_code == 1 and result.stdout_bytes.startswith(b"PK")  # the runner's stdout is no terminal


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--report", "html"], "bad --report 'html': use FORMAT=PATH"),
        (["--report", "=x.html"], "bad --report '=x.html': use FORMAT=PATH"),
        (["--report", "pdf=x.pdf"], "unknown format 'pdf'"),
        (["--report", "auto=x.txt"], "'auto' is for the terminal"),
        (["-f", "json,html"], "--format takes one format"),
        (["-f", "yaml"], "unknown format 'yaml'; use one of: auto, table, json"),
        (["--report", "html=no/such/folder/r.html"], "the folder for the output does not exist"),
        (["--report", "html=examples"], "is a folder"),
        (["--report", "html=a.html", "--report", "junit=a.html"], "two reports would write the same file"),
        (["--csv-encoding", "klingon"], "unknown --csv-encoding 'klingon'"),
        (["--by", "street"], "Invalid value for '--by'"),
    ],
)
def test_bad_report_options_exit_2_with_one_line(cli, args, needle, tmp_path, monkeypatch):
    if "a.html" in args[1]:
        monkeypatch.chdir(tmp_path)
    result = run(cli, str(ROOT / EXAMPLES[3]), *args)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr
    assert "Traceback" not in result.output + result.stderr
    assert not list(tmp_path.iterdir())


def test_unwritable_report_exits_2_and_writes_nothing(cli, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run(cli, EXAMPLES[3], "--report", f"html={tmp_path / 'ok.html'}", "--report", f"csv={blocker / 'r.csv'}")
    assert result.exit_code == 2 and "the folder for the output does not exist" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]
    failing = run(cli, EXAMPLES[3], "--report", "junit=/proc/lifeservices-report.xml")
    assert failing.exit_code == 2 and len(failing.stderr.strip().splitlines()) == 1
    assert "/proc/lifeservices-report.xml: cannot write" in failing.stderr


def test_failed_render_leaves_no_file(cli, tmp_path, monkeypatch):
    target = tmp_path / "r.sarif"

    def broken(report, **_):
        raise RuntimeError("boom")

    monkeypatch.setattr("lifeservices_cli.render.sarif.render", broken)
    result = run(cli, EXAMPLES[3], "--report", f"html={tmp_path / 'r.html'}", "--report", f"sarif={target}")
    assert result.exit_code == 3 and "internal error: RuntimeError: boom" in result.stderr
    assert list(tmp_path.iterdir()) == []  # nothing is written until every report is rendered


def test_interrupted_write_leaves_nothing(tmp_path, monkeypatch):
    target = tmp_path / "r.html"

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        files.write_atomic(target, "<html>")
    assert list(tmp_path.iterdir()) == []
    monkeypatch.undo()
    target.write_text("old")
    files.write_atomic(target, b"new")
    assert target.read_bytes() == b"new" and sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]


def test_plan_resolves_auto():
    assert outputs.resolve_format("auto", {"GITHUB_ACTIONS": "true"}) is Format.github
    assert outputs.resolve_format("auto", {}) is Format.table
    assert outputs.resolve_format(" JSON ", {}) is Format.json
    with pytest.raises(UsageError, match="binary format"):
        outputs.plan("xlsx", None, [], {}, stdout_is_tty=True)
    targets = outputs.plan("auto", None, ["junit=out.xml"], {"GITHUB_ACTIONS": "true"}, stdout_is_tty=True)
    assert targets == [outputs.Target(Format.github), outputs.Target(Format.junit, Path("out.xml"))]


def test_help_lists_the_report_options(cli):
    result = cli.using(width=200)("check", "--help")
    for option in ("--report", "--by", "--csv-encoding", "--sheet", "FORMAT=PATH"):
        assert option in result.stdout
