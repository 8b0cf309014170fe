"""The plan's words read on real files: the row's year, last year's base, days after the day of
assessment, more categories than exist."""

from __future__ import annotations

from datetime import date

from tests.helpers import write

from lifeservices_cli.pipeline import check_files

DISTRICT = "县（市、区）,年度,落实基本公共卫生服务类别数（类）,新增小微企业法人首贷户数（户）"


def _results(report, indicator):
    return [r for r in report.results if r.indicator == indicator]


def test_last_years_base_is_not_the_2021_figure(tmp_path):
    path = write(tmp_path, "d.csv", f"{DISTRICT},上年基数\n洮北区,2023,12,236,214\n洮北区,2022,12,236,214\n")
    report = check_files([path], lang="zh")
    info = report.inputs[0]
    assert info.columns["上年基数"] is None  # not bound to the 2021 figure
    first, second = _results(report, "first-loan-smes-above-2021")
    assert (first.status, second.status) == ("not_applicable", "missing_data")
    assert first.message == "不适用（2023年度晚于指标适用期，至 2022-12-31）"


def test_a_row_for_a_year_before_the_plan_is_not_applicable_whatever_the_day(tmp_path):
    path = write(tmp_path, "d.csv", f"{DISTRICT}\n洮北区,2021,11,\n洮北区,2022,11,\n")
    for as_of in (date(2022, 6, 1), date(2025, 1, 1)):
        report = check_files([path], lang="en", as_of=as_of)
        old, new = _results(report, "basic-public-health-categories")
        assert old.status == "not_applicable"
        assert old.message == "not applicable (the year 2021 is before the indicator took effect on 2022-11-22)"
        assert new.status == "fail"
        district = {i.id for i in report.packset.indicators if i.spec.entity == "district"}
        assert not district & set(report.not_in_force)  # the year decides, not --as-of


def test_thirteen_categories_of_twelve_are_invalid_data(tmp_path):
    path = write(tmp_path, "d.csv", f"{DISTRICT}\n洮北区,2023,13,\n")
    (result,) = _results(check_files([path], lang="zh"), "basic-public-health-categories")
    assert result.status == "invalid_data"
    assert "13 大于允许的最大值 12" in result.message


def test_a_person_born_after_the_day_of_assessment_is_invalid_data(tmp_path):
    head = "编号,出生日期,慢性病患者,残疾人,脱贫人口"
    path = write(tmp_path, "p.csv", f"{head}\nP-1,2030-01-01,否,否,否\n")
    (result,) = _results(check_files([path], lang="zh", as_of=date(2025, 1, 1)), "family-doctor-priority-group")
    assert result.status == "invalid_data"
    assert result.message == "数据无效：第2行「出生日期」：2030-01-01 晚于评估日 2025-01-01"


def test_a_graduate_checked_on_the_day_of_leaving_is_within_the_period(tmp_path):
    head = "编号,高校毕业生,离校日期,被小微企业招用,自主创业或灵活就业"
    path = write(tmp_path, "p.csv", f"{head}\nP-1,是,2024-06-30,是,是\nP-2,是,2024-07-01,是,是\n")
    report = check_files([path], lang="zh", as_of=date(2024, 6, 30))
    for ind in ("graduate-small-firm-social-insurance-subsidy", "graduate-entrepreneur-social-insurance-subsidy"):
        today, tomorrow = _results(report, ind)
        assert (today.status, tomorrow.status) == ("eligible", "invalid_data"), ind
        assert "晚于评估日" in tomorrow.message
