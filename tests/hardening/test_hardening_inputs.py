"""Bad input through the command line: each case gives a clear message and a documented exit
code (0 nothing failed, 1 checks failed, 2 the run could not be done), never a traceback and
never exit 3 (internal error). Big inputs run as real processes with their peak memory measured
(``os.wait4``); the bounds are wide, and no test measures time.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest

COMMUNITY = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
PERSON = (
    "编号,姓名,县（市、区）,出生日期,慢性病患者,残疾人,脱贫人口,高校毕业生,离校日期,被小微企业招用,自主创业或灵活就业"
)
ROW = "TB-001,日升社区,洮北区,是,是,1000,600"
TIMEOUT = 120  # seconds; only to stop a hung process, never a measure of speed
MiB = 1 << 20


@pytest.fixture
def cli(cli):
    return cli.using(lang="en")


def report_of(cli, *args: str | Path) -> tuple[int, dict, str]:
    """Exit code, JSON report and standard error of ``check ARGS -f json``."""
    result = cli("check", *args, "-f", "json")
    assert result.exit_code in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    return result.exit_code, json.loads(result.stdout), result.stderr


def usage_error(cli, *args: str | Path) -> str:
    """The one line of a run that cannot be done (exit 2)."""
    result = cli(*args)
    assert result.exit_code == 2, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lifeservices: error: "), result.stderr
    return lines[0].removeprefix("lifeservices: error: ")


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def results(report: dict, line: int) -> dict[str, dict]:
    return {r["indicator"]: r for r in report["results"] if r["line"] == line}


# --------------------------------------------------------------------------- files that are not data


def test_an_empty_file_exits_2(cli, tmp_path):
    path = write(tmp_path, "empty.csv", b"")
    assert usage_error(cli, "check", path) == f"{path}: the file is empty: no header row"


def test_a_header_only_file_has_0_records_exits_0_and_says_so(cli, tmp_path):
    path = write(tmp_path, "head.csv", COMMUNITY + "\n")
    code, report, _ = report_of(cli, path)
    assert code == 0
    assert report["summary"]["records"] == 0 and report["results"] == []
    assert report["inputs"][0]["warnings"] == [f"{path}: the file has a header but no records"]
    table = cli("check", path)
    assert table.exit_code == 0 and f"! {path}: the file has a header but no records" in table.stdout


def test_a_folder_exits_2(cli, tmp_path):
    folder = tmp_path / "data.csv"
    folder.mkdir()
    assert usage_error(cli, "check", folder) == f"{folder}: is a folder, not a data file"


def test_an_unreadable_file_exits_2(cli, tmp_path, monkeypatch):
    path = write(tmp_path, "locked.csv", f"{COMMUNITY}\n{ROW}\n")
    path.chmod(0)
    if os.access(path, os.R_OK):  # root reads anything: make the read fail as it would for others
        real_open = Path.open

        def denied(self, *args, **kwargs):
            if self == path:
                raise PermissionError(13, "Permission denied", str(self))
            return real_open(self, *args, **kwargs)

        monkeypatch.setattr(Path, "open", denied)
    try:
        assert usage_error(cli, "check", path) == f"{path}: cannot read: Permission denied"
    finally:
        path.chmod(0o644)


# --------------------------------------------------------------------------- cells and rows


def test_a_nul_byte_stays_in_text_and_spoils_a_number(cli, tmp_path):
    path = write(tmp_path, "nul.csv", f"{COMMUNITY}\nTB-001,日\x00升,洮北区,是,是,10\x0000,600\n")
    code, report, _ = report_of(cli, path)
    assert code == 1
    got = results(report, 2)
    assert got["new-community-facility-area"]["record_name"] == "日\x00升"  # kept; JSON escapes it
    assert got["new-community-facility-area"]["status"] == "pass"  # needs no 户数
    per100 = got["facility-area-per-100-households"]
    assert per100["status"] == "invalid_data"
    assert per100["message"] == "invalid data: line 2, column '户数（户）': '10\x0000' is not a number"
    shown = cli("check", path)
    assert "\x00" not in shown.stdout and "\\x00" in shown.stdout  # the terminal shows it, inert


def test_a_line_with_more_cells_than_the_header_is_invalid_not_dropped(cli, tmp_path):
    path = write(tmp_path, "wide.csv", f"{COMMUNITY}\n{ROW},多余\n")
    code, report, _ = report_of(cli, path)
    assert code == 1 and report["summary"]["records"] == 1
    for result in results(report, 2).values():
        assert result["status"] == "invalid_data"
        assert result["message"] == "invalid data: line 2: 8 cells but the header has 7 columns"


def test_duplicate_header_columns_exit_2_naming_them(cli, tmp_path):
    path = write(tmp_path, "dup.csv", "社区编码,户数,名称,户数\nA,1,x,2\n")
    assert usage_error(cli, "check", path) == f"{path}:1: duplicate column '户数' (also '户数')"


def test_duplicate_record_ids_are_warned(cli, tmp_path):
    path = write(tmp_path, "ids.csv", f"{COMMUNITY}\n{ROW}\nTB-002,新华社区,洮北区,是,是,1000,600\n{ROW}\n")
    code, report, _ = report_of(cli, path)
    assert code == 0 and report["summary"]["records"] == 3
    assert report["inputs"][0]["warnings"] == [f"{path}: record id TB-001 appears more than once (lines 2, 4)"]


@pytest.mark.parametrize(
    ("cell", "status", "message"),
    [
        ("1e309", "invalid_data", "invalid data: line 2, column '综合服务设施面积（平方米）': '1e309' is out of range"),
        (
            "NaN",
            "invalid_data",
            "invalid data: line 2, column '综合服务设施面积（平方米）': 'NaN' is not a finite number",
        ),
        (
            "inf",
            "invalid_data",
            "invalid data: line 2, column '综合服务设施面积（平方米）': 'inf' is not a finite number",
        ),
        (
            "-inf",
            "invalid_data",
            "invalid data: line 2, column '综合服务设施面积（平方米）': '-inf' is not a finite number",
        ),
        ("-0", "fail", "service facility area = 0 m² (>= 500 m²); 500 m² still to be provided"),
        (
            "1e-309",
            "invalid_data",
            "invalid data: line 2, column '综合服务设施面积（平方米）': '1e-309' is out of range",
        ),
    ],
)
def test_numbers_at_the_edge_of_floating_point(cli, tmp_path, cell, status, message):
    path = write(tmp_path, "edge.csv", f"{COMMUNITY}\nTB-001,日升社区,洮北区,是,是,1000,{cell}\n")
    code, report, _ = report_of(cli, path)
    result = results(report, 2)["new-community-facility-area"]
    assert (code, result["status"], result["message"]) == (1, status, message)


def test_a_date_past_the_calendar_is_invalid_data_not_a_crash(cli, tmp_path):
    # on 9999-12-31, 离校日期 9999-06-30 + 2 years has no date: the subsidy checks say so for that person only
    rows = [
        "P-01,王,洮北区,1999-03-15,否,否,否,是,9999-06-30,是,是",
        "P-02,李,洮北区,1999-01-01,否,否,否,是,2023-06-30,是,否",
    ]
    path = write(tmp_path, "persons.csv", "\n".join([PERSON, *rows]) + "\n")
    code, report, _ = report_of(cli, path, "--as-of", "9999-12-31")
    assert code == 1
    far = results(report, 2)
    for indicator in ("graduate-small-firm-social-insurance-subsidy", "graduate-entrepreneur-social-insurance-subsidy"):
        assert far[indicator]["status"] == "invalid_data"
        assert "add_years(graduation_date" in far[indicator]["message"]
        assert "out of range" in far[indicator]["message"]
    assert results(report, 3)["graduate-small-firm-social-insurance-subsidy"]["status"] == "not_eligible"


# --------------------------------------------------------------------------- encodings


def test_invalid_bytes_in_a_gb18030_file_spoil_their_cell_and_name_the_line(cli, tmp_path):
    data = (
        f"{COMMUNITY}\n{ROW}\n".encode("gb18030") + "TB-002,新华社区,洮北区,是,是,".encode("gb18030") + b"1\xff00,600\n"
    )
    code, report, _ = report_of(cli, write(tmp_path, "gbk.csv", data))
    assert (code, report["inputs"][0]["encoding"]) == (1, "gb18030")
    per100 = results(report, 3)["facility-area-per-100-households"]
    assert per100["status"] == "invalid_data"
    assert per100["message"] == "invalid data: line 3, column '户数（户）': contains bytes that are not valid gb18030"
    assert results(report, 2)["facility-area-per-100-households"]["status"] == "pass"


@pytest.mark.parametrize("bad", [b"\xff", b"\xe6\x97", b"\xc0\x80"], ids=["ff", "truncated", "overlong"])
def test_a_utf8_file_with_a_few_invalid_bytes_stays_utf8_and_names_the_line(cli, tmp_path, bad):
    # Before: detection fell back to GB18030, garbling every Chinese header ("fit no entity").
    rows = [ROW, "TB-002,新华社区,洮北区,是,是,1000,600"]
    data = "\n".join([COMMUNITY, *rows]).encode() + b"\nTB-003,\xe6\xb5\xb7" + bad + b",\xe6\xb4\xae,1" + bad + b",,,\n"
    code, report, _ = report_of(cli, write(tmp_path, "u8.csv", data))
    assert (code, report["inputs"][0]["encoding"]) == (1, "utf-8")
    assert report["summary"]["records"] == 3
    assert [r["status"] for r in results(report, 2).values()] == ["pass", "pass"]
    third = results(report, 4)["new-community-facility-area"]
    assert third["status"] == "invalid_data"
    assert third["message"] == "invalid data: line 4, column '是否新建': contains bytes that are not valid utf-8"
    assert third["record_name"] is None  # the name is unreadable: invalid, never shown garbled


def test_gb18030_text_is_still_read_as_gb18030(cli, tmp_path):
    path = write(tmp_path, "gbk.csv", f"{COMMUNITY}\n{ROW}\n".encode("gb18030"))
    code, report, _ = report_of(cli, path)
    assert (code, report["inputs"][0]["encoding"], report["results"][0]["record_name"]) == (0, "gb18030", "日升社区")


# --------------------------------------------------------------------------- big inputs, as processes


#: Runs ``python -m lifeservices_cli ARGS`` and writes its peak resident memory (KiB) to a file.
#: A small process of its own, because a child's ru_maxrss also counts the memory of the process
#: it was forked from (the test runner, hundreds of MiB late in the suite).
_MEASURE = """\
import os, subprocess, sys
child = subprocess.Popen([sys.executable, "-m", "lifeservices_cli", *sys.argv[2:]])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as fh:
    fh.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_process(*args: str | Path, cwd: Path, stdout: Any = subprocess.DEVNULL) -> tuple[int, str, float]:
    """Exit code, standard error and peak memory (MiB) of ``python -m lifeservices_cli ARGS``."""
    env = {**os.environ, "LIFESERVICES_LANG": "en", "COLUMNS": "160", "GITHUB_ACTIONS": ""}
    with tempfile.TemporaryDirectory() as scratch:
        peak_file = Path(scratch) / "peak"
        proc = subprocess.Popen(
            [sys.executable, "-c", _MEASURE, str(peak_file), *map(str, args)],
            cwd=cwd,
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=env,
            start_new_session=True,  # so a timeout can stop both processes
        )
        assert proc.stderr is not None
        killer = threading.Timer(TIMEOUT, os.killpg, (proc.pid, signal.SIGKILL))
        killer.start()
        try:
            err = proc.stderr.read().decode("utf-8", "replace")
            code = proc.wait()
        finally:
            killer.cancel()
            proc.stderr.close()
        assert code not in (-9, 137), f"killed after {TIMEOUT} s: {args}"
        return code, err, int(peak_file.read_text()) / 1024  # KiB on Linux


BIG_CELL = 50 * MiB


@pytest.mark.parametrize("column", ["households", "name"])
def test_a_50_mb_cell_is_read_in_bounded_memory_and_every_report_finishes(tmp_path, column):
    big = "9" * BIG_CELL if column == "households" else "名" * (BIG_CELL // 3)
    cells = ["TB-001", "日升社区", "洮北区", "是", "是", "1000", "600"]
    cells[{"households": 5, "name": 1}[column]] = big
    path = write(tmp_path, "big-cell.csv", f"{COMMUNITY}\n{','.join(cells)}\n{ROW.replace('001', '002')}\n")
    out = tmp_path / "out"
    out.mkdir()
    reports = ["--report", f"table={out / 'r.txt'}", "--report", f"xlsx={out / 'r.xlsx'}"]
    code, err, peak = run_process("check", path, "-f", "json", "-o", out / "r.json", *reports, cwd=tmp_path)
    assert err == "" and code == (1 if column == "households" else 0)
    assert peak < 1536, f"peak memory {peak:.0f} MiB for a {BIG_CELL // MiB} MiB cell"
    report = json.loads((out / "r.json").read_text(encoding="utf-8"))
    assert report["summary"]["records"] == 2
    first = results(report, 2)
    if column == "households":
        per100 = first["facility-area-per-100-households"]
        assert per100["status"] == "invalid_data"
        assert per100["message"] == (
            f"invalid data: line 2, column '户数（户）': the cell is too long ({BIG_CELL} characters) to be a value"
        )
        assert first["new-community-facility-area"]["status"] == "pass"
    else:
        assert first["new-community-facility-area"]["record_name"] == big  # the JSON report keeps it whole
        assert [r["status"] for r in first.values()] == ["pass", "pass"]
    shown = (out / "r.txt").read_text(encoding="utf-8")
    assert len(shown) < 100_000  # the terminal gets a cut, not 50 MB
    with zipfile.ZipFile(out / "r.xlsx") as book:  # Excel's limit is 32,767 characters a cell
        sheet = book.read("xl/worksheets/sheet1.xml").decode("utf-8")  # the records
    assert len(sheet) < 200_000
    if column == "name":
        assert "名" * 32_766 + "…" in sheet and "名" * 32_767 not in sheet


def test_a_header_of_many_bracketed_groups_is_matched_in_linear_time(tmp_path):
    # Each trailing "(...)" may be a unit, so a header is tried without each in turn; 30,000 of
    # them made that quadratic (minutes per entity). Now the header is just an unknown column.
    odd = "备注" + "(1)" * 30_000
    path = write(tmp_path, "odd.csv", f"{COMMUNITY},{odd}\n{ROW},x\n")
    out = tmp_path / "r.json"
    code, err, _ = run_process("check", path, "-f", "json", "-o", out, cwd=tmp_path)  # killed after a generous timeout
    assert (code, err) == (0, "")
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["inputs"][0]["columns"][odd] is None
    assert report["summary"]["records"] == 1
