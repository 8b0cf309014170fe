"""The JSON report (schema 2) validates against the JSON Schema ``lifeservices schema report`` publishes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render.json import render

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").iterdir() if p.is_file())


@pytest.fixture(scope="module")
def validator(cli) -> Draft202012Validator:
    result = cli("schema", "report")
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def _errors(validator: Draft202012Validator, data: object) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(data)]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_example_report_is_valid(validator, lang, monkeypatch):
    monkeypatch.chdir(ROOT)
    data = json.loads(render(check_files(EXAMPLES, lang=lang, as_of=None)))
    assert data["schema_version"] == 2
    assert not _errors(validator, data)
    # schema 2: what an indicator's results share stands once, in indicators[]
    assert {"clause", "departments", "comparator", "unit"}.isdisjoint(data["results"][0])
    by_id = {i["id"]: i for i in data["indicators"]}
    for result in data["results"]:
        several = len(by_id[result["indicator"]]["checks"]) > 1
        assert ("check" in result) is several
        if several:
            assert result["check"] < len(by_id[result["indicator"]]["checks"])


def test_a_columnar_report_is_valid_and_equal(validator, tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    records = render(check_files(["examples/communities.csv"], engine="records"))
    columns = render(check_files(["examples/communities.csv"], engine="columns"))
    assert records == columns
    assert not _errors(validator, json.loads(columns))


def test_a_broken_report_is_refused(validator, monkeypatch):
    monkeypatch.chdir(ROOT)
    data = json.loads(render(check_files(["examples/facilities.csv"])))
    data["results"][0]["status"] = "passed"
    del data["results"][1]["message"]
    errors = _errors(validator, data)
    assert len(errors) == 2 and any("passed" in e for e in errors)


def test_results_read_back_keep_comparator_and_unit(monkeypatch):
    """The store rebuilds a result's comparator and unit from its indicator's check."""
    monkeypatch.chdir(ROOT)
    report = check_files(["examples/facilities.csv"])
    before = [(r.comparator, r.unit, r.check) for r in report.results]
    report.store.spool()
    after = [(r.comparator, r.unit, r.check) for r in report.iter_results()]
    assert before == after
    assert {unit for _, unit, _ in after} >= {"m²", "元"}  # the two checks of an any_of, told apart
