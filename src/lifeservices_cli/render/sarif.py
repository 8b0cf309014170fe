"""SARIF 2.1.0, for code-scanning tools: one rule per indicator (title, clause and quote, help
with the rule and departments), one result per failing, invalid or missing check.

Results come most important first: failing aggregates (a district's rate), then fails, invalid
and missing data. GitHub code scanning refuses a run of more than 25,000 results or a file over
10 MB gzipped, so at most ``MAX_RESULTS`` are listed, fewer if the gzipped log would pass
``MAX_GZIP``; a notification in ``invocations`` says how many were left out and where the full
report is. Each result points at its record (file and line) and carries ``partialFingerprints``
(``primaryLocationLineHash``, the one GitHub matches on, and our own) made from the input, the
indicator and the record's id, so a baseline survives reordered rows, and the same id in two
files stays two alerts. Failing aggregates point at the header line of the first input of their
entity and name their district as a logical location. The output validates against the official
SARIF 2.1.0 JSON schema (see the tests).
"""

from __future__ import annotations

import hashlib
import json
import zlib
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from lifeservices_cli._version import __version__
from lifeservices_cli.engine.results import FAIL, INVALID, MISSING, AggregateResult, Result
from lifeservices_cli.i18n import Lang, t, w
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.render.common import clean, group_name, labelled, record_key, rule_text
from lifeservices_cli.render.problems import worst_by
from lifeservices_cli.report.model import Report
from lifeservices_cli.semantics.numbers import ZERO, to_json
from lifeservices_cli.sources.model import file_of

#: The OASIS standard's schema (2.1.0 with its errata 01), as SARIF validators and GitHub name it.
SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://pypi.org/project/lifeservices-cli/"
LEVELS = {FAIL: "error", INVALID: "error", MISSING: "warning"}
#: Most important first.
RANK = {FAIL: 0, INVALID: 1, MISSING: 2}
FINGERPRINT = "lifeservicesRecord/v2"
#: GitHub code scanning: at most 25,000 results per run, at most 10 MB gzipped per upload.
MAX_RESULTS = 25_000
MAX_GZIP = 9_500_000  # under 10 MB, with room for the rules and the head


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
    physical: dict[str, Any] = {"artifactLocation": {"uri": uri(clean(path))}, "region": {"startLine": max(line, 1)}}
    return {"physicalLocation": physical}


def _prints(source: str | None, indicator: str, key: str) -> dict[str, str]:
    digest = fingerprint(indicator, f"{clean(source)}\n{key}")
    return {"primaryLocationLineHash": f"{digest[:16]}:1", FINGERPRINT: digest}


def _result(r: Result, index: int) -> dict[str, Any]:
    # what identifies the record, never its position when something does (a district row: district and year)
    key = clean(r.record_id or r.record_name) or (f"record:{record_key(r)}" if record_key(r) else f"line:{r.line}")
    return {
        "ruleId": r.indicator,
        "ruleIndex": index,
        "kind": "fail",
        "level": LEVELS[r.status],
        "message": {"text": clean(r.message)},
        "locations": [_location(file_of(r.source), r.line)],
        "partialFingerprints": _prints(r.source, r.indicator, key),
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
        location.update(_location(first, 1))  # the header line: the file as a whole
    return {
        "ruleId": a.indicator,
        "ruleIndex": index,
        "kind": "fail",
        "level": LEVELS[a.status],
        "message": {"text": clean(a.message)},
        "locations": [location],
        "partialFingerprints": _prints(first, a.indicator, f"group:{clean(a.group)}"),
        "properties": {
            "status": a.status,
            "group": clean(a.group) or None,
            "value": to_json(a.value, a.threshold),
            "numerator": a.numerator,
            "denominator": a.denominator,
            "unknown": a.unknown,
        },
    }


def render(report: Report, full_report: str | None = None) -> str:
    """The SARIF log as JSON text, within GitHub code scanning's limits.

    ``full_report``: where the run wrote its full report (named in the notice of what was left out).
    """
    lang = report.lang
    indicators = report.packset.indicators
    index = {ind.id: n for n, ind in enumerate(indicators)}
    entities = {ind.id: ind.spec.entity for ind in indicators}
    aggregates = [
        _aggregate(a, index[a.indicator], report, entities[a.indicator])
        for a in sorted((a for a in report.aggregates if a.status in LEVELS), key=lambda a: RANK[a.status])
    ]
    room = max(MAX_RESULTS - len(aggregates), 0) if report.listing != "none" else 0  # --results none
    picked = worst_by(report, room, (), LEVELS, RANK).get(())
    kept = sorted(picked.items(), key=lambda r: RANK[r.status]) if picked else []  # stable: input order within
    total = len(aggregates) + (picked.total if picked else 0)
    del picked
    # each result as its JSON text at once (a dict per result would hold ~10× the memory), each
    # ``Result`` let go as soon as it is text
    results = [_dump(x) for x in aggregates[:MAX_RESULTS]]
    kept.reverse()
    while kept and len(results) < MAX_RESULTS:
        r = kept.pop()
        results.append(_dump(_result(r, index[r.indicator])))
    del kept
    while True:
        text = _log(report, lang, indicators, results, total, full_report)
        if len(results) <= 1 or _gzipped_size(text) <= MAX_GZIP:
            return text
        results = results[: len(results) * 3 // 4]  # the least important go first


def _gzipped_size(text: str, piece: int = 1 << 20) -> int:
    """The size of ``text`` gzipped (level 6, as GitHub's upload does), a megabyte at a time: a
    25,000-result log is never encoded whole beside itself."""
    packer = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip header and trailer
    size = sum(len(packer.compress(text[i : i + piece].encode())) for i in range(0, len(text), piece))
    return size + len(packer.flush())


def _log(
    report: Report,
    lang: Lang,
    indicators: list[CompiledIndicator],
    results: list[str],
    total: int,
    full_report: str | None,
) -> str:
    invocation: dict[str, Any] = {"executionSuccessful": True}
    left = total - len(results)
    if left:
        where = full_report or w("full_hint", lang)
        text = w("sarif_left_out", lang, left=left, total=total, shown=len(results), where=where)
        invocation["toolExecutionNotifications"] = [{"level": "note", "message": {"text": text}}]
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
                        "informationUri": INFORMATION_URI,
                        "rules": [_rule(ind, lang) for ind in indicators],
                    }
                },
                "invocations": [invocation],
                "language": t("lang.sarif", lang),
                "columnKind": "unicodeCodePoints",
                "results": [_SLOT],
                "properties": {
                    "packs": report.header()["packs"],
                    "summary": report.summary(),
                    "problems": total,
                    "problemsListed": len(results),
                },
            }
        ],
    }
    head, tail = json.dumps(log, ensure_ascii=False, indent=2).split(json.dumps(_SLOT))
    if not results:
        return f"{head.rstrip()}]{tail.lstrip().removeprefix(']')}\n"
    parts = [head]  # one join: the results are copied once, into the log itself
    for n, result in enumerate(results):
        if n:
            parts.append(",\n        ")
        parts.append(result)
    parts += [tail, "\n"]
    return "".join(parts)


#: Where the results go in the log's text (they are dumped one by one, each on its own line).
_SLOT = "\x00results\x00"


def _dump(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False)
