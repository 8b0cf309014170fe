"""Golden files: every format from the bundled examples and pack, byte for byte.

The check runs from the repository root with relative input paths, as a user would, so the
reports hold no machine path. After an intended change to a format (or to the pack, the
examples or the messages), regenerate them and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/render/test_render_golden.py   # or: make golden
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).resolve().parents[1] / "golden"
EXAMPLES = [
    "examples/communities.csv",
    "examples/communities-gbk.csv",
    "examples/compounds.yaml",
    "examples/facilities.csv",
    "examples/districts.csv",
    "examples/persons.csv",
    "examples/venues.csv",
]
AS_OF = "2024-06-30"  # a fixed day: the rules in force and the people's ages must not move with the calendar
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

CASES = {
    "table.txt": ["-f", "table"],
    "table-by-department.txt": ["-f", "table", "--by", "department"],
    "table-en-by-district.txt": ["-f", "table", "--by", "district", "--lang", "en"],
    "report.json": ["-f", "json"],
    "report.csv": ["-f", "csv"],
    "report-gb18030.csv": ["-f", "csv", "--csv-encoding", "gb18030"],
    "report-en.csv": ["-f", "csv", "--lang", "en"],
    "report.xlsx": ["-f", "xlsx", "--by", "department"],
    "junit.xml": ["-f", "junit"],
    "report.sarif": ["-f", "sarif"],
    "github.txt": ["-f", "github"],
    "report.md": ["-f", "markdown"],
    "report-by-department.md": ["-f", "markdown", "--by", "department"],
    "report-en.md": ["-f", "markdown", "--lang", "en"],
    "report.html": ["-f", "html"],
    "report-en-by-department.html": ["-f", "html", "--lang", "en", "--by", "department"],
}


def render(cli, name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> bytes:
    monkeypatch.chdir(ROOT)
    out = tmp_path / name
    args = ["check", *EXAMPLES, *CASES[name], "--as-of", AS_OF, "--fail-on", "never", "--output", str(out)]
    result = cli(*args)
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    return out.read_bytes()


@pytest.mark.parametrize("name", sorted(CASES))
def test_golden(cli, name, tmp_path, monkeypatch):
    data = render(cli, name, tmp_path, monkeypatch)
    golden = GOLDEN / name
    if UPDATE:
        golden.parent.mkdir(exist_ok=True)
        golden.write_bytes(data)
    assert golden.exists(), f"no golden file {golden.name}: run UPDATE_GOLDEN=1 pytest {Path(__file__).name}"
    assert data == golden.read_bytes(), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"


def test_no_stray_golden_files():
    assert sorted(p.name for p in GOLDEN.iterdir()) == sorted(CASES)


def test_table_on_stdout_matches_its_golden(cli, monkeypatch):
    monkeypatch.chdir(ROOT)
    result = cli("check", *EXAMPLES, "--as-of", AS_OF, "--fail-on", "never")
    assert result.exit_code == 0
    assert result.stdout.encode() == (GOLDEN / "table.txt").read_bytes()  # auto → table, no colour off a terminal
