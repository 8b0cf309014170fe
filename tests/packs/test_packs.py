"""Loading indicator packs (``packs.py`` + ``models.py``) and the messages of broken packs.

Every broken pack must give a ``UsageError`` whose text names the file, the line and the key
path of the problem.
"""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

from helpers import pack_text
from lifeservices_cli.errors import UsageError
from lifeservices_cli.packs import loader as packs

BUNDLED_IDS = [
    "new-community-facility-area",
    "facility-area-per-100-households",
    "new-compound-elderly-childcare",
    "new-compound-elderly-childcare-rate",
    "fire-acceptance-simplified",
    "basic-public-health-categories",
    "public-sports-venue-open",
    "childcare-filing-task",
    "company-registration-online-one-day-free",
    "joint-program-enrollment-rising",
    "first-loan-smes-above-2021",
    "first-loan-share-rising",
    "loan-enterprises-increasing",
    "family-doctor-priority-group",
    "graduate-small-firm-social-insurance-subsidy",
    "graduate-entrepreneur-social-insurance-subsidy",
]

PACK = pack_text("tiny").replace(  # with a district to group by and a cost in yuan
    "      area:", "      district: {type: text, title: {zh: 县（市、区）, en: district}}\n      area:"
).replace("      ok:", "      cost: {type: number, title: {zh: 投资, en: cost}, unit: 元}\n      ok:")

AGGREGATE = """\
  - id: area-rate
    title: {zh: 达标率, en: pass rate}
    clause: {ref: 一, section: 一、总则, quote: 达标率100%}
    departments: [市民政局]
    entity: site
    kind: aggregate
    aggregate: {of: area-min, by: district}
    rule: 达到 100
    unit: "%"
"""


def write(tmp_path: Path, text: str, name: str = "pack.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def edit(old: str, new: str, text: str = PACK) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the only line containing ``fragment``."""
    lines = [n for n, line in enumerate(text.splitlines(), 1) if fragment in line]
    assert len(lines) == 1, (fragment, lines)
    return lines[0]


def broken(tmp_path: Path, text: str, name: str = "pack.yaml") -> UsageError:
    path = write(tmp_path, text, name)
    with pytest.raises(UsageError) as caught:
        packs.load_packs([path])
    err = caught.value
    assert err.path == str(path)
    return err


def assert_error(err: UsageError, line: int, key_path: str, *fragments: str) -> None:
    text = str(err)
    assert err.line == line, text
    assert text.startswith(f"{err.path}:{line}: {key_path}: "), text
    for fragment in fragments:
        assert fragment in text, text


# --------------------------------------------------------------------------- good packs


def test_bundled_pack_loads():
    packset = packs.load_packs()
    assert [ind.id for ind in packset.indicators] == BUNDLED_IDS
    assert sorted(packset.entities) == ["community", "compound", "district", "facility", "person", "venue"]
    ((pack, where),) = packset.packs
    assert pack.id == "baicheng-2022-323"
    assert pack.document == "白发改社联字〔2022〕323号"
    assert where == "(bundled) baicheng-2022-323.yaml"


def test_bundled_pack_compiles_its_rules():
    packset = packs.load_packs()
    summary = {
        ind.id: (ind.spec.kind, ind.combine, [(c.comparator, c.word, c.threshold, c.unit) for c in ind.checks])
        for ind in packset.indicators
    }
    assert summary == {
        "new-community-facility-area": ("standard", "one", [(">=", "不低于", Fraction(500), "m²")]),
        "facility-area-per-100-households": ("standard", "one", [(">=", "不低于", Fraction(30), "m²/100户")]),
        "new-compound-elderly-childcare": ("standard", "all", [("==", None, True, None), ("==", None, True, None)]),
        "new-compound-elderly-childcare-rate": ("aggregate", "one", [(">=", "达到", Fraction(100), "%")]),
        "fire-acceptance-simplified": (
            "eligibility", "any", [("<=", "以下", Fraction(300), "m²"), ("<=", "以下", Fraction(300_000), "元")]
        ),
        "basic-public-health-categories": ("standard", "one", [(">=", "达到", Fraction(12), "类")]),
        "childcare-filing-task": ("standard", "one", [(">=", "达到", None, "个")]),  # threshold: a column
        "company-registration-online-one-day-free": (
            "standard", "all", [("==", None, True, None), ("<=", "以内", Fraction(1), "天"), ("==", "等于", 0, "元")]
        ),
        "public-sports-venue-open": ("standard", "one", [("==", None, True, None)]),
        "joint-program-enrollment-rising": ("standard", "one", [(">", "高于", None, "人")]),  # last year: a column
        "first-loan-smes-above-2021": ("standard", "one", [(">", "高于", None, "户")]),  # threshold: a column
        "first-loan-share-rising": ("standard", "one", [(">", "高于", None, "%")]),  # last year's share
        "loan-enterprises-increasing": ("standard", "one", [(">", "高于", None, "户")]),
        "family-doctor-priority-group": (
            "eligibility", "any",
            [("<=", "以下", Fraction(6), "年"), (">=", "以上", Fraction(65), "年"),
             ("==", None, True, None), ("==", None, True, None), ("==", None, True, None)],
        ),
        "graduate-small-firm-social-insurance-subsidy": (
            "eligibility", "all", [(">=", "不早于", None, None), ("<=", "以内", None, None)]
        ),
        "graduate-entrepreneur-social-insurance-subsidy": (
            "eligibility", "all", [(">=", "不早于", None, None), ("<=", "以内", None, None)]
        ),
    }


def test_bundled_pack_by_explicit_path_keeps_the_path():
    path = packs.bundled_path()
    packset = packs.load_packs([path])
    assert [ind.id for ind in packset.indicators] == BUNDLED_IDS
    assert packset.packs[0][1] == "(bundled) baicheng-2022-323.yaml"  # never the machine path


def test_bundled_entities_know_their_aliases():
    community = packs.load_packs().entities["community"]
    assert community.aliases["县(市、区)"] == "district"
    assert community.aliases["户数"] == "households"
    assert community.types["is_urban"] == "boolean"
    assert community.spec.fields["is_urban"].default_when_absent is True


def test_small_pack_loads(tmp_path):
    packset = packs.load_packs([write(tmp_path, PACK + AGGREGATE)])
    assert [ind.id for ind in packset.indicators] == ["area-min", "area-rate"]
    assert packset.for_entity("site") == packset.indicators
    assert packset.get("area-rate").spec.aggregate.of == "area-min"
    with pytest.raises(KeyError):
        packset.get("nope")


def test_a_folder_of_packs_loads_every_pack_in_name_order(tmp_path):
    folder = tmp_path / "packs"
    folder.mkdir()
    write(folder, PACK, "b.yaml")
    other = PACK.replace("id: tiny", "id: other").replace("site", "plot").replace("area-min", "plot-area")
    write(folder, other, "a.yml")
    write(folder, "not a pack", "notes.txt")
    packset = packs.load_packs([folder])
    assert [Path(where).name for _, where in packset.packs] == ["a.yml", "b.yaml"]
    assert [ind.id for ind in packset.indicators] == ["plot-area", "area-min"]
    assert sorted(packset.entities) == ["plot", "site"]


def test_several_paths_mix_files_and_the_bundled_pack(tmp_path):
    packset = packs.load_packs([packs.bundled_path(), write(tmp_path, PACK)])
    assert [ind.id for ind in packset.indicators] == [*BUNDLED_IDS, "area-min"]


def test_rule_as_a_mapping(tmp_path):
    text = edit("rule: 不低于 500", "rule: {comparator: 以下, threshold: 3, unit: 万平方米}")
    (check,) = packs.load_packs([write(tmp_path, text)]).get("area-min").checks
    assert (check.comparator, check.word, check.threshold, check.unit) == ("<=", "以下", Fraction(30_000), "m²")


# --------------------------------------------------------------------------- paths


def test_missing_path(tmp_path):
    with pytest.raises(UsageError) as caught:
        packs.load_packs([tmp_path / "nothere.yaml"])
    assert str(caught.value) == f"{tmp_path / 'nothere.yaml'}: no such pack file or folder"


def test_folder_without_packs(tmp_path):
    (tmp_path / "readme.txt").write_text("x", encoding="utf-8")
    with pytest.raises(UsageError) as caught:
        packs.load_packs([tmp_path])
    assert str(caught.value) == f"{tmp_path}: no .yaml pack files in this folder"


def test_a_broken_pack_in_a_folder_is_named(tmp_path):
    write(tmp_path, PACK, "a.yaml")
    bad = write(tmp_path, edit("kind: standard", "kind: standart"), "b.yaml")
    with pytest.raises(UsageError) as caught:
        packs.load_packs([tmp_path])
    assert caught.value.path == str(bad)
    assert_error(caught.value, line_of(PACK, "kind:"), "indicators.0.kind", "'standard', 'eligibility' or 'aggregate'")


def test_same_pack_twice(tmp_path):
    first, second = write(tmp_path, PACK, "a.yaml"), write(tmp_path, PACK, "b.yaml")
    with pytest.raises(UsageError) as caught:
        packs.load_packs([first, second])
    assert str(caught.value) == f"{second}:1: id: pack id 'tiny' is already loaded from {first}"


def test_entity_defined_by_two_packs(tmp_path):
    first = write(tmp_path, PACK, "a.yaml")
    text = PACK.replace("id: tiny", "id: tiny-two").replace("area-min", "area-max")
    second = write(tmp_path, text, "b.yaml")
    with pytest.raises(UsageError) as caught:
        packs.load_packs([first, second])
    assert_error(caught.value, line_of(text, "  site:"), "entities.site",
                 "entity 'site' is already defined by another pack")


def test_pack_must_be_utf8(tmp_path):
    path = tmp_path / "pack.yaml"
    path.write_bytes(PACK.encode("gb18030"))
    with pytest.raises(UsageError) as caught:
        packs.load_packs([path])
    assert str(caught.value) == f"{path}:1: a pack must be UTF-8 text"


@pytest.mark.parametrize("text", ["- 1\n- 2\n", "just text\n", ""])
def test_pack_must_be_a_mapping(tmp_path, text):
    err = broken(tmp_path, text)
    assert str(err) == f"{err.path}:1: a pack must be a YAML mapping with id, title, document, entities, indicators"


# --------------------------------------------------------------------------- schema errors


@pytest.mark.parametrize(
    ("old", "new", "key_path", "allowed"),
    [
        ("    kind: standard", "    kind: standard\n    colour: red", "indicators.0.colour",
         "allowed keys: id, title, clause, departments, entity, kind, applies_if"),
        ("document: 测试文件", "document: 测试文件\ncolour: red", "colour",
         "allowed keys: id, title, document, issuers, issued, source, source_text, extends, notes, jurisdiction, "
         "parameters, entities, indicators, overrides, coverage, tests"),
        ("unit: m², minimum: 0}", "unit: m², minimum: 0, colour: red}", "entities.site.fields.area.colour",
         "allowed keys: type, title, unit, entry_unit, aliases, description, minimum, maximum, not_after_as_of, "
         "default_when_absent"),
        ("quote: 面积不低于500平方米}", "quote: 面积不低于500平方米, colour: red}", "indicators.0.clause.colour",
         "allowed keys: ref, section, item, quote"),
        ("    title: {zh: 场地, en: site}", "    title: {zh: 场地, en: site, colour: red}",
         "entities.site.title.colour", "allowed keys: zh, en"),
    ],
)
def test_unknown_key_lists_the_allowed_keys(tmp_path, old, new, key_path, allowed):
    text = edit(old, new)
    err = broken(tmp_path, text)
    assert_error(err, line_of(text, "colour"), key_path, "unknown key 'colour'", allowed)


@pytest.mark.parametrize(
    ("old", "new", "key_path", "line_fragment"),
    [
        ("    departments: [市民政局]\n", "", "indicators.0.departments", "  - id: area-min"),
        (", quote: 面积不低于500平方米}", "}", "indicators.0.clause.quote", "clause:"),
        ("document: 测试文件\n", "", "document", "id: tiny"),
        ("{type: text, title: {zh: 编号, en: code}}", "{title: {zh: 编号, en: code}}", "entities.site.fields.id.type",
         "      id: {"),
        ("title: {zh: 小包, en: tiny pack}", "title: {zh: 小包}", "title.en", "title: {zh: 小包}"),
    ],
)
def test_missing_required_key(tmp_path, old, new, key_path, line_fragment):
    text = edit(old, new)
    err = broken(tmp_path, text)
    assert_error(err, line_of(text, line_fragment), key_path, "this key is required")


@pytest.mark.parametrize(
    ("old", "new", "key_path", "message"),
    [
        ("kind: standard", "kind: standart", "indicators.0.kind", "'standard', 'eligibility' or 'aggregate'"),
        ("  - id: area-min", "  - id: Area_Min", "indicators.0.id", "should match pattern"),
        ("departments: [市民政局]", "departments: []", "indicators.0.departments", "at least 1 item"),
        ("{type: text, title: {zh: 编号", "{type: string, title: {zh: 编号", "entities.site.fields.id.type",
         "'number', 'boolean', 'text' or 'date'"),
    ],
)
def test_invalid_values(tmp_path, old, new, key_path, message):
    text = edit(old, new)
    err = broken(tmp_path, text)
    assert_error(err, line_of(text, new.strip().split("\n")[0]), key_path, message)


def test_more_problems_are_counted(tmp_path):
    text = edit("kind: standard", "kind: standart\n    colour: red")
    err = broken(tmp_path, text)
    assert "(and 1 more; run 'lifeservices lint' to see all)" in str(err)


def test_indicator_needs_one_way_to_check(tmp_path):
    text = edit("    metric: area\n", "")
    err = broken(tmp_path, text)
    assert_error(err, line_of(text, "  - id: area-min"), "indicators.0",
                 "give exactly one of 'metric' (with 'rule'), 'all_of' or 'any_of'")


def test_aggregate_takes_no_metric(tmp_path):
    text = edit("    rule: 达到 100", "    metric: area\n    rule: 达到 100", PACK + AGGREGATE)
    err = broken(tmp_path, text)
    assert_error(err, line_of(text, "  - id: area-rate"), "indicators.1",
                 "an aggregate indicator takes no 'metric', 'all_of' or 'any_of'")


@pytest.mark.parametrize(
    ("rule", "key_path", "message"),
    [
        ("{comparator: 不低于, threshold: 500, colour: 1}", "indicators.0.rule.colour", "unknown key 'colour'"),
        ("{comparator: 不低于}", "indicators.0.rule.threshold", "this key is required"),
        ("500", "indicators.0.rule", "valid string"),
    ],
)
def test_rule_errors_name_the_rule_key_not_pydantic_internals(tmp_path, rule, key_path, message):
    # ``rule`` is text or a mapping (a union); pydantic's arm tags such as 'constrained-str'
    # are not keys of the pack and must not hide the real problem.
    text = edit("rule: 不低于 500", f"rule: {rule}")
    err = broken(tmp_path, text)
    assert "constrained-str" not in str(err)
    assert_error(err, line_of(text, "rule:"), key_path, message)


# --------------------------------------------------------------------------- compile errors


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("nope * 2", "unknown field 'nope'"),
        ("area.real", "attribute access is not allowed"),
        ("area.__class__", "attribute access is not allowed"),
        ("__class__", "names starting with '_' are not allowed"),
        ("open(1)", "unknown function 'open'"),
        ("__import__('os')", "names starting with '_' are not allowed"),
        ("area +", "expected a value after '+'"),
        ("area ** 2", "'**' (power) is not allowed"),
    ],
)
def test_bad_formula(tmp_path, formula, message):
    text = edit("metric: area", f"metric: {json.dumps(formula)}")
    err = broken(tmp_path, text)
    assert_error(err, line_of(text, "metric:"), "indicators.0.metric", "formula ", message)


def test_bad_formula_in_applies_if_and_shortfall(tmp_path):
    text = edit("    metric: area", "    applies_if: ok and nope\n    metric: area")
    assert_error(broken(tmp_path, text), line_of(text, "applies_if"), "indicators.0.applies_if", "unknown field 'nope'")
    text = edit("    unit: m²\n", "    unit: m²\n    shortfall:\n      formula: threshold - areaa\n"
                "      title: {zh: 差额, en: gap}\n", PACK)
    assert_error(broken(tmp_path, text), line_of(text, "formula:"), "indicators.0.shortfall.formula",
                 "unknown field 'areaa'")


def test_shortfall_may_use_threshold(tmp_path):
    text = edit("    unit: m²\n", "    unit: m²\n    shortfall:\n      formula: threshold - area\n"
                "      unit: m²\n      title: {zh: 差额, en: gap}\n")
    assert packs.load_packs([write(tmp_path, text)]).get("area-min").shortfall is not None


def test_applies_if_must_be_yes_no(tmp_path):
    text = edit("    metric: area", "    applies_if: area + 1\n    metric: area")
    assert_error(broken(tmp_path, text), line_of(text, "applies_if"), "indicators.0.applies_if",
                 "'applies_if' must be a yes/no formula")


def test_unknown_entity(tmp_path):
    text = edit("entity: site", "entity: sight")
    assert_error(broken(tmp_path, text), line_of(text, "entity: sight"), "indicators.0.entity",
                 "unknown entity 'sight'; known: site")


def test_duplicate_indicator_id(tmp_path):
    second = PACK[PACK.index("  - id: area-min"):].replace("  - id: area-min", "  - id: area-min  # again")
    text = PACK + second
    assert_error(broken(tmp_path, text), line_of(text, "# again"), "indicators.1.id",
                 "duplicate indicator id 'area-min'")


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("大约 500", "cannot read rule '大约 500'"),
        ("不低于 五百", "formula '五百': unknown field '五百'"),
        ("不低于 500 米", "unknown unit '米' in rule"),
        ("== 是", "a numeric metric needs a numeric threshold"),
        ("不低于 5万元", "the threshold's unit '万元' does not convert to 'm²'"),
    ],
)
def test_bad_rule(tmp_path, rule, message):
    text = edit("rule: 不低于 500", f"rule: {rule}")
    assert_error(broken(tmp_path, text), line_of(text, "rule:"), "indicators.0.rule", message)


def test_yes_no_metric_needs_yes_no_threshold(tmp_path):
    text = edit("metric: area", "metric: ok")
    assert_error(broken(tmp_path, text), line_of(text, "rule:"), "indicators.0.rule",
                 "a yes/no metric needs a yes/no threshold")


def test_text_metric_is_refused(tmp_path):
    text = edit("rule: 不低于 500\n    unit: m²", "rule: == 是").replace("metric: area", "metric: id")
    assert_error(broken(tmp_path, text), line_of(text, "metric:"), "indicators.0.metric",
                 "a metric must be a number, a date or yes/no, not text")


@pytest.mark.parametrize(("unit", "shown"), [("元", "'元'"), ("万m²", "'万m²'"), ("公顷", "'公顷'")])
def test_indicator_unit_must_match_the_field_unit(tmp_path, unit, shown):
    text = edit("    unit: m²\n", f"    unit: {unit}\n")
    assert_error(broken(tmp_path, text), line_of(text, f"    unit: {unit}"), "indicators.0.unit",
                 f"unit {shown} differs from the field's unit 'm²'")


def test_same_unit_in_another_spelling_is_fine(tmp_path):
    text = edit("    unit: m²\n", "    unit: ㎡\n")
    assert packs.load_packs([write(tmp_path, text)]).get("area-min").checks[0].unit == "㎡"


def test_unknown_field_unit(tmp_path):
    text = edit("unit: m², minimum: 0}", "unit: 亩, minimum: 0}")
    assert_error(broken(tmp_path, text), line_of(text, "unit: 亩"), "entities.site.fields.area.unit",
                 "unknown unit '亩'")


def test_alias_used_by_two_fields(tmp_path):
    text = edit("{zh: 投资, en: cost}", "{zh: 面积, en: cost}")
    assert_error(broken(tmp_path, text), line_of(text, "      cost:"), "entities.site.fields.cost.aliases",
                 "alias '面积' is used by both 'area' and 'cost'")


@pytest.mark.parametrize(
    ("old", "new", "key_path", "message"),
    [
        ("of: area-min", "of: area-max", "indicators.1.aggregate.of",
         "unknown indicator 'area-max' (it must come earlier)"),
        ("by: district", "by: county", "indicators.1.aggregate.by", "unknown field 'county'"),
    ],
)
def test_aggregate_errors(tmp_path, old, new, key_path, message):
    text = edit(old, new, PACK + AGGREGATE)
    assert_error(broken(tmp_path, text), line_of(text, "aggregate:"), key_path, message)


def test_aggregate_of_an_aggregate(tmp_path):
    text = PACK + AGGREGATE + AGGREGATE.replace("id: area-rate", "id: rate-of-rate").replace(
        "of: area-min", "of: area-rate")
    err = broken(tmp_path, text)
    assert_error(err, line_of(text, "of: area-rate"), "indicators.2.aggregate.of",
                 "'area-rate' is not a record-level indicator of 'site'")


# --------------------------------------------------------------------------- YAML errors


@pytest.mark.parametrize(
    ("old", "new", "next_line", "message"),
    [
        # An unclosed '[' is only noticed on the following line.
        ("    kind: standard", "    kind: [standard", 1, "invalid YAML: did not find expected ',' or ']'"),
        ("document: 测试文件", "document: 测试: 文件", 0,
         "invalid YAML: mapping values are not allowed in this context"),
        ("    entity: site", "\tentity: site", 0, "invalid YAML: found character that cannot start any token"),
    ],
)
def test_yaml_syntax_error(tmp_path, old, new, next_line, message):
    text = edit(old, new)
    err = broken(tmp_path, text)
    assert err.line == line_of(text, new.strip()) + next_line
    assert str(err).startswith(f"{err.path}:{err.line}: {message}")


def test_yaml_alias_bomb_is_refused(tmp_path):
    lines = ["id: bomb", "title: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"x{name}: &{name} [{', '.join(['*' + prev] * 9)}]")
    err = broken(tmp_path, "\n".join(lines) + "\n")
    assert str(err) == f"{err.path}:3: YAML aliases (*name) are not allowed"


def test_python_tags_are_refused(tmp_path):
    text = edit("document: 测试文件", "document: !!python/object/apply:os.system ['echo pwned']")
    err = broken(tmp_path, text)
    assert err.line == line_of(text, "!!python")
    assert "could not determine a constructor" in str(err)
