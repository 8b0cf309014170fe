"""``lifeservices explain ID``: everything about one indicator in one place.

The clause and its quote, the rule in the plan's words and in symbols (each dated version
with the text that set it), the formulas, the fields it reads with every header the reader
accepts for them, the departments, when it is in force, where an adapted pack changed it,
its notes, and a worked example checked by the real pipeline.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.packs.packset import PackSet

from .common import find_indicator, hide_machine_paths
from .example import record_fields, worked_example
from .listing import applies_text, check_dict, rule_text
from .template import field_header


def field_rows(packset: PackSet, ind: CompiledIndicator, lang: Lang) -> list[dict[str, Any]]:
    entity = packset.entities[ind.spec.entity]
    rows = []
    for name in record_fields(packset, ind):
        spec = entity.spec.fields[name]
        rows.append(
            {
                "field": name,
                "title": spec.title.get(lang),
                "type": spec.type,
                "unit": spec.unit,
                "entry_unit": spec.entry_unit,
                "header": field_header(spec, lang),
                "aliases": [spec.title.zh, spec.title.en, *spec.aliases],
                "default_when_absent": spec.default_when_absent,
                "description": spec.description,
            }
        )
    return rows


def _versions(ind: CompiledIndicator, lang: Lang) -> list[dict[str, Any]]:
    out = []
    for number, crit in enumerate(ind.criteria, start=1):
        for start, check in crit.versions:
            out.append(
                {
                    "criterion": number,
                    "from": start.isoformat() if start else None,
                    "rule": check.rule_text("zh"),
                    "symbols": check.rule_text("en"),
                    "reference": check.reference,
                }
            )
    return out


def explain(packset: PackSet, indicator_id: str, lang: Lang, as_of: date | None = None) -> dict[str, Any]:
    """What ``explain`` shows, as data (the JSON of ``explain --format json``)."""
    ind = find_indicator(packset, indicator_id)
    spec = ind.spec
    today = as_of or date.today()
    in_force = ind.checks_at(today)
    checks = in_force or ind.checks
    entity = packset.entities[spec.entity]
    example = worked_example(packset, ind, today, lang)
    return {
        "id": ind.id,
        "title": spec.title.get(lang),
        "pack": ind.pack_id,
        "entity": {"name": spec.entity, "title": entity.spec.title.get(lang)},
        "kind": spec.kind,
        "clause": spec.clause.model_dump(),
        "rule": rule_text(ind, lang, checks),
        "rule_words": rule_text(ind, "zh", checks),
        "rule_symbols": rule_text(ind, lang, checks, symbols=True),
        "combine": ind.combine,
        "applies_if": (
            {"formula": ind.applies_if.text, "title": applies_text(ind, lang)} if ind.applies_if is not None else None
        ),
        "checks": [check_dict(c, lang) for c in checks],
        "aggregate": spec.aggregate.model_dump() if spec.aggregate is not None else None,
        "shortfall": (
            {"formula": spec.shortfall.formula, "unit": spec.shortfall.unit, "title": spec.shortfall.title.get(lang)}
            if spec.shortfall is not None
            else None
        ),
        "fields": field_rows(packset, ind, lang),
        "departments": spec.departments,
        "effective_from": spec.effective_from,
        "effective_to": spec.effective_to,
        "as_of": today.isoformat(),
        "in_force": in_force is not None,
        "versions": _versions(ind, lang),
        "origin": {key: hide_machine_paths(where) for key, where in ind.origin.items()},
        "notes": spec.notes,
        "example": {
            "as_of": example.as_of.isoformat(),
            "by": example.by,
            "records": [asdict(r) for r in example.records],
            "aggregates": example.aggregates,
        },
    }
