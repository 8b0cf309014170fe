"""Outputs stay whole and readable whatever the input: undecodable bytes in file names and
headers, huge cells, outputs that would overwrite an input or land where nothing can be written.

(Markup, CDATA ends, control characters, spreadsheet formulas and workflow commands in the data
are covered format by format in ``test_render_escaping.py``.)
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest

from lifeservices_cli.packs.loader import bundled_path
from lifeservices_cli.pipeline import COLUMNAR_MIN_BYTES

COMMUNITY = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
GBK_NAME = os.fsdecode(b"\xc9\xe7\xc7\xf8.csv")  # 社区.csv in GBK, as unzip leaves a Windows archive
FORMATS = ["json", "csv", "xlsx", "junit", "sarif", "html", "markdown", "github", "table"]


@pytest.fixture
def cli(cli):
    return cli.using(lang="en")


def _rows(count: int) -> str:
    return "".join(f"C{i:06d},社区{i},洮北区,是,是,{1000 + i % 900},{300 + i % 400}\n" for i in range(count))


def _all_reports(cli, source: Path, out: Path, *more: str) -> dict[str, Path]:
    """Check ``source`` writing every format to ``out``; each report file by format."""
    paths = {fmt: out / f"report.{fmt}" for fmt in FORMATS}
    args = ["check", source, *more, "-f", "json", "-o", paths["json"]]
    for fmt in FORMATS[1:]:
        args += ["--report", f"{fmt}={paths[fmt]}"]
    result = cli(*args)
    assert result.exit_code in (0, 1), result.stderr
    assert result.stderr == ""
    return paths


def _readable(paths: dict[str, Path]) -> dict:
    """Every report decodes as UTF-8 and parses; the JSON report is returned."""
    for fmt, path in paths.items():
        data = path.read_bytes()
        if fmt == "xlsx":
            openpyxl.load_workbook(io.BytesIO(data), read_only=True).close()
            continue
        text = data.decode("utf-8-sig")
        if fmt == "junit":
            ET.fromstring(text)
        elif fmt == "sarif":
            json.loads(text)
        elif fmt == "csv":
            list(csv.reader(io.StringIO(text)))
    return json.loads(paths["json"].read_text(encoding="utf-8"))


def test_undecodable_bytes_in_a_file_name_and_a_header_give_readable_reports(cli, tmp_path):
    source = tmp_path / GBK_NAME
    source.write_bytes(f"{COMMUNITY},备\xff注\n".encode().replace(b"\xc3\xbf", b"\xff") + _rows(3).encode())
    out = tmp_path / "out"
    out.mkdir()
    report = _readable(_all_reports(cli, source, out, "--encoding", "utf-8"))
    shown = str(tmp_path / "\ufffd\ufffd\ufffd\ufffd.csv")
    assert report["inputs"][0]["path"] == shown
    assert {r["source"] for r in report["results"]} == {shown}
    assert "备\ufffd注" in report["inputs"][0]["columns"]
    assert report["summary"]["records"] == 3


def test_undecodable_bytes_in_the_file_name_of_a_large_input(cli, tmp_path):
    source = tmp_path / GBK_NAME
    source.write_text(COMMUNITY + "\n" + _rows(90_000), encoding="utf-8")
    assert source.stat().st_size >= COLUMNAR_MIN_BYTES  # the columnar path, results spooled to disk
    out = tmp_path / "out"
    out.mkdir()
    paths = {"json": out / "r.json", "csv": out / "r.csv"}
    result = cli("check", source, "-f", "json", "-o", paths["json"], "--report", f"csv={paths['csv']}")
    assert result.exit_code == 1 and result.stderr == ""  # some communities fail
    report = _readable(paths)
    assert report["summary"]["records"] == 90_000
    rows = list(csv.reader(io.StringIO(paths["csv"].read_text(encoding="utf-8-sig"))))
    assert len(rows) == 90_001 and rows[1][-2] == str(tmp_path / "\ufffd\ufffd\ufffd\ufffd.csv")


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_the_json_and_csv_reports_on_standard_output_too(cli, tmp_path, fmt):
    source = tmp_path / GBK_NAME
    source.write_text(COMMUNITY + "\n" + _rows(2), encoding="utf-8")
    result = cli("check", source, "-f", fmt)
    assert result.exit_code == 1 and result.stderr == ""  # some communities fail
    assert "\ufffd" in result.stdout_bytes.decode("utf-8-sig")


@pytest.mark.parametrize("char", ["名", "a", "😀"])  # 😀 is two UTF-16 units, as Excel counts
def test_an_xlsx_cell_holds_at_most_what_excel_allows(char):
    from lifeservices_cli.render.xlsx import EXCEL_CELL, _fit

    for size in (100, EXCEL_CELL // 2, 40_000):
        text = char * size
        fitted = _fit(text)
        units = len(fitted.encode("utf-16-le")) // 2
        assert units <= EXCEL_CELL
        assert fitted == text if len(text.encode("utf-16-le")) // 2 <= EXCEL_CELL else fitted.endswith("…")


# --------------------------------------------------------------------------- where outputs go


def _input(tmp_path: Path) -> tuple[Path, bytes, int]:
    source = tmp_path / "data.csv"
    source.write_text(COMMUNITY + "\n" + _rows(3), encoding="utf-8")
    return source, source.read_bytes(), source.stat().st_mtime_ns


def _one_line_error(result) -> str:
    assert result.exit_code == 2, (result.exit_code, result.stderr)
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("lifeservices: error: ") and "Traceback" not in result.output
    return line.removeprefix("lifeservices: error: ")


def _unwritable_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    if not os.access(folder, os.W_OK):
        return folder
    folder.chmod(0o755)
    return Path("/proc")  # root writes anywhere a mode allows; nobody creates files in /proc


@pytest.mark.parametrize("where", ["missing", "under-a-file", "not-writable"])
@pytest.mark.parametrize("option", ["--output", "--report"])
def test_output_where_it_cannot_be_written_exits_2_naming_it_and_leaves_the_input(cli, tmp_path, where, option):
    source, data, mtime = _input(tmp_path)
    if where == "missing":
        folder = tmp_path / "no" / "such"
    elif where == "under-a-file":
        folder = source
    else:
        folder = _unwritable_folder(tmp_path)
    target = folder / "report.json"
    args = ["-f", "json", "-o", target] if option == "--output" else ["--report", f"json={target}"]
    message = _one_line_error(cli("check", source, *args))
    assert message.startswith(f"{target}: ")
    assert any(words in message for words in ("does not exist", "permission denied", "cannot write"))
    assert (source.read_bytes(), source.stat().st_mtime_ns) == (data, mtime)
    assert not target.exists()
    assert {p.name for p in tmp_path.iterdir()} <= {"data.csv", "locked"}
    if (tmp_path / "locked").exists():
        assert list((tmp_path / "locked").iterdir()) == []


@pytest.mark.parametrize("how", ["same", "relative", "symlink", "report"])
def test_a_report_that_would_overwrite_an_input_exits_2(cli, tmp_path, monkeypatch, how):
    source, data, mtime = _input(tmp_path)
    monkeypatch.chdir(tmp_path)
    link = tmp_path / "link.csv"
    link.symlink_to(source)
    target = {"same": source, "relative": Path("data.csv"), "symlink": link, "report": source}[how]
    args = ["--report", f"csv={target}"] if how == "report" else ["-f", "csv", "-o", target]
    message = _one_line_error(cli("check", source, *args))
    assert message == f"{target}: is one of the inputs; the report would overwrite it"
    assert (source.read_bytes(), source.stat().st_mtime_ns) == (data, mtime)


def test_a_report_that_would_overwrite_the_pack_exits_2(cli, tmp_path):
    source, _, _ = _input(tmp_path)
    pack = tmp_path / "pack.yaml"
    pack.write_bytes(bundled_path().read_bytes())
    message = _one_line_error(cli("check", source, "--indicators", pack, "--report", f"markdown={pack}"))
    assert message == f"{pack}: is one of the inputs; the report would overwrite it"
    assert pack.read_bytes() == bundled_path().read_bytes()


# --------------------------------------------------------------------------- numbers beyond a double

HUGE_PACK = """\
id: huge
title: {zh: 大数, en: huge}
document: 测试文件
entities:
  site:
    title: {zh: 场地, en: site}
    fields:
      id: {type: text, title: {zh: 编号, en: code}}
      area: {type: number, title: {zh: 面积, en: area}, unit: m²}
indicators:
  - id: huge
    title: {zh: 大数, en: huge}
    clause: {ref: 一, section: 一、总则, quote: 大数}
    departments: [市民政局]
    entity: site
    kind: standard
    metric: area * area * area * area / 3
    rule: 不低于 500
"""


def _strict_json(text: str):
    def refuse(constant: str):
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def test_values_beyond_a_double_stay_valid_json_and_xlsx(cli, tmp_path):
    # A pack's formula can make numbers no float holds (1e100**4 / 3): the JSON report said
    # "value": Infinity (not JSON) and the xlsx report held inf (a file Excel calls corrupt).
    pack = tmp_path / "huge.yaml"
    pack.write_text(HUGE_PACK, encoding="utf-8")
    source = tmp_path / "sites.csv"
    source.write_text("编号,面积\nS-1,1e100\nS-2,-1e100\nS-3,2\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    args = ["check", source, "-i", pack, "-f", "json", "-o", out / "r.json"]
    result = cli(*args, "--report", f"sarif={out / 'r.sarif'}", "--report", f"xlsx={out / 'r.xlsx'}")
    assert result.exit_code == 1 and result.stderr == ""  # S-3 fails
    report = _strict_json((out / "r.json").read_text(encoding="utf-8"))
    _strict_json((out / "r.sarif").read_text(encoding="utf-8"))
    first, second, third = (r["value"] for r in report["results"])
    assert first == 10**400 // 3 and second == 10**400 // 3  # rounded to an integer: exact to 6 places is moot
    assert third == 5.333333  # 16 / 3: the usual 6 places
    book = openpyxl.load_workbook(out / "r.xlsx", read_only=True)
    numbers = [c for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row]
    assert all(abs(c) < 1e308 for c in numbers if isinstance(c, float | int) and not isinstance(c, bool))
    assert any(isinstance(c, str) and c.startswith("3333333333") for c in numbers)
    book.close()


# --------------------------------------------------------------------------- control characters

CONTROLS = "\x00\x01\x08\x0b\x0c\x1b[2J\x7f\x85\x9f"


def test_nul_and_other_control_characters_keep_every_report_well_formed(cli, tmp_path):
    # test_render_escaping.py covers markup, CDATA ends, formulas and workflow commands format by
    # format; here NUL, DEL and C1 controls, which XML 1.0 cannot hold even escaped
    source = tmp_path / "controls.csv"
    name = f"名{CONTROLS}<script>]]>::error::x"
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        [COMMUNITY.split(","), [f"C{CONTROLS}", name, "洮北区", "是", "是", "1000", f"4{CONTROLS}"]]
    )
    source.write_text(buffer.getvalue(), encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    paths = _all_reports(cli, source, out)
    report = _readable(paths)
    assert report["results"][0]["record_name"] == name  # the JSON report keeps the text, escaped as JSON does
    # SARIF is JSON: json.loads (strict) in _readable refused raw controls below 0x20
    for fmt in ("junit", "html", "markdown", "github", "table"):
        text = paths[fmt].read_text(encoding="utf-8")
        assert not any(ch in text for ch in CONTROLS.replace("[2J", "")), fmt
        assert "\\x00" in text, fmt  # shown, not dropped
    with zipfile.ZipFile(paths["xlsx"]) as book:
        for member in book.namelist():
            assert not any(ch.encode() in book.read(member) for ch in "\x00\x01\x1b"), member
