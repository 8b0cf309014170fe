"""SARIF 2.1.0, for code-scanning tools: one rule per indicator (title, clause and quote, help
with the rule and departments), one result per failing, invalid or missing check.

Each result points at its record (file and line) and carries ``partialFingerprints`` made from
the indicator and the record's id, so a baseline survives reordered rows. Failing aggregates
point at the first input of their entity and name their district as a logical location. The
output validates against the official SARIF 2.1.0 JSON schema (see the tests).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from lifeservices_cli import __version__
from lifeservices_cli.engine import FAIL, INVALID, MISSING, AggregateResult, Result
from lifeservices_cli.i18n import Lang
from lifeservices_cli.numbers import ZERO, to_json
from lifeservices_cli.packs import CompiledIndicator
from lifeservices_cli.render.common import clean, group_name, labelled, results_with, rule_text
from lifeservices_cli.render.words import w
from lifeservices_cli.report import Report
from lifeservices_cli.sources.model import file_of

SCHEMA = "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
LEVELS = {FAIL: "error", INVALID: "error", MISSING: "warning"}
FINGERPRINT = "lifeservicesRecord/v1"


def uri(path: str) -> str:
    """A file path as a URI reference: relative paths stay relative, percent-encoded."""
    pure = PurePath(path)
    if pure.is_absolute():
        return pure.as_uri()
    return quote(pure.as_posix(), safe="/")


def fingerprint(indicator: str, key: str) -> str:
    return hashlib.sha256(json.dumps([indicator, key], ensure_ascii=False).encode()).hexdigest()


def _pascal(identifier: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in identifier.split("-"))


def _rule(ind: CompiledIndicator, lang: Lang) -> dict[str, Any]:
    spec = ind.spec
    title = spec.title.get(lang)
    departments = w("list_sep", lang).join(spec.departments)
    help_lines = [
        labelled("rule", rule_text(ind, lang), lang),
        labelled("clause", f"{spec.clause.ref} {spec.clause.quote}", lang),
        labelled("departments", departments, lang),
        *spec.notes,
    ]
    return {
        "id": ind.id,
        "name": _pascal(ind.id),
        "shortDescription": {"text": title},
        "fullDescription": {"text": f"{spec.clause.ref} {title}: {spec.clause.quote}"},
        "help": {"text": "\n".join(help_lines)},
        "defaultConfiguration": {"level": "error"},
        "properties": {
            "clause": spec.clause.ref,
            "quote": spec.clause.quote,
            "departments": list(spec.departments),
            "kind": spec.kind,
            "entity": spec.entity,
            "tags": ["lifeservices", spec.kind, spec.entity],
        },
    }


def _location(path: str, line: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(clean(path))}}
    if line > 0:
        physical["region"] = {"startLine": line}
    return {"physicalLocation": physical}


def _result(r: Result, index: int) -> dict[str, Any]:
    key = r.record_id or r.record_name or f"{r.source}:{r.line}"
    return {
        "ruleId": r.indicator,
        "ruleIndex": index,
        "kind": "fail",
        "level": LEVELS[r.status],
        "message": {"text": clean(r.message)},
        "locations": [_location(file_of(r.source), r.line)],
        "partialFingerprints": {FINGERPRINT: fingerprint(r.indicator, clean(key))},
        "properties": {
            "status": r.status,
            "recordId": clean(r.record_id) or None,
            "recordName": clean(r.record_name) or None,
            "district": clean(r.district) or None,
            "value": to_json(r.value, r.threshold),
            "threshold": to_json(r.threshold, r.value),
            "comparator": r.comparator,
            "unit": r.unit,
            "gap": to_json(r.gap, ZERO),
        },
    }


def _aggregate(a: AggregateResult, index: int, report: Report, entity: str) -> dict[str, Any]:
    group = group_name(a.group, report.lang)
    location: dict[str, Any] = {"logicalLocations": [{"name": group, "kind": "namespace"}]}
    first = next((i.path for i in report.inputs if i.entity == entity), None)
    if first is not None:
        location.update(_location(first, 0))
    return {
        "ruleId": a.indicator,
        "ruleIndex": index,
        "kind": "fail",
        "level": LEVELS[a.status],
        "message": {"text": clean(a.message)},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT: fingerprint(a.indicator, f"group:{clean(a.group)}")},
        "properties": {
            "status": a.status,
            "group": clean(a.group) or None,
            "value": to_json(a.value, a.threshold),
            "numerator": a.numerator,
            "denominator": a.denominator,
            "unknown": a.unknown,
        },
    }


def render(report: Report) -> str:
    """The SARIF log as JSON text."""
    lang = report.lang
    indicators = report.packset.indicators
    index = {ind.id: n for n, ind in enumerate(indicators)}
    entities = {ind.id: ind.spec.entity for ind in indicators}
    results = [_result(r, index[r.indicator]) for r in results_with(report, LEVELS)]
    results += [
        _aggregate(a, index[a.indicator], report, entities[a.indicator])
        for a in report.aggregates
        if a.status in LEVELS
    ]
    log = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lifeservices-cli",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "rules": [_rule(ind, lang) for ind in indicators],
                    }
                },
                "language": "zh-CN" if lang == "zh" else "en-US",
                "columnKind": "unicodeCodePoints",
                "results": results,
                "properties": {"packs": report.header()["packs"], "summary": report.summary()},
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"
