"""Policy fidelity: every indicator quotes the plan verbatim and cites a clause that exists."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lifeservices_cli.packs.loader import bundled_path, load_packs

ROOT = Path(__file__).resolve().parents[2]
PLAN = (ROOT / "indicators" / "baicheng-2022-323.txt").read_text(encoding="utf-8")
PACKSET = load_packs()
INDICATORS = PACKSET.indicators
CONTRACT = {
    "new-community-facility-area": ("community", "standard", "二(二)4"),
    "facility-area-per-100-households": ("community", "standard", "二(二)4"),
    "new-compound-elderly-childcare": ("compound", "standard", "二(二)4"),
    "new-compound-elderly-childcare-rate": ("compound", "aggregate", "二(二)4"),
    "fire-acceptance-simplified": ("facility", "eligibility", "三(三)"),
    "basic-public-health-categories": ("district", "standard", "二(一)1"),
    "public-sports-venue-open": ("venue", "standard", "二(一)1"),
    "childcare-filing-task": ("district", "standard", "二(一)2"),
    "company-registration-online-one-day-free": ("district", "standard", "二(七)19"),
    "joint-program-enrollment-rising": ("district", "standard", "二(七)20"),
    "first-loan-smes-above-2021": ("district", "standard", "三(二)"),
    "first-loan-share-rising": ("district", "standard", "三(二)"),
    "loan-enterprises-increasing": ("district", "standard", "三(二)"),
    "family-doctor-priority-group": ("person", "eligibility", "二(一)1"),
    "graduate-small-firm-social-insurance-subsidy": ("person", "eligibility", "二(四)11"),
    "graduate-entrepreneur-social-insurance-subsidy": ("person", "eligibility", "二(四)11"),
}


def test_repo_indicators_folder_is_the_shipped_pack():
    assert (ROOT / "indicators" / "baicheng-2022-323.yaml").read_bytes() == bundled_path().read_bytes()


def test_contract_ids_entities_kinds_and_clauses():
    found = {i.id: (i.spec.entity, i.spec.kind, i.spec.clause.ref) for i in INDICATORS}
    assert found == CONTRACT  # every indicator, none unlisted


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.id)
def test_quote_is_verbatim(indicator):
    assert indicator.spec.clause.quote in PLAN


def _item_paragraph(ref: str) -> str:
    """The plan's paragraph for a reference such as 二(二)4 (numbered item) or 三(三) (a section)."""
    if ref == "一":
        return PLAN[PLAN.index("一、行动目标") : PLAN.index("二、实施重点工程")]
    m = re.fullmatch(r"([一二三四])\((.)\)(\d*)", ref)
    assert m, ref
    if m.group(3):
        start = PLAN.index(f"\n{m.group(3)}.")
        return PLAN[start : PLAN.index("按职责分工负责", start)]
    section = PLAN.index(f"\n{m.group(1)}、")
    start = PLAN.index(f"({m.group(2)})", section)
    if m.group(1) == "四":  # 组织实施 names no departments: each sub-section runs to the next
        end = PLAN.find("\n(", start + 1)
        return PLAN[start : end if end > 0 else len(PLAN)]
    return PLAN[start : PLAN.index("按职责分工负责", start)]


@pytest.mark.parametrize("indicator", INDICATORS, ids=lambda i: i.id)
def test_quote_sits_in_the_cited_clause_and_departments_match(indicator):
    paragraph = _item_paragraph(indicator.spec.clause.ref)
    assert indicator.spec.clause.quote in paragraph
    responsible = paragraph[paragraph.rindex("(") + 1 :]
    assert indicator.spec.departments == responsible.split("、")


def _threshold(check):
    return check.threshold if check.threshold_formula is None else check.threshold_formula.text


def test_thresholds_are_the_plans_numbers():
    rules = {i.id: [(c.comparator, _threshold(c), c.unit) for c in i.checks] for i in INDICATORS}
    assert rules == {
        "new-community-facility-area": [(">=", 500, "m²")],  # 不低于500平方米
        "facility-area-per-100-households": [(">=", 30, "m²/100户")],  # 每百户…不低于30平方米
        "new-compound-elderly-childcare": [("==", True, None), ("==", True, None)],  # 按照标准配建
        "new-compound-elderly-childcare-rate": [(">=", 100, "%")],  # 达标率100%
        "fire-acceptance-simplified": [("<=", 300, "m²"), ("<=", 300000, "元")],  # 300平方米以下或30万元以下
        "basic-public-health-categories": [(">=", 12, "类")],  # 12类
        "public-sports-venue-open": [("==", True, None)],  # 免费或低收费向社会开放
        "childcare-filing-task": [(">=", "childcare_filing_task", "个")],  # 完成年度备案任务
        "company-registration-online-one-day-free": [("==", True, None), ("<=", 1, "天"), ("==", 0, "元")],
        "joint-program-enrollment-rising": [(">", "joint_program_enrollment_prev", "人")],  # 扩大招生规模
        "first-loan-smes-above-2021": [(">", "new_first_loan_smes_2021", "户")],  # 高于2021年
        "first-loan-share-rising": [
            (">", "new_loan_first_loan_enterprises_prev / new_loan_enterprises_prev * 100", "%")  # 提升…占比
        ],
        "loan-enterprises-increasing": [(">", "loan_enterprises_prev", "户")],  # 增加…企业户数
        "family-doctor-priority-group": [  # 0-6岁儿童、65岁及以上老年人
            ("<=", 6, "年"),
            (">=", 65, "年"),
            ("==", True, None),
            ("==", True, None),
            ("==", True, None),
        ],
        "graduate-small-firm-social-insurance-subsidy": [  # 离校2年内
            (">=", "graduation_date", None),
            ("<=", "add_years(graduation_date, 2)", None),
        ],
        "graduate-entrepreneur-social-insurance-subsidy": [  # 离校3年内
            (">=", "graduation_date", None),
            ("<=", "add_years(graduation_date, 3)", None),
        ],
    }
    health = PACKSET.entities["district"].spec.fields["public_health_service_categories"]
    assert health.maximum == 12  # 12类 of 12: 13 is a data error


def test_district_rows_are_judged_by_their_year():
    assert PACKSET.entities["district"].spec.reporting_year == "year"
    first_loan = PACKSET.get("first-loan-smes-above-2021").spec
    assert (first_loan.effective_from, first_loan.effective_to) == ("2022-11-22", "2022-12-31")  # 全年 = 2022


def test_last_years_base_is_not_read_as_the_2021_figure():
    aliases = PACKSET.entities["district"].aliases
    assert "上年基数" not in aliases


def test_dates_after_the_day_of_assessment_are_screened():
    fields = PACKSET.entities["person"].spec.fields
    assert all(fields[f].not_after_as_of for f in ("birth_date", "graduation_date", "hired_on", "started_on"))


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
    assert [ref for ref in refs if ref.startswith("四")] == ["四(一)", "四(二)", "四(三)", "四(四)"]
    assert refs[0] == "一"
    assert len(refs) == 1 + 22 + 4 + 4  # the whole plan, nothing else


def test_coverage_cites_the_right_sub_section_and_departments():
    for measure, _ in PACKSET.coverage:
        paragraph = _item_paragraph(measure.ref)
        assert measure.title.zh in paragraph or measure.title.zh in PLAN
        if measure.ref.startswith("四") or measure.ref == "一":
            assert measure.departments == [], measure.ref  # the plan names no department there
            continue
        responsible = paragraph[paragraph.rindex("(") + 1:]
        assert measure.departments == responsible.split("、"), measure.ref


def test_every_indicator_is_in_the_coverage_map_under_its_clause():
    covered = {i: measure.ref for measure, _ in PACKSET.coverage for i in measure.indicators}
    assert covered == {ind.id: ind.spec.clause.ref for ind in INDICATORS}


def test_measures_without_indicators_say_why():
    for measure, _ in PACKSET.coverage:
        assert measure.indicators or (measure.qualitative and measure.qualitative.zh and measure.qualitative.en)


def test_measures_with_indicators_say_what_stays_unchecked():
    """An item with indicators still lists the statements of the same item no indicator checks."""
    for measure, _ in PACKSET.coverage:
        if measure.indicators:
            assert measure.qualitative and "未编码" in measure.qualitative.zh, measure.ref


@pytest.mark.parametrize(
    ("ref", "words"),
    [
        ("三(二)", ["首贷", "融资成本稳中有降"]),
        ("二(七)19", ["预约办", "邮递办", "不打烊"]),
        ("二(二)4", ["幼儿园", "体育场地设施用地标准"]),
        ("二(七)20", ["联合办学院校、专业规模"]),
        ("四(三)", ["统计监测"]),
    ],
)
def test_the_unchecked_statements_named_by_the_review_are_in_the_map(ref, words):
    (measure,) = [m for m, _ in PACKSET.coverage if m.ref == ref]
    text = (measure.qualitative.zh if measure.qualitative else "") + measure.title.zh
    assert all(w in text for w in words), ref


def test_no_quantity_claim_where_the_plan_has_a_comparison():
    (enrol,) = [m for m, _ in PACKSET.coverage if m.ref == "二(七)20"]
    assert "joint-program-enrollment-rising" in enrol.indicators
    assert "没有数量标准。" != (enrol.qualitative.zh if enrol.qualitative else "")


def test_sections_cite_the_plans_brackets():
    for ind in INDICATORS:
        for heading in ind.spec.clause.section.split(" "):  # e.g. 二、实施重点工程 and (二)服务设施场地补齐工程
            assert f"\n{heading}\n" in PLAN, (ind.id, heading)
