"""The benchmark harness works: deterministic data, a run at tiny N, the floor peer.

These tests prove the harness runs; they assert nothing about timings. They need no peer
installs (``--skip-peers``); the agreement test runs only where ``benchmarks/.venv`` exists.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "benchmarks"


def _generate_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH / "generate.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


generate = _generate_module()


def _lifeservices() -> Path:
    """The tool next to the interpreter running the tests (the project's .venv under make test)."""
    beside = Path(sys.executable).parent / "lifeservices"
    return beside if beside.exists() else ROOT / ".venv" / "bin" / "lifeservices"


def _run(*argv: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in argv], cwd=ROOT, capture_output=True, text=True, check=False, timeout=120)


def test_generator_same_seed_same_bytes(tmp_path: Path) -> None:
    for out in ("a", "b"):
        done = _run(
            sys.executable,
            BENCH / "generate.py",
            "--entity",
            "community",
            "--rows",
            50,
            "--seed",
            7,
            "--out",
            tmp_path / out,
        )
        assert done.returncode == 0, done.stderr
    for name in ("community-50.csv", "community-50-gb18030.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    other = tmp_path / "c"
    assert _run(sys.executable, BENCH / "generate.py", "--rows", 50, "--seed", 8, "--out", other).returncode == 0
    assert (other / "community-50.csv").read_bytes() != (tmp_path / "a" / "community-50.csv").read_bytes()


def test_generator_headers_and_gb18030_copy(tmp_path: Path) -> None:
    for entity in generate.ENTITIES:
        utf8, gb = generate.write(entity, 50, tmp_path)
        text = utf8.read_bytes().decode("utf-8")
        assert gb.read_bytes().decode("gb18030") == text
        assert gb.read_bytes() != utf8.read_bytes()  # really another encoding
        assert text.splitlines()[0] == ",".join(generate.HEADERS[entity])
        assert len(text.splitlines()) == 51
    assert "总投资（万元）" in generate.HEADERS["facility"]
    community = (
        "社区编码,社区名称,县（市、区）,街道（乡镇）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"  # noqa: E501
    )
    assert generate.HEADERS["community"] == community.split(",")


def test_generator_blank_and_unreadable_proportions() -> None:
    rows = list(generate.rows("community", 20_000, seed=generate.DEFAULT_SEED))[1:]
    cells = [c for row in rows for c in row]
    blank = sum(c == "" or c in generate.MISSING_MARKS for c in cells) / len(cells)
    junk = sum(c in generate.JUNK_NUMBERS or c in generate.JUNK_FLAGS for c in cells) / len(cells)
    assert 0.006 < blank < 0.015  # ~1%
    assert 0.0002 < junk < 0.001  # ~0.05%
    districts = {row[2] for row in rows}
    assert {"洮北区", "洮南市", "大安市", "镇赉县", "通榆县"} <= districts
    # realistic spellings are there too: full-width digits and units in cells
    assert any(any("０" <= ch <= "９" for ch in c) for c in cells)
    assert any(c.endswith(("㎡", "平方米", "m²")) for c in cells)


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict, Path]:
    base = tmp_path_factory.mktemp("bench")
    data, results = base / "data", base / "results"
    done = _run(
        sys.executable,
        BENCH / "run.py",
        "--rows",
        50,
        "--reps",
        1,
        "--skip-peers",
        "--startup-reps",
        1,
        "--keep-outputs",
        "--lifeservices",
        _lifeservices(),
        "--data",
        data,
        "--results",
        results,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((results / "latest.json").read_text(encoding="utf-8")), base


def test_runner_tiny(tiny_run: tuple[dict, Path]) -> None:
    results, base = tiny_run
    cases = {(c["case"], c["rows"]) for c in results["cases"]}
    assert cases == {
        ("lifeservices-json", 50),
        ("lifeservices-csv", 50),
        ("lifeservices-json-gb18030", 50),
        ("lifeservices-table", 50),
        ("csv-floor", 50),
        ("lifeservices-json", 10),
        ("csv-floor", 10),
    }
    for case in results["cases"]:
        assert case["median_s"] > 0 and case["min_s"] > 0 and case["peak_mib"] > 0
        assert case["vs_polars"] is None  # no peers in this run
    assert results["machine"]["nproc"] >= 1
    assert results["versions"]["tool"]["lifeservices-cli"]
    assert {t["target"].split(",")[0] for t in results["targets"]} >= {"peak memory", "10-row check"}
    table = (base / "results" / "latest.md").read_text(encoding="utf-8")
    assert "| lifeservices-json | 50 |" in table
    report = json.loads((base / "results" / "out" / "lifeservices-json-50.json").read_text(encoding="utf-8"))
    assert report["summary"]["records"] == 50


def test_csv_floor_peer(tiny_run: tuple[dict, Path]) -> None:
    _, base = tiny_run
    for name, encoding in (("community-50.csv", "utf-8"), ("community-50-gb18030.csv", "gb18030")):
        done = _run(sys.executable, BENCH / "peers" / "csv_floor.py", base / "data" / name, encoding)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "51 rows, 408 cells"


def test_hand_written_polars_peer_agrees_with_the_tool(tiny_run: tuple[dict, Path]) -> None:
    """The polars peer runs with the project's own Python (polars is a dependency), so this never skips;
    the pandas+pandera peer, installed only by the harness, is compared by the harness itself."""
    _, base = tiny_run
    report = json.loads((base / "results" / "out" / "lifeservices-json-50.json").read_text(encoding="utf-8"))
    ours = {(r["line"], r["indicator"]): r["status"] for r in report["results"]}
    out = base / "polars_check.ndjson"
    done = _run(sys.executable, BENCH / "peers" / "polars_check.py", base / "data" / "community-50.csv", out)
    assert done.returncode == 0, done.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    theirs = {(r["line"], r["indicator"]): r["status"] for r in map(json.loads, lines)}
    assert theirs == ours


def test_workbook_benchmark_tiny(tmp_path: Path) -> None:
    """benchmarks/workbooks.py at tiny sizes, the tool itself standing in for the version before."""
    tool = _lifeservices()
    proc = _run(
        sys.executable,
        BENCH / "workbooks.py",
        "--before",
        tool,
        "--now",
        tool,
        "--rows",
        "200",
        "--xlsx-rows",
        "50",
        "--reps",
        "1",
        "--data",
        tmp_path / "data",
        "--results",
        tmp_path / "results",
    )
    assert proc.returncode == 0, proc.stderr
    table = (tmp_path / "results" / "workbooks.md").read_text(encoding="utf-8")
    rows = {
        line.split("|")[1].strip(): line.split("|")[-2].strip() for line in table.splitlines() if line.startswith("| ")
    }
    cases = ("csv-before", "csv-now", "read-openpyxl", "read-calamine", "read-tool", "read-tool-table", "xlsx-now")
    assert all(rows[case] == "0" for case in cases), table  # every case ran and exited 0
    report = json.loads((tmp_path / "results" / "out" / "xt.json").read_text(encoding="utf-8"))
    assert report["summary"]["records"] == 50 and report["inputs"][0]["layout"]["units_row"] == 4


def test_formats_benchmark_tiny(tmp_path: Path) -> None:
    """benchmarks/formats.py at a tiny size: every format and both peers run, and the table says so."""
    proc = _run(
        sys.executable,
        BENCH / "formats.py",
        "--rows",
        "60",
        "--lifeservices",
        _lifeservices(),
        "--data",
        tmp_path / "data",
        "--results",
        tmp_path / "results",
    )
    assert proc.returncode == 0, proc.stderr
    table = (tmp_path / "results" / "formats-60.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line.split("|") for line in table.splitlines() if line.startswith("| ")}
    formats = ("json", "ndjson", "parquet", "csv", "junit", "sarif", "github", "table", "markdown", "html", "xlsx")
    for case in ("ndjson-peer", "lean-script", *formats):
        assert rows[case][-2].strip() == "0", table  # it ran and exited 0
    assert rows["xlsx"][6].strip() == "json" and rows["json"][6].strip() == "ndjson-peer"
    assert (tmp_path / "data" / "community-60.csv").exists()
    assert not (tmp_path / "results" / "out-formats").exists()  # the outputs are removed
