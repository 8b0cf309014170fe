"""NDJSON and Parquet for batch users: one result per line / row, the same results as the JSON report."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from jsonschema import Draft202012Validator

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import FORMATS, Format
from lifeservices_cli.report.schema import report_schema

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").iterdir() if p.is_file())


@pytest.fixture
def here(monkeypatch):
    monkeypatch.chdir(ROOT)


def test_every_format_is_in_the_registry():
    assert set(FORMATS) == set(Format)
    for fmt, spec in FORMATS.items():
        assert callable(fmt.renderer()), fmt
        assert fmt.binary is spec.binary and fmt.extension == spec.extension


@pytest.mark.parametrize("engine", ["records", "columns"])
def test_ndjson_lines_are_the_json_results(here, engine):
    report = check_files(EXAMPLES if engine == "records" else ["examples/communities.csv"], engine=engine)
    results = json.loads(Format.json.render(report))["results"]
    text = Format.ndjson.render(report)
    lines = [json.loads(line) for line in text.splitlines()]
    assert lines == results and text.endswith("\n") and "\n\n" not in text
    schema = report_schema()
    validator = Draft202012Validator({**schema["$defs"]["result"], "$defs": schema["$defs"]})
    assert all(not list(validator.iter_errors(line)) for line in lines)


def test_ndjson_reads_in_polars(cli, here, tmp_path):
    out = tmp_path / "r.ndjson"
    result = cli("check", *EXAMPLES, "--report", f"ndjson={out}", "-f", "json")
    assert result.exit_code == 1
    frame = pl.read_ndjson(out, infer_schema_length=None)
    assert frame.height == json.loads(result.stdout)["summary"]["checks"]


def test_parquet_from_the_cli(cli, here, tmp_path):
    out = tmp_path / "r.parquet"
    result = cli("check", *EXAMPLES, "--report", f"parquet={out}", "-f", "json")
    assert result.exit_code == 1, result.output
    assert pl.read_parquet(out).height == len(json.loads(result.stdout)["results"])
    assert not list(tmp_path.glob(".*"))  # no part or temporary file left


@pytest.mark.parametrize("engine", ["records", "columns"])
def test_parquet_rows_are_typed_results(here, tmp_path, engine):
    from lifeservices_cli.render.parquet import write_file

    paths = EXAMPLES if engine == "records" else ["examples/communities.csv"]
    report = check_files(paths, engine=engine)
    assert report.store.spooled is (engine == "columns")
    results = json.loads(Format.json.render(report))["results"]
    out = tmp_path / "r.parquet"
    write_file(report, out)
    frame = pl.read_parquet(out)
    assert frame.height == len(results)
    assert frame.schema["line"] == pl.Int64 and frame.schema["value"] == pl.Float64
    assert frame.get_column("status").to_list() == [r["status"] for r in results]
    assert frame.get_column("message").to_list() == [r["message"] for r in results]
    for row, r in zip(frame.iter_rows(named=True), results, strict=True):
        if isinstance(r["value"], bool) or isinstance(r["value"], str):
            assert row["value"] is None and row["value_text"] == json.dumps(r["value"]).strip('"')
        else:
            assert row["value"] == r["value"] and row["value_text"] is None
        assert row["gap"] == r["gap"] and row["check"] == r.get("check")


def test_parquet_of_an_empty_run_is_valid(cli, here, tmp_path):
    from helpers import COMMUNITY_HEADER

    data = tmp_path / "empty.csv"
    data.write_text(COMMUNITY_HEADER + "\n", encoding="utf-8")
    out = tmp_path / "e.parquet"
    cli("check", str(data), "--report", f"parquet={out}", "--fail-on", "never")
    assert pl.read_parquet(out).height == 0
