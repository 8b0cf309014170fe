"""The LS0xx problem codes: the registry every pack problem's code comes from.

It sits below the code that emits the codes (the loader, the compiler, the pack tests) and
above nothing: ``code(...)`` fails loudly on a code that is not registered, so a new problem
cannot be reported under a code ``lint --help`` and the reference do not list.
"""

#: Codes that do not make ``lint`` fail unless ``--strict``.
WARNINGS = frozenset({"LS060"})
#: Codes that mean a file could not be read at all (exit 2).
UNREADABLE = frozenset({"LS000"})

#: Every code ``lint`` reports, for the README table and ``--help``.
CODES: dict[str, str] = {
    "LS000": "a pack or tests file cannot be read (missing, not UTF-8)",
    "LS001": "YAML syntax error (also: anchors/aliases, duplicate keys)",
    "LS002": "unknown key (the message lists the allowed keys)",
    "LS003": "missing key (e.g. an indicator without its clause)",
    "LS004": "invalid value (wrong type, bad id, not a mapping)",
    "LS010": "duplicate: indicator id, pack id, entity, or a header alias used by two fields",
    "LS011": "unknown reference: entity, indicator in coverage/aggregate/overrides, grouping field",
    "LS020": "formula error: unknown field or function, syntax (column points at it)",
    "LS030": "rule cannot be read (comparator and threshold)",
    "LS031": "unit unknown, or not convertible to the field's unit",
    "LS032": "type mismatch: yes/no metric with a number threshold, text metric, ...",
    "LS040": "a clause quote is not found verbatim in the plan's text (source_text)",
    "LS041": "the plan's text named by source_text cannot be read",
    "LS050": "extends: the pack it names is missing, or the packs extend each other in a loop",
    "LS060": "warning: an indicator no coverage measure lists (when the pack has a coverage map)",
    "LS061": "an indicator's department is not among the departments of the measures covering it",
    "LS070": "a test names an unknown indicator",
    "LS071": "a test names an unknown entity, or expects a record it does not have",
}


def code(name: str) -> str:
    """``name`` when it is a registered code; a bug (``KeyError``) otherwise."""
    if name not in CODES:
        raise KeyError(f"{name} is not a registered problem code (packs/codes.py)")
    return name
