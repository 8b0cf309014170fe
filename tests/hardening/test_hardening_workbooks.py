"""Workbook inputs built to hurt: zip bombs, XML entity bombs and external entities, a sheet
whose cells span the whole grid, a million empty styled rows, damaged or disguised files,
password-protected and macro-enabled workbooks. Each is a clear line and exit 2, or a correct
read, in bounded memory (a real process, its peak measured with ``os.wait4``).

calamine reads a whole sheet into memory and its Rust code aborts the process on a sheet that
spans A1:XFD1048576, so these are refused before it sees them (``sources.workbook._guard`` and
``MAX_CELLS``). No test measures time; the timeouts only stop a hung process.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from test_hardening_inputs import run_process

from lifeservices_cli.sources.workbook import MAX_CELLS, MAX_UNZIPPED_BYTES
from tables import convert

HERE = Path(__file__).resolve().parent
MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PARTS = {
    "[Content_Types].xml": '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/'
    'package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/'
    'worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
    'spreadsheetml.sharedStrings+xml"/></Types>',
    "_rels/.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
    'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/>'
    "</sheets></workbook>",
    "xl/_rels/workbook.xml.rels": '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
    'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http:'
    '//schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
    "</Relationships>",
}
STRINGS = ["社区编码", "社区名称", "户数（户）", "综合服务设施面积（平方米）", "C1", "一社区"]
ROWS = (
    '<row r="1">' + "".join(f'<c r="{c}1" t="s"><v>{i}</v></c>' for i, c in enumerate("ABCD")) + "</row>"
    '<row r="2"><c r="A2" t="s"><v>4</v></c><c r="B2" t="s"><v>5</v></c><c r="C2"><v>1000</v></c>'
    '<c r="D2"><v>350</v></c></row>'
)
LAUGHS = "<!DOCTYPE {root} [<!ENTITY a0 'ha'>" + "".join(
    f"<!ENTITY a{i} '{f'&a{i - 1};' * 10}'>" for i in range(1, 10)
) + "]>"


def _sheet(rows: str = ROWS, dimension: str = "A1:D2", prolog: str = "") -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}"><dimension ref="{dimension}"/>'
        f"<sheetData>{rows}</sheetData></worksheet>"
    )


def _strings(items: list[str] = STRINGS, prolog: str = "") -> str:
    body = "".join(f"<si><t>{t}</t></si>" for t in items)
    return f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<sst xmlns="{MAIN}" count="{len(items)}">{body}</sst>'


def _book(path: Path, sheet: str | None = None, strings: str | None = None, more: dict[str, bytes] | None = None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in PARTS.items():
            zf.writestr(name, text)
        zf.writestr("xl/worksheets/sheet1.xml", sheet or _sheet())
        zf.writestr("xl/sharedStrings.xml", strings or _strings())
        for name, data in (more or {}).items():
            zf.writestr(name, data)
    return path


def _check(path: Path, tmp_path: Path) -> tuple[int, str, float]:
    return run_process("check", path, "-f", "json", "-o", tmp_path / "report.json", cwd=tmp_path)


def _refused(path: Path, tmp_path: Path, *words: str) -> None:
    code, err, peak = _check(path, tmp_path)
    assert code == 2, err
    assert err.count("\n") == 1 and err.startswith("lifeservices: error: ") and "Traceback" not in err, err
    for word in words:
        assert word in err, err
    assert peak < 300, f"{peak:.0f} MiB"
    assert not (tmp_path / "report.json").exists()


def test_the_plain_workbook_these_are_built_from_reads(tmp_path):
    code, err, _ = _check(_book(tmp_path / "ok.xlsx"), tmp_path)
    assert code in (0, 1) and err == "", err
    assert '"records": 1' in (tmp_path / "report.json").read_text(encoding="utf-8")


def test_a_zip_bomb_is_refused_from_its_declared_sizes(tmp_path):
    path = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in PARTS.items():
            zf.writestr(name, text)
        zf.writestr("xl/sharedStrings.xml", _strings())
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            head, tail = _sheet().split("</sheetData>")
            fh.write(head.encode())
            pad = b" " * (64 << 20)
            for _ in range(MAX_UNZIPPED_BYTES // len(pad) + 1):  # a little over a GiB, in a few MB of zip
                fh.write(pad)
            fh.write(f"</sheetData>{tail}".encode())
    assert path.stat().st_size < 8 << 20
    _refused(path, tmp_path, "bomb.xlsx: the workbook unpacks to", "zip bomb")


def test_a_part_larger_than_it_declares_is_refused(tmp_path):
    # the size in the zip's directory is a lie: the part holds far more
    path = _book(tmp_path / "liar.xlsx", sheet=_sheet(ROWS + " " * (4 << 20)))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    true_size = info.file_size.to_bytes(4, "little")
    at = data.index(true_size, info.header_offset)  # in the local header; then in the central directory
    data[at : at + 4] = (1000).to_bytes(4, "little")
    at = data.index(true_size, at + 4)
    data[at : at + 4] = (1000).to_bytes(4, "little")
    path.write_bytes(bytes(data))
    _refused(path, tmp_path, "liar.xlsx: not a readable .xlsx workbook: it is damaged")


@pytest.mark.parametrize("part", ["sheet", "strings"])
def test_xml_entity_expansion_is_refused_before_any_expansion(tmp_path, part):
    if part == "sheet":
        rows = ROWS.replace('<c r="B2" t="s"><v>5</v></c>', '<c r="B2" t="inlineStr"><is><t>&a9;</t></is></c>')
        path = _book(tmp_path / "laughs.xlsx", sheet=_sheet(rows, prolog=LAUGHS.format(root="worksheet")))
        named = "xl/worksheets/sheet1.xml"
    else:
        path = _book(tmp_path / "laughs.xlsx", strings=_strings([*STRINGS[:5], "&a9;"], LAUGHS.format(root="sst")))
        named = "xl/sharedStrings.xml"
    _refused(path, tmp_path, f"{named} holds an XML document type declaration (DTD)")


def test_an_external_entity_is_never_fetched(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET", encoding="utf-8")
    prolog = f'<!DOCTYPE sst [<!ENTITY x SYSTEM "{secret.as_uri()}">]>'
    path = _book(tmp_path / "xxe.xlsx", strings=_strings([*STRINGS[:5], "&x;"], prolog))
    code, err, _ = _check(path, tmp_path)
    assert code == 2 and "DTD" in err and "TOP-SECRET" not in err, err


def test_a_workbook_that_claims_the_whole_grid_reads_what_it_holds(tmp_path):
    path = _book(tmp_path / "claims.xlsx", sheet=_sheet(dimension="A1:XFD1048576"))
    code, err, peak = _check(path, tmp_path)
    assert code in (0, 1) and err == "", err
    assert '"records": 1' in (tmp_path / "report.json").read_text(encoding="utf-8")
    assert peak < 300, f"{peak:.0f} MiB"


def test_a_cell_in_the_far_corner_is_refused_not_a_crash(tmp_path):
    # calamine would build 17 billion cells (and abort the process); refused with the span named
    far = ROWS + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    path = _book(tmp_path / "far.xlsx", sheet=_sheet(far))
    _refused(path, tmp_path, "A1:XFD1048576", f"{MAX_CELLS:,} cells")


def test_a_million_empty_styled_rows_read_in_bounded_memory(tmp_path):
    empty = "".join(f'<row r="{i}" s="1" customFormat="1"><c r="A{i}" s="1"/><c r="B{i}" s="1"/></row>'
                    for i in range(3, 1_000_001))
    path = _book(tmp_path / "styled.xlsx", sheet=_sheet(ROWS + empty, dimension="A1:D1000000"))
    code, err, peak = _check(path, tmp_path)
    assert code in (0, 1) and err == "", err
    assert '"records": 1' in (tmp_path / "report.json").read_text(encoding="utf-8")
    assert peak < 400, f"{peak:.0f} MiB"


def test_a_corrupted_zip_is_a_clear_error(tmp_path):
    path = _book(tmp_path / "broken.xlsx", sheet=_sheet(ROWS * 50))
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + 20
    data[start : start + 40] = bytes(range(40))  # inside the deflated sheet
    path.write_bytes(bytes(data))
    _refused(path, tmp_path, "broken.xlsx: not a readable .xlsx workbook: it is damaged")
    (tmp_path / "cut.xlsx").write_bytes(bytes(data[:300]))
    _refused(tmp_path / "cut.xlsx", tmp_path, "cut.xlsx: not a readable .xlsx workbook: it is damaged")


@pytest.mark.parametrize("suffix", [".xlsx", ".xls", ".ods"])
def test_a_csv_file_renamed_as_a_workbook_is_named_as_text(tmp_path, suffix):
    path = tmp_path / f"data{suffix}"
    path.write_text("社区编码,户数（户）\nC1,1000\n", encoding="gb18030")
    _refused(path, tmp_path, f"data{suffix}: not a readable {suffix} workbook: it is text", ".csv")


@pytest.mark.parametrize(("suffix", "filter_name"), [(".xls", "MS Excel 97"), (".ods", "calc8")])
def test_a_password_protected_workbook_is_named_as_such(tmp_path, suffix, filter_name):
    plain = _book(tmp_path / "plain.xlsx")
    locked = tmp_path / f"locked{suffix}"
    system_python = shutil.which("python3", path="/usr/bin:/bin")  # LibreOffice's `uno` is the system Python's
    subprocess.run([system_python, HERE / "lo_encrypt.py", plain, locked, filter_name], check=True, timeout=300)
    _refused(locked, tmp_path, f"locked{suffix}: the workbook is password-protected")


def test_an_xlsm_with_macros_is_read_and_its_macros_never_run(tmp_path):
    canary = tmp_path / "ran"
    macro = f'Sub Auto_Open()\n  Open "{canary}" For Output As #1\nEnd Sub\n'.encode()
    path = _book(tmp_path / "macros.xlsm", more={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0" + macro})
    code, err, _ = _check(path, tmp_path)
    assert code in (0, 1) and err == "", err
    assert '"records": 1' in (tmp_path / "report.json").read_text(encoding="utf-8")
    assert not canary.exists()


def test_a_real_workbook_saved_by_libreoffice_passes_the_guard(tmp_path):
    # LibreOffice's own .xlsx, .xls and .ods of the plain workbook: the checks refuse none of them
    plain = _book(tmp_path / "plain.xlsx")
    for fmt in ("xlsx", "xls", "ods"):
        saved = convert(plain, fmt, tmp_path / fmt)
        code, err, _ = _check(saved, tmp_path)
        assert code in (0, 1) and err == "", (fmt, err)
