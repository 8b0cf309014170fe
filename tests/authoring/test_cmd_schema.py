"""``lifeservices schema``: JSON Schemas for packs, pack tests and entity data, validated both ways."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft202012Validator

from lifeservices_cli.authoring.schema import entity_schema, pack_schema
from lifeservices_cli.authoring.schema import tests_schema as pack_tests_schema
from lifeservices_cli.packs import yamlio
from lifeservices_cli.packs.loader import bundled_path, load_packs

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.fixture(scope="module")
def packset():
    return load_packs()


def schema_of(cli, *args: str) -> Draft202012Validator:
    result = cli("schema", *args)
    assert result.exit_code == 0, result.output
    schema = json.loads(result.stdout)
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


def errors(validator: Draft202012Validator, data: object) -> list[str]:
    return [e.json_path for e in validator.iter_errors(data)]


def record_validator(schema: dict) -> Draft202012Validator:
    """The schema of one record (the data schema's ``$defs.record``)."""
    return Draft202012Validator({"$defs": schema["$defs"], **schema["$defs"]["record"]})


def read_pack(path: Path) -> object:
    data, _ = yamlio.load(path.read_text(encoding="utf-8"))  # as the loader reads it (dates stay text)
    return data


# --------------------------------------------------------------------------- packs


def test_the_bundled_pack_is_valid(cli):
    validator = schema_of(cli, "pack")
    assert errors(validator, read_pack(bundled_path())) == []
    assert schema_of(cli).schema == validator.schema  # "pack" is the default


def test_a_broken_pack_is_not_valid(cli):
    validator = schema_of(cli, "pack")
    pack = read_pack(bundled_path())
    assert isinstance(pack, dict)
    pack["indicators"][0]["kind"] = "standerd"
    pack["indicators"][1]["colour"] = "red"
    del pack["indicators"][2]["clause"]
    pack["entities"]["community"]["fields"]["households"]["type"] = "integer"
    found = errors(validator, pack)
    assert set(found) == {
        "$.indicators[0].kind",
        "$.indicators[1]",
        "$.indicators[2]",
        "$.entities.community.fields.households.type",
    }, found


def test_dated_values_only_take_dates_as_keys():
    validator = Draft202012Validator(pack_schema())
    pack = {
        "id": "p",
        "title": {"zh": "包", "en": "pack"},
        "document": "文件",
        "parameters": {
            "rate": {"title": {"zh": "率", "en": "rate"}, "values": {"2024-01-01": {"value": 5, "reference": "r"}}}
        },
    }
    assert errors(validator, pack) == []
    pack["parameters"]["rate"]["values"]["soon"] = {"value": 6, "reference": "r"}
    assert errors(validator, pack) == ["$.parameters.rate.values"]


def test_tests_files(cli):
    validator = schema_of(cli, "tests")
    tests = yaml.safe_load((bundled_path().with_name("baicheng-2022-323.tests.yaml")).read_text(encoding="utf-8"))
    assert errors(validator, tests) == []
    broken = [{"name": "x", "records": [{"a": 1}], "expect": [{"indicator": "a", "status": "passed"}]}]
    assert errors(validator, broken) == ["$[0].expect[0].status"]
    assert errors(Draft202012Validator(pack_tests_schema()), {"name": "not a list"}) == ["$"]


# --------------------------------------------------------------------------- data


def test_the_yaml_example_is_valid_and_a_broken_one_is_not(cli):
    validator = schema_of(cli, "compound")
    data = yaml.safe_load((EXAMPLES / "compounds.yaml").read_text(encoding="utf-8"))
    assert errors(validator, data) == []
    assert errors(validator, data["records"]) == []  # a bare list of records too
    data["records"][1]["是否新建"] = "maybe"
    data["records"][2]["养老设施面积"] = 500
    found = [e for e in Draft202012Validator(validator.schema).iter_errors(data["records"])]
    assert len(found) == 1 and found[0].validator == "anyOf"
    # the records that hold the mistakes, and only those, fail
    item = record_validator(validator.schema)
    assert [n for n, r in enumerate(data["records"]) if list(item.iter_errors(r))] == [1, 2]


def test_an_entity_mismatch_is_not_valid(cli):
    validator = schema_of(cli, "compound")
    data = yaml.safe_load((EXAMPLES / "compounds.yaml").read_text(encoding="utf-8"))
    data["entity"] = "facility"
    assert errors(validator, data) == ["$"]


def csv_records(name: str) -> list[dict[str, str]]:
    with (EXAMPLES / name).open(encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_examples_as_json_records_fail_exactly_where_the_data_is_invalid(cli):
    """The examples hold one deliberately unreadable area (12a); the schema finds it and nothing else."""
    validator = schema_of(cli, "community")
    records = csv_records("communities.csv")
    item = record_validator(validator.schema)
    bad = {(r["社区编码"], e.json_path) for r in records for e in item.iter_errors(r)}
    assert bad == {("ZL-001", "$['综合服务设施面积（平方米）']")}
    facilities = record_validator(schema_of(cli, "facility").schema)
    bad = {(r["项目编号"], e.json_path) for r in csv_records("facilities.csv") for e in facilities.iter_errors(r)}
    assert bad == {("SS-07", "$['建筑面积（平方米）']")}


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (600, True),
        ("600", True),
        ("600㎡", True),
        ("600 m2", True),
        ("0.06万平方米", True),
        ("1,020", True),
        ("６００", True),
        ("—", True),
        ("", True),
        (None, True),
        ("N/A", True),
        (-1, False),
        ("12a", False),
        ("30万元", False),  # money in an area field
        (True, False),
    ],
)
def test_number_cells(value, ok, packset):
    validator = Draft202012Validator(entity_schema(packset.entities["facility"]))
    assert (errors(validator, [{"floor_area": value}]) == []) is ok


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (True, True),
        ("是", True),
        ("否", True),
        ("√", True),
        ("Yes", True),
        ("N", True),
        (1, True),
        ("也许", False),
        (2, False),
    ],
)
def test_yes_no_cells(value, ok, packset):
    validator = Draft202012Validator(entity_schema(packset.entities["compound"]))
    assert (errors(validator, [{"是否新建": value}]) == []) is ok


@pytest.mark.parametrize(
    ("value", "ok"), [("2022-11-22", True), ("2022年11月22日", True), ("20221122", True), ("yesterday", False)]
)
def test_date_cells(value, ok, packset):
    validator = Draft202012Validator(entity_schema(packset.entities["person"]))
    assert (errors(validator, [{"出生日期": value}]) == []) is ok


def test_keys_are_names_aliases_and_headers_with_units(cli):
    schema = schema_of(cli, "facility").schema
    props = schema["$defs"]["record"]["properties"]
    assert {"total_investment", "总投资", "total investment", "投资额", "investment"} <= set(props)
    assert props["投资额"] == {"$ref": "#/$defs/total_investment", "title": "总投资 (total_investment)"}
    validator = Draft202012Validator(schema)
    assert errors(validator, [{"总投资（万元）": "30", "总投资(万元)": 30, "建筑面积 (㎡)": 1}]) == []
    assert errors(validator, [{"总投资额度": 30}]) != []


def test_english_titles(cli):
    schema = schema_of(cli, "facility", "--lang", "en").schema
    assert schema["$defs"]["total_investment"]["title"] == "total investment"
    assert schema["$defs"]["record"]["title"] == "community service facility"


def test_output_file(cli, tmp_path):
    target = tmp_path / "pack.schema.json"
    result = cli("schema", "pack", "--output", str(target))
    assert result.exit_code == 0
    assert json.loads(target.read_text(encoding="utf-8"))["title"] == "lifeservices indicator pack"


def test_unknown_name_suggests(cli):
    result = cli("schema", "compund")
    assert result.exit_code == 2
    assert result.stderr == "lifeservices: error: unknown schema 'compund'; did you mean: compound, community?\n"
    result = cli("schema", "pak")
    assert result.stderr == "lifeservices: error: unknown schema 'pak'; did you mean: pack?\n"


def test_patterns_are_portable_regexes(cli):
    """Editors run patterns as ECMAScript regexes: no Python-only escapes such as '\\-' outside a class."""
    text = json.dumps(schema_of(cli, "facility").schema) + json.dumps(pack_schema())
    assert "(?P<" not in text and "(?i)" not in text
    schema = schema_of(cli, "facility").schema
    pattern = schema["$defs"]["floor_area"]["anyOf"][1]["pattern"]
    assert "\\-" not in pattern.replace("[+－-]", "")


def test_the_schema_is_the_same_whatever_the_hash_seed():
    import os
    import subprocess
    import sys

    def schema(seed: str) -> str:
        env = {**os.environ, "PYTHONHASHSEED": seed}
        code = "from lifeservices_cli.cli.app import app; app(['schema', 'community'])"
        return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True).stdout

    first = schema("1")
    assert "m²" in first
    assert all(schema(seed) == first for seed in ("2", "3", "4"))
