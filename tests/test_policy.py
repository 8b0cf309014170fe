"""Policy fidelity: every indicator quotes the plan verbatim and cites a clause that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lifeservices_cli.packs import bundled_path, load_packs

ROOT = Path(__file__).resolve().parents[1]
PLAN = (ROOT / "indicators" / "baicheng-2022-323.txt").read_text(encoding="utf-8")
PACKSET = load_packs()
INDICATORS = PACKSET.indicators
CONTRACT = {
    "new-community-facility-area": ("community", "standard", "二(二)4"),
    "facility-area-per-100-households": ("community", "standard", "二(二)4"),
    "new-compound-elderly-childcare": ("compound", "standard", "二(二)4"),
    "new-compound-elderly-childcare-rate": ("compound", "aggregate", "二(二)4"),
    "fire-acceptance-simplified": ("facility", "eligibility", "三(三)"),
}


def test_repo_indicators_folder_is_the_shipped_pack():
    assert (ROOT / "indicators" / "baicheng-2022-323.yaml").read_bytes() == bundled_path().read_bytes()


def test_contract_ids_entities_kinds_and_clauses():
    found = {i.id: (i.spec.entity, i.spec.kind, i.spec.clause.ref) for i in INDICATORS}
    assert {k: found[k] for k in CONTRACT} == CONTRACT


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.id)
def test_quote_is_verbatim(indicator):
    assert indicator.spec.clause.quote in PLAN


def _item_paragraph(ref: str) -> str:
    """The plan's paragraph for a reference such as 二(二)4 (numbered item) or 三(三) (a section)."""
    m = re.fullmatch(r"([一二三四])\((.)\)(\d*)", ref)
    assert m, ref
    if m.group(3):
        start = PLAN.index(f"\n{m.group(3)}.")
        return PLAN[start : PLAN.index("按职责分工负责", start)]
    section = PLAN.index(f"{m.group(1)}、")
    start = PLAN.index(f"({m.group(2)})", section)
    return PLAN[start : PLAN.index("按职责分工负责", start)]


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.id)
def test_quote_sits_in_the_cited_clause_and_departments_match(indicator):
    paragraph = _item_paragraph(indicator.spec.clause.ref)
    assert indicator.spec.clause.quote in paragraph
    responsible = paragraph[paragraph.rindex("(") + 1 :]
    assert indicator.spec.departments == responsible.split("、")


def test_thresholds_are_the_plans_numbers():
    rules = {i.id: [(c.comparator, c.threshold, c.unit) for c in i.checks] for i in INDICATORS}
    assert rules["new-community-facility-area"] == [(">=", 500, "m²")]
    assert rules["facility-area-per-100-households"] == [(">=", 30, "m²/100户")]
    assert rules["new-compound-elderly-childcare"] == [("==", True, None), ("==", True, None)]
    assert rules["new-compound-elderly-childcare-rate"] == [(">=", 100, "%")]
    assert rules["fire-acceptance-simplified"] == [("<=", 300, "m²"), ("<=", 300000, "元")]


def test_ambiguities_are_stated_in_the_pack():
    pack = PACKSET.packs[0][0]
    assert any("按照标准" in note and "does not say which standard" in note for note in pack.notes)
    fire = PACKSET.get("fire-acceptance-simplified").spec
    assert any("民法典 第1259条" in note for note in fire.notes)


def test_coverage_map_names_every_measure_of_the_plan():
    refs = [measure.ref for measure, _ in PACKSET.coverage]
    numbered = [ref for ref in refs if ref.startswith("二")]
    assert [int(re.sub(r"^二\(.\)", "", ref)) for ref in numbered] == list(range(1, 23))
    assert [ref for ref in refs if ref.startswith("三")] == ["三(一)", "三(二)", "三(三)", "三(四)"]


def test_coverage_cites_the_right_sub_section_and_departments():
    for measure, _ in PACKSET.coverage:
        paragraph = _item_paragraph(measure.ref)
        assert measure.title.zh in paragraph or measure.title.zh in PLAN
        responsible = paragraph[paragraph.rindex("(") + 1:]
        assert measure.departments == responsible.split("、"), measure.ref


def test_every_indicator_is_in_the_coverage_map_under_its_clause():
    covered = {i: measure.ref for measure, _ in PACKSET.coverage for i in measure.indicators}
    assert covered == {ind.id: ind.spec.clause.ref for ind in INDICATORS}


def test_measures_without_indicators_say_why():
    for measure, _ in PACKSET.coverage:
        assert measure.indicators or (measure.qualitative and measure.qualitative.zh and measure.qualitative.en)
