"""The engine's semantics: exact decimals, three-valued logic, gaps, shortfalls, aggregates."""

from __future__ import annotations

from fractions import Fraction

import pytest

from helpers import COMMUNITY_HEADER, COMPOUND_HEADER, FACILITY_HEADER, by_indicator, check_csv, status_of

AREA = "new-community-facility-area"
PER100 = "facility-area-per-100-households"
COMPOUND = "new-compound-elderly-childcare"
RATE = "new-compound-elderly-childcare-rate"
FIRE = "fire-acceptance-simplified"


@pytest.mark.parametrize(
    ("households", "area", "status", "value"),
    [
        ("111", "33.3", "pass", Fraction(30)),  # exactly 30 per 100 households: 不低于 includes it
        ("111", "33.29", "fail", Fraction(3329, 111)),
        ("3", "1", "pass", Fraction(100, 3)),  # a repeating decimal compares exactly
        ("1000", "299.999", "fail", Fraction(299999, 10000)),
        ("1000", "300", "pass", Fraction(30)),
    ],
)
def test_per_100_households_is_exact(tmp_path, households, area, status, value):
    report = check_csv(tmp_path, COMMUNITY_HEADER, f"C1,甲,洮北区,否,是,{households},{area}")
    (result,) = by_indicator(report, PER100)
    assert result.status == status
    assert result.value == value
    assert result.gap == value - 30


def test_shortfall_is_the_area_still_to_provide(tmp_path):
    report = check_csv(tmp_path, COMMUNITY_HEADER, "C1,甲,洮北区,是,是,1800,480")
    area, per100 = by_indicator(report, AREA)[0], by_indicator(report, PER100)[0]
    assert (area.status, area.gap, area.shortfall) == ("fail", Fraction(-20), Fraction(20))
    # 30 m² per 100 households × 1800 households = 540 m²; 480 m² built → 60 m² to go.
    assert (per100.status, per100.shortfall) == ("fail", Fraction(60))
    assert "60 m² still to be provided" in per100.message


@pytest.mark.parametrize(
    ("is_new", "area", "status"),
    [
        ("是", "500", "pass"),
        ("是", "499.99", "fail"),
        ("否", "10", "not_applicable"),
        ("", "600", "missing_data"),
        ("是", "", "missing_data"),
        ("是", "五百", "invalid_data"),
    ],
)
def test_new_community_area(tmp_path, is_new, area, status):
    report = check_csv(tmp_path, COMMUNITY_HEADER, f"C1,甲,洮北区,{is_new},是,100,{area}")
    assert status_of(report, AREA, "C1") == status


def test_division_by_zero_is_invalid_data_not_a_crash(tmp_path):
    report = check_csv(tmp_path, COMMUNITY_HEADER, "C1,甲,洮北区,否,是,0,300")
    (result,) = by_indicator(report, PER100)
    assert result.status == "invalid_data"
    assert "division by zero" in result.message


def test_negative_area_is_invalid_data_naming_column_and_line(tmp_path):
    report = check_csv(tmp_path, COMMUNITY_HEADER, "C1,甲,洮北区,是,是,100,-5")
    (result,) = by_indicator(report, AREA)
    assert result.status == "invalid_data"
    assert "line 2" in result.message and "综合服务设施面积（平方米）" in result.message


def test_a_bad_cell_does_not_stop_the_other_checks_of_its_row(tmp_path):
    report = check_csv(tmp_path, COMMUNITY_HEADER, "C1,甲,洮北区,是,是,abc,600")
    assert status_of(report, AREA, "C1") == "pass"
    assert status_of(report, PER100, "C1") == "invalid_data"


@pytest.mark.parametrize(
    ("floor", "investment", "status"),
    [
        ("300", "", "eligible"),  # 以下 includes 300, and the known half decides "or"
        ("", "30", "eligible"),  # 30万元 以下 decides even with the area blank
        ("300.01", "30.01", "not_eligible"),
        ("301", "", "missing_data"),  # the area fails, the investment could still qualify
        ("", "", "missing_data"),
        ("abc", "50", "invalid_data"),
        ("abc", "20", "eligible"),
        ("1000", "30", "eligible"),
    ],
)
def test_fire_acceptance_or_with_three_valued_logic(tmp_path, floor, investment, status):
    report = check_csv(tmp_path, FACILITY_HEADER, f"F1,站,洮北区,{floor},{investment}")
    assert status_of(report, FIRE, "F1") == status


def test_fire_acceptance_investment_in_wan_yuan(tmp_path):
    report = check_csv(tmp_path, FACILITY_HEADER, "F1,站,洮北区,400,30")
    (result,) = by_indicator(report, FIRE)
    assert result.status == "eligible"
    assert (result.value, result.threshold, result.unit) == (Fraction(300000), Fraction(300000), "元")


@pytest.mark.parametrize(
    ("elderly", "childcare", "status"),
    [
        ("是", "是", "pass"),
        ("是", "否", "fail"),
        ("否", "", "fail"),
        ("", "是", "missing_data"),
        ("x", "是", "invalid_data"),
    ],
)
def test_compound_needs_both_facilities(tmp_path, elderly, childcare, status):
    report = check_csv(tmp_path, COMPOUND_HEADER, f"X1,园,洮北区,是,{elderly},{childcare}")
    assert status_of(report, COMPOUND, "X1") == status


def _rate(report, group):
    (agg,) = [a for a in report.aggregates if a.indicator == RATE and a.group == group]
    return agg


def test_rate_per_district_with_three_valued_logic(tmp_path):
    report = check_csv(
        tmp_path,
        COMPOUND_HEADER,
        "A1,园,甲区,是,是,是",
        "A2,园,甲区,是,是,是",  # all pass → pass
        "B1,园,乙区,是,是,否",
        "B2,园,乙区,是,,是",  # one known failure decides → fail
        "C1,园,丙区,是,是,是",
        "C2,园,丙区,是,,是",  # undecided → missing_data
        "D1,园,丁区,否,否,否",  # nothing applicable → not_applicable
        "E1,园,戊区,是,是,是",
        "E2,园,戊区,是,abc,是",  # undecided with an unreadable cell → invalid_data
    )
    a, b, c, d, e = (_rate(report, g) for g in ("甲区", "乙区", "丙区", "丁区", "戊区"))
    assert (a.status, a.value, a.numerator, a.denominator, a.unknown) == ("pass", Fraction(100), 2, 2, 0)
    assert (b.status, b.value, b.numerator, b.denominator, b.unknown) == ("fail", Fraction(0), 0, 1, 1)
    assert (c.status, c.unknown) == ("missing_data", 1)
    assert (d.status, d.denominator) == ("not_applicable", 0)
    assert e.status == "invalid_data"
    assert report.summary()["aggregates"] == {
        "checks": 5,
        "pass": 1,
        "fail": 1,
        "not_applicable": 1,
        "missing_data": 1,
        "invalid_data": 1,
    }


def test_rate_groups_blank_district_together(tmp_path):
    report = check_csv(tmp_path, COMPOUND_HEADER, "A1,园,,是,是,否")
    agg = _rate(report, None)
    assert agg.status == "fail"
    assert "(blank)" in agg.message


def test_every_record_appears_and_counts_add_up(tmp_path):
    rows = [f"C{n},社区{n},洮北区,{'是' if n % 2 else '否'},是,{n * 10},{n * 7}" for n in range(1, 41)]
    report = check_csv(tmp_path, COMMUNITY_HEADER, *rows, "bad,row,with,too,many,cells,1,2,3")
    summary = report.summary()
    assert summary["records"] == 41
    assert summary["checks"] == 82 == len(report.results)
    assert sum(summary[s] for s in ("pass", "fail", "not_applicable", "missing_data", "invalid_data")) == 82
    assert {r.line for r in report.results} == set(range(2, 43))
    assert all(r.status == "invalid_data" for r in report.results if r.line == 42)


def test_chinese_messages(tmp_path):
    report = check_csv(tmp_path, COMMUNITY_HEADER, "C1,甲,洮北区,是,是,1800,480", lang="zh")
    (area,) = by_indicator(report, AREA)
    assert area.message == "综合服务设施面积 = 480 m²（不低于 500 m²），还需补足 20 m²"


def test_absent_is_urban_column_defaults_to_urban_and_says_so(tmp_path):
    header = "社区编码,社区名称,县（市、区）,是否新建,户数（户）,综合服务设施面积（平方米）"
    report = check_csv(tmp_path, header, "C1,甲,洮北区,否,100,20")
    assert status_of(report, PER100, "C1") == "fail"
    assert any("every record is taken as yes" in w for w in report.warnings())


def test_exit_codes_follow_fail_on(tmp_path):
    only_missing = check_csv(tmp_path, COMMUNITY_HEADER, "C1,甲,洮北区,否,是,100,", name="m.csv")
    assert (only_missing.exit_code("any"), only_missing.exit_code("fail"), only_missing.exit_code("never")) == (1, 0, 0)
    failing = check_csv(tmp_path, COMMUNITY_HEADER, "C1,甲,洮北区,否,是,100,20", name="f.csv")
    assert (failing.exit_code("any"), failing.exit_code("fail"), failing.exit_code("never")) == (1, 1, 0)
    clean = check_csv(tmp_path, COMMUNITY_HEADER, "C1,甲,洮北区,否,是,100,30", name="c.csv")
    assert clean.exit_code("any") == 0


def test_not_eligible_is_not_a_failure(tmp_path):
    report = check_csv(tmp_path, FACILITY_HEADER, "F1,站,洮北区,900,90")
    assert status_of(report, FIRE, "F1") == "not_eligible"
    assert report.exit_code("any") == 0


def test_indicators_take_effect_on_the_plans_issue_date(tmp_path):
    from datetime import date

    from helpers import write
    from lifeservices_cli.pipeline import check_files

    path = write(tmp_path, "f.csv", f"{FACILITY_HEADER}\nF1,站,洮北区,100,10\n")
    before = check_files([path], as_of=date(2022, 11, 21))
    assert before.results == [] and FIRE in before.not_in_force
    assert before.to_dict()["not_in_force"][0] == "new-community-facility-area"
    on_the_day = check_files([path], as_of=date(2022, 11, 22))
    assert [r.status for r in on_the_day.results] == ["eligible"]
    assert on_the_day.to_dict()["as_of"] == "2022-11-22"
