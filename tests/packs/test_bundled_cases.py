"""The bundled pack's own boundary cases (baicheng-2022-323.tests.yaml), run through the checker."""

from __future__ import annotations

from datetime import date
from fractions import Fraction

import pytest
import yaml

from lifeservices_cli.packs.loader import bundled_path, load_packs
from lifeservices_cli.packs.models import PackTest
from lifeservices_cli.pipeline import check_records

CASES = [
    PackTest.model_validate(case)
    for case in yaml.safe_load(bundled_path().with_name("baicheng-2022-323.tests.yaml").read_text(encoding="utf-8"))
]
PACKSET = load_packs()


def test_every_indicator_has_cases():
    tested = {e.indicator for case in CASES for e in case.expect}
    assert tested == {ind.id for ind in PACKSET.indicators}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_case(case: PackTest):
    as_of = date.fromisoformat(case.as_of) if case.as_of else None
    report = check_records(case.records, entity=case.entity, packset=PACKSET, as_of=as_of)
    for e in case.expect:
        if e.group is not None:
            (got,) = [a for a in report.aggregates if a.indicator == e.indicator and a.group == e.group]
        else:
            (got,) = [r for r in report.results if r.indicator == e.indicator and r.line == e.record]
        assert got.status == e.status, (e, got.message)
        if e.value is not None:
            want = e.value if isinstance(e.value, bool) else Fraction(str(e.value))
            assert got.value == want, (e, got.value)
        if e.gap is not None:
            assert got.gap == Fraction(str(e.gap)), (e, got.gap)
