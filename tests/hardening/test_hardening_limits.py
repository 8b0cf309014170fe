"""Resource limits: a line of hundreds of MB, a row of 100,000 cells, numbers of a million digits,
deeply nested JSON and YAML data, and a large CSV — each refused with one line and exit 2, or read,
in bounded memory. Real processes; peak memory measured (``run_process``). Large files are sparse
(a hole of NUL bytes costs no disk), so nothing here writes hundreds of MB.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from tests.hardening.test_hardening_inputs import COMMUNITY, ROW, results, run_process, write

from lifeservices_cli.pipeline import COLUMNAR_MIN_BYTES
from lifeservices_cli.sources.delimited import MAX_COLUMNS

MiB = 1 << 20
TOO_LONG = "a line longer than 64 MiB, more than any table row holds (is this a table?)"


def _rows(count: int) -> str:
    return "".join(ROW.replace("TB-001", f"TB-{i:06d}") + "\n" for i in range(count))


def _with_a_hole(path: Path, head: str, hole: int) -> Path:
    """``head``, then ``hole`` NUL bytes that take no disk, then the rest of a row."""
    with path.open("wb") as fh:
        fh.write(head.encode("utf-8") + b"TB-X,")
        fh.seek(hole, 1)
        fh.write(",洮北区,是,是,1000,600\n".encode())
    return path


@pytest.mark.parametrize("where", ["second line", "after 100,000 rows"])
def test_a_line_of_hundreds_of_mb_is_refused_in_bounded_memory(tmp_path, where):
    # Before: a 300 MB line took 3.5 GB and three minutes. Now the reader stops once a line
    # passes 64 MiB. The first case is met while the header is found, the second by the columnar
    # reader (the file is large), which names the line too.
    rows = 0 if where == "second line" else 100_000
    path = _with_a_hole(tmp_path / "long.csv", f"{COMMUNITY}\n{_rows(rows)}", 300 * MiB)
    assert path.stat().st_size > 300 * MiB and path.stat().st_blocks * 512 < 20 * MiB
    code, err, peak = run_process("check", path.name, "-f", "json", "-o", tmp_path / "r.json", cwd=tmp_path)
    assert (code, err) == (2, f"lifeservices: error: long.csv:{rows + 2}: {TOO_LONG}\n")
    assert peak < 512, f"peak memory {peak:.0f} MiB"
    assert not (tmp_path / "r.json").exists()


def test_a_row_of_100000_cells_is_refused_quickly(tmp_path):
    # Before: 47 s for a header and three rows (the header search weighs every column).
    wide = ",".join(f"x{i}" for i in range(100_000))
    path = write(tmp_path, "wide.csv", f"{COMMUNITY},{wide}\n{ROW},{','.join('1' * 100_000)}\n")
    code, err, peak = run_process("check", path.name, "-f", "json", "-o", tmp_path / "r.json", cwd=tmp_path)
    assert (code, err) == (
        2,
        "lifeservices: error: wide.csv:1: a row of 100,007 cells, more than the 16,384 columns a table may have\n",
    )
    assert peak < 512


def test_a_table_as_wide_as_excel_allows_is_read(tmp_path):
    extra = ",".join(f"x{i}" for i in range(MAX_COLUMNS - 7))
    path = write(tmp_path, "wide.csv", f"{COMMUNITY},{extra}\n{ROW},{','.join('1' * (MAX_COLUMNS - 7))}\n")
    code, err, _ = run_process("check", path.name, "-f", "json", "-o", tmp_path / "r.json", cwd=tmp_path)
    assert (code, err) == (0, "")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["summary"]["records"] == 1


@pytest.mark.parametrize("engine", ["records", "columns"])
def test_numbers_of_a_million_digits_are_invalid_cells_not_a_hang(tmp_path, engine):
    digits = "9" * 1_000_000
    rows = [
        ROW.replace("1000", digits),  # households
        ROW.replace("TB-001", "TB-002").replace("600", "0." + "0" * 999_999 + "1"),  # area
        ROW.replace("TB-001", "TB-003").replace("1000", "1e" + "9" * 999_999),  # an exponent
    ]
    pad = _rows(100_000) if engine == "columns" else ""
    path = write(tmp_path, "digits.csv", f"{COMMUNITY}\n" + "\n".join(rows) + "\n" + pad.replace("TB-0", "TB-9"))
    assert (path.stat().st_size >= COLUMNAR_MIN_BYTES) == (engine == "columns")
    code, err, peak = run_process("check", path.name, "-f", "json", "-o", tmp_path / "r.json", cwd=tmp_path)
    assert (code, err) == (1, "")
    assert peak < 768, f"peak memory {peak:.0f} MiB"
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    per100 = "facility-area-per-100-households"
    assert results(report, 2)[per100]["message"] == (
        "invalid data: line 2, column '户数（户）': the cell is too long (1000000 characters) to be a value"
    )
    assert results(report, 3)["new-community-facility-area"]["status"] == "invalid_data"
    assert results(report, 4)[per100]["status"] == "invalid_data"
    assert results(report, 2)["new-community-facility-area"]["status"] == "pass"  # the rest of the row is read


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "invalid JSON: maximum recursion depth exceeded"),
        ("deep.yaml", "[" * 100_000 + "]" * 100_000, ":1: YAML is nested too deeply"),
        ("deep-blocks.yaml", "".join("  " * i + "a:\n" for i in range(3000)), "YAML is nested too deeply"),
    ],
)
def test_deeply_nested_json_and_yaml_data_get_one_line(tmp_path, name, text, message):
    path = write(tmp_path, name, text)
    code, err, peak = run_process("check", path.name, "-f", "json", "-o", tmp_path / "r.json", cwd=tmp_path)
    assert code == 2 and err.startswith(f"lifeservices: error: {name}") and message in err, err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert peak < 512
