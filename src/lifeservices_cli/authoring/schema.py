"""``lifeservices schema``: JSON Schemas for pack files, pack test files and each entity's data.

The pack schema comes from the pydantic models; the data schemas from an entity's fields, with
a property for the canonical name and every header alias, and values written the ways the
reader accepts them (``600``, ``"600㎡"``, ``"30万元"``, ``是``/``否``, ``—`` for blank). The
reader is more lenient than a schema can say (it folds case and full/half width before
matching a header), so a schema names the spellings a pack lists, and their NFKC forms.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs.compiler import Entity
from lifeservices_cli.packs.models import FieldSpec, Pack, PackTest
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.semantics import units
from lifeservices_cli.semantics.cells import FALSE_MARKS, MISSING_MARKS, TRUE_MARKS

from .common import did_you_mean
from .template import field_header

DRAFT = "https://json-schema.org/draft/2020-12/schema"
#: Names ``schema`` takes besides entity names.
SPECIAL = ("pack", "tests", "report")

_DIGIT = "[0-9０-９]"
_NUMBER = (
    rf"[+－-]?(?:(?:{_DIGIT}{{1,3}}(?:[,，]{_DIGIT}{{3}})+|{_DIGIT}+)(?:[.．]{_DIGIT}*)?|[.．]{_DIGIT}+)"
    r"(?:[eE][+-]?[0-9]+)?"
)
_DATE = (
    r"^\s*[0-9]{4}\s*(?:[-/.年]\s*[0-9]{1,2}\s*[-/.月]\s*[0-9]{1,2}\s*日?|[0-9]{4})"
    r"(?:[ T][0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?)?\s*$"
)
_SPECIAL_CHARS = set(r".^$*+?()[]{}|\/")


def _escape(text: str) -> str:
    """Escape for a regex that both Python and ECMAScript (with the ``u`` flag) read the same way."""
    return "".join("\\" + ch if ch in _SPECIAL_CHARS else ch for ch in text)


def _spelling(text: str) -> str:
    """A unit spelling as a regex: ASCII letters in either case, spaces allowed between characters."""
    parts = [f"[{ch.lower()}{ch.upper()}]" if ch.isascii() and ch.isalpha() else _escape(ch) for ch in text]
    return r"\s*".join(parts)


def _unit_pattern(field_unit: str | None) -> str:
    """Every spelling of every unit that converts to ``field_unit`` (any unit when it is None)."""
    wanted = units.lookup(field_unit) if field_unit else None
    spellings: set[str] = set()
    for key in units.known_suffixes():
        unit = units.lookup(key)
        if unit is None or (wanted is not None and unit.dimension != wanted.dimension):
            continue
        spellings.update({key, unit.symbol})
    extras = {"㎡": "m²", "％": "%", "￥": "元"}
    for written, meaning in extras.items():
        unit = units.lookup(meaning)
        if unit is not None and (wanted is None or unit.dimension == wanted.dimension):
            spellings.add(written)
    return "|".join(_spelling(s) for s in sorted(spellings, key=lambda s: (-len(s), s)))  # longest first, stable


def _cased(marks: frozenset[str]) -> list[str]:
    out: set[str] = set()
    for mark in marks:
        out.update({mark, mark.upper(), mark.title()})
    return sorted(out)


def value_schema(spec: FieldSpec) -> dict[str, Any]:
    """What a cell of this field may hold in YAML/JSON data."""
    blank = [{"type": "null"}, {"enum": _cased(MISSING_MARKS)}]
    if spec.type == "number":
        number: dict[str, Any] = {"type": "number"}
        if spec.minimum is not None:
            number["minimum"] = spec.minimum
        unit = _unit_pattern(spec.unit)
        text = {"type": "string", "pattern": rf"^\s*{_NUMBER}\s*(?:{unit})?\s*$"}
        return {"anyOf": [number, text, *blank]}
    if spec.type == "boolean":
        return {"anyOf": [{"type": "boolean"}, {"enum": [0, 1]}, {"enum": _cased(TRUE_MARKS | FALSE_MARKS)}, *blank]}
    if spec.type == "date":
        return {"anyOf": [{"type": "string", "pattern": _DATE}, *blank]}
    return {"type": ["string", "number", "null"]}


def _names(name: str, spec: FieldSpec) -> list[str]:
    """The keys a record may use for a field: the canonical name, titles, aliases and their NFKC forms."""
    found: list[str] = []
    for text in (name, spec.title.zh, spec.title.en, *spec.aliases):
        for form in (text, unicodedata.normalize("NFKC", text)):
            if form not in found:
                found.append(form)
    return found


def entity_schema(entity: Entity, lang: Lang = "zh") -> dict[str, Any]:
    """The schema of a YAML/JSON data file of ``entity``: a list of records or ``{entity, records}``."""
    properties: dict[str, Any] = {}
    patterns: dict[str, Any] = {}
    defs: dict[str, Any] = {}
    for name, spec in entity.spec.fields.items():
        unit = f"; unit {spec.unit}" if spec.unit else ""
        title = spec.title.get(lang)
        doc = f"{spec.title.zh} / {spec.title.en} ({name}, {spec.type}{unit})"
        if spec.description:
            doc += f". {spec.description}"
        defs[name] = {"title": title, "description": doc, **value_schema(spec)}
        for key in _names(name, spec):
            properties[key] = {"$ref": f"#/$defs/{name}", "title": title if key == name else f"{title} ({name})"}
        if spec.type == "number":
            bases = "|".join(_escape(k) for k in _names(name, spec))
            patterns[rf"^(?:{bases})\s*[(（][^()（）]*[)）]$"] = {"$ref": f"#/$defs/{name}"}
    record = {
        "type": "object",
        "title": entity.spec.title.get(lang),
        "description": f"One {entity.spec.title.en} record ({entity.name}); example header: "
        + ", ".join(field_header(s, lang) for s in entity.spec.fields.values()),
        "properties": properties,
        "patternProperties": patterns,
        "additionalProperties": False,
    }
    defs["record"] = record
    records = {"type": "array", "items": {"$ref": "#/$defs/record"}}
    return {
        "$schema": DRAFT,
        "title": f"lifeservices data: {entity.name} ({entity.spec.title.zh} / {entity.spec.title.en})",
        "$defs": defs,
        "anyOf": [
            records,
            {
                "type": "object",
                "properties": {"entity": {"const": entity.name}, "records": records},
                "required": ["records"],
                "additionalProperties": False,
            },
        ],
    }


def _strict_patterns(node: Any) -> Any:
    """pydantic leaves keys outside ``patternProperties`` open; close them (dated rules, ...)."""
    if isinstance(node, dict):
        if "patternProperties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _strict_patterns(value)
    elif isinstance(node, list):
        for value in node:
            _strict_patterns(value)
    return node


def pack_schema() -> dict[str, Any]:
    schema = _strict_patterns(Pack.model_json_schema())
    return {"$schema": DRAFT, **schema, "title": "lifeservices indicator pack"}


def tests_schema() -> dict[str, Any]:
    """A ``<pack>.tests.yaml`` file: a list of test cases."""
    schema = _strict_patterns(PackTest.model_json_schema())
    defs = schema.pop("$defs", {})
    defs["PackTest"] = schema
    return {
        "$schema": DRAFT,
        "title": "lifeservices pack tests",
        "$defs": defs,
        "type": "array",
        "items": {"$ref": "#/$defs/PackTest"},
    }


def schema_for(packset: PackSet, name: str, lang: Lang = "zh") -> dict[str, Any]:
    """``pack``, ``tests``, ``report`` (the JSON report) or an entity name."""
    if name == "pack":
        return pack_schema()
    if name == "tests":
        return tests_schema()
    if name == "report":
        from lifeservices_cli.report.schema import report_schema

        return report_schema()
    if name not in packset.entities:
        raise did_you_mean("schema", name, [*SPECIAL, *packset.entities])
    return entity_schema(packset.entities[name], lang)
