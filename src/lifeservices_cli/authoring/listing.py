"""``lifeservices indicators list``: the indicators of the packs, and the plan's measures that
the packs document but cannot check (coverage entries with a ``qualitative`` reason)."""

from __future__ import annotations

from typing import Any

from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.packs.compiler import Check, CompiledIndicator
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.semantics.numbers import to_json

_JOIN = {"all": {"zh": " 且 ", "en": " and "}, "any": {"zh": " 或 ", "en": " or "}}


def check_text(check: Check, lang: Lang, *, symbols: bool = False) -> str:
    """``service_facility_area 不低于 500 m²`` (``symbols``: ``>= 500 m²``, whatever the language)."""
    return f"{check.metric.text} {check.rule_text('en' if symbols else lang)}"


def aggregate_text(ind: CompiledIndicator, check: Check, lang: Lang, *, symbols: bool = False) -> str:
    agg = ind.spec.aggregate
    assert agg is not None
    rule = check.rule_text("en" if symbols else lang)
    return t("authoring.aggregate_rule", lang, by=agg.by, of=agg.of, rule=rule)


def rule_text(
    ind: CompiledIndicator, lang: Lang, checks: tuple[Check, ...] | None = None, *, symbols: bool = False
) -> str:
    """The whole rule of an indicator in one line, with its condition: ``新建社区：… 不低于 500 m²``."""
    checks = ind.checks if checks is None else checks
    if ind.spec.kind == "aggregate":
        text = aggregate_text(ind, checks[0], lang, symbols=symbols)
    else:
        parts = [check_text(c, lang, symbols=symbols) for c in checks]
        text = _JOIN[ind.combine][lang].join(parts) if len(parts) > 1 else parts[0]
    condition = applies_text(ind, lang)
    if condition:
        text = t("punct.labelled", lang, label=condition, text=text)
    return text


def applies_text(ind: CompiledIndicator, lang: Lang) -> str | None:
    if ind.applies_if is None:
        return None
    return ind.spec.applies_title.get(lang) if ind.spec.applies_title else ind.applies_if.text


def check_dict(check: Check, lang: Lang) -> dict[str, Any]:
    return {
        "metric": check.metric.text,
        "title": check.title.get(lang),
        "comparator": check.comparator,
        "word": check.word,
        "threshold": to_json(check.threshold) if check.threshold_formula is None else None,
        "threshold_formula": check.threshold_formula.text if check.threshold_formula is not None else None,
        "unit": check.unit,
        "rule": check.rule_text(lang),
    }


def indicator_row(ind: CompiledIndicator, lang: Lang) -> dict[str, Any]:
    """One indicator for ``indicators list --format json``."""
    spec = ind.spec
    return {
        "id": ind.id,
        "title": spec.title.get(lang),
        "entity": spec.entity,
        "kind": spec.kind,
        "clause": {"ref": spec.clause.ref, "quote": spec.clause.quote},
        "rule": rule_text(ind, lang),
        "combine": ind.combine,
        "applies_if": ind.applies_if.text if ind.applies_if is not None else None,
        "checks": [check_dict(c, lang) for c in ind.checks],
        "aggregate": spec.aggregate.model_dump() if spec.aggregate is not None else None,
        "departments": spec.departments,
        "effective_from": spec.effective_from,
        "effective_to": spec.effective_to,
        "pack": ind.pack_id,
    }


def qualitative_rows(packset: PackSet, lang: Lang) -> list[dict[str, Any]]:
    """The plan's measures the packs document as not checkable from data, with the reason."""
    return [
        {
            "ref": measure.ref,
            "title": measure.title.get(lang),
            "departments": measure.departments,
            "indicators": measure.indicators,
            "reason": measure.qualitative.get(lang),
            "pack": pack_id,
        }
        for measure, pack_id in packset.coverage
        if measure.qualitative is not None
    ]


def listing(packset: PackSet, lang: Lang, *, everything: bool = False) -> dict[str, Any]:
    """``{"indicators": [...]}``, and with ``everything`` also ``"not_checkable": [...]``."""
    out: dict[str, Any] = {"indicators": [indicator_row(i, lang) for i in packset.indicators]}
    if everything:
        out["not_checkable"] = qualitative_rows(packset, lang)
        out["coverage_map"] = bool(packset.coverage)
    return out
