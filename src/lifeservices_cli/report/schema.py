"""The JSON report's JSON Schema (``schema_version`` 2), published by ``lifeservices schema report``.

Written by hand beside ``report.py`` (the report is a streamed dump, not a pydantic model); a
test validates real reports of every entity, both engines and both languages against it, so the
two cannot drift apart. Objects are open (``additionalProperties`` is not false): adding a key
keeps the schema version, and readers should ignore keys they do not know.
"""

from __future__ import annotations

from typing import Any

from lifeservices_cli.engine.results import STATUSES

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ID = "urn:lifeservices-cli:report-schema:2"

_TEXT_OR_NULL: dict[str, Any] = {"type": ["string", "null"]}
#: A value or threshold: a number, yes/no, a date ("YYYY-MM-DD") or none.
_VALUE: dict[str, Any] = {"type": ["number", "boolean", "string", "null"]}
_NUMBER_OR_NULL: dict[str, Any] = {"type": ["number", "null"]}
_COMPARATOR: dict[str, Any] = {"enum": [">=", ">", "<=", "<", "==", "!=", None]}
_COUNT: dict[str, Any] = {"type": "integer", "minimum": 0}
_AGG_STATUSES = ["pass", "fail", "not_applicable", "missing_data", "invalid_data"]


#: The report's keys that are always there (``results_filter`` only with ``--results problems|none``).
_TOP = (
    "schema_version", "tool", "lang", "as_of", "settings", "not_in_force", "packs", "inputs",
    "summary", "indicators", "results", "aggregates",
)  # fmt: skip


def _object(properties: dict[str, Any], required: list[str] | None = None, **extra: Any) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required or list(properties), **extra}


def report_schema() -> dict[str, Any]:
    """The JSON Schema of the JSON report (and of each line of ``--format ndjson``: ``$defs/result``)."""
    check = _object(
        {
            "title": {"type": "string"},
            "comparator": _COMPARATOR,
            "unit": _TEXT_OR_NULL,
            "threshold": _VALUE,
            "threshold_formula": _TEXT_OR_NULL,
            "rule": {"type": "string"},
        },
        description="One comparison of the indicator, as in force on as_of.",
    )
    indicator = _object(
        {
            "id": {"type": "string"},
            "title": {"type": "string"},
            "entity": {"type": "string"},
            "kind": {"enum": ["standard", "eligibility", "aggregate"]},
            "clause": _object({"ref": {"type": "string"}, "quote": {"type": "string"}}),
            "departments": {"type": "array", "items": {"type": "string"}},
            "in_force": {"type": "boolean"},
            "combine": {"enum": ["one", "all", "any"]},
            "comparator": _COMPARATOR,
            "unit": _TEXT_OR_NULL,
            "threshold": _VALUE,
            "checks": {"type": "array", "items": {"$ref": "#/$defs/check"}},
        },
        description="What every result of the indicator shares; comparator, unit and threshold are its first check's.",
    )
    result = _object(
        {
            "source": {"type": "string"},
            "line": {"type": "integer", "minimum": 0},
            "record_id": _TEXT_OR_NULL,
            "record_name": _TEXT_OR_NULL,
            "district": _TEXT_OR_NULL,
            "year": {
                "type": ["integer", "null"],
                "description": "The row's reporting year; only for an entity that has one (district rows).",
            },
            "indicator": {"type": "string"},
            "status": {"enum": list(STATUSES)},
            "check": {"type": "integer", "minimum": 0, "description": "Only for an indicator of several checks."},
            "value": _VALUE,
            "threshold": _VALUE,
            "gap": _NUMBER_OR_NULL,
            "shortfall": _NUMBER_OR_NULL,
            "message": {"type": "string"},
        },
        required=[
            "source",
            "line",
            "record_id",
            "record_name",
            "district",
            "indicator",
            "status",
            "value",
            "threshold",
            "gap",
            "shortfall",
            "message",
        ],
        description="One record checked against one indicator: only what is its own.",
    )
    aggregate = _object(
        {
            "indicator": {"type": "string"},
            "group": _TEXT_OR_NULL,
            "status": {"enum": _AGG_STATUSES},
            "value": _NUMBER_OR_NULL,
            "numerator": _COUNT,
            "denominator": _COUNT,
            "unknown": _COUNT,
            "threshold": _VALUE,
            "gap": _NUMBER_OR_NULL,
            "message": {"type": "string"},
        }
    )
    summary = _object(
        {
            "records": _COUNT,
            "checks": _COUNT,
            **{status: _COUNT for status in STATUSES},
            "aggregates": _object({"checks": _COUNT, **{s: _COUNT for s in _AGG_STATUSES}}),
        }
    )
    inputs = _object(
        {
            "path": {"type": "string"},
            "entity": {"type": "string"},
            "encoding": {"type": "string"},
            "records": _COUNT,
            "columns": {"type": "object", "additionalProperties": _TEXT_OR_NULL},
            "warnings": {"type": "array", "items": {"type": "string"}},
        },
        description="One input; the input side may add keys (a sheet, totals, skipped rows).",
    )
    return {
        "$schema": DRAFT,
        "$id": ID,
        "title": "lifeservices-cli JSON report",
        "description": "lifeservices check --format json (schema_version 2). See docs/report-schema.md.",
        **_object(
            {
                "schema_version": {"const": 2},
                "tool": _object({"name": {"const": "lifeservices-cli"}, "version": {"type": "string"}}),
                "lang": {"enum": ["zh", "en"]},
                "as_of": {"type": "string", "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$"},
                "settings": {"type": "array", "items": {"type": "object"}},
                "not_in_force": {"type": "array", "items": {"type": "string"}},
                "packs": {
                    "type": "array",
                    "items": _object(
                        {
                            "id": {"type": "string"},
                            "document": _TEXT_OR_NULL,
                            "title": {"type": "string"},
                            "path": {"type": "string"},
                        }
                    ),
                },
                "inputs": {"type": "array", "items": {"$ref": "#/$defs/input"}},
                "results_filter": {
                    "enum": ["problems", "none"],
                    "description": "--results: only problems (fail, invalid, missing data) or no results of "
                    "records are listed; absent when every result is. The summary counts all of them.",
                },
                "summary": {"$ref": "#/$defs/summary"},
                "indicators": {"type": "array", "items": {"$ref": "#/$defs/indicator"}},
                "results": {"type": "array", "items": {"$ref": "#/$defs/result"}},
                "aggregates": {"type": "array", "items": {"$ref": "#/$defs/aggregate"}},
            },
            required=list(_TOP),
        ),
        "$defs": {
            "check": check,
            "indicator": indicator,
            "result": result,
            "aggregate": aggregate,
            "summary": summary,
            "input": inputs,
        },
    }
