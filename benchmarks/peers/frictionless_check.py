"""Validate a community CSV with frictionless-py: field constraints and ``row_constraint`` formulas.

``python frictionless_check.py DATA.csv OUT.ndjson`` validates the file against a Table Schema
whose fields carry the types and constraints of the bundled pack (yes/no as 是/否 and √/×,
households an integer ≥ 0, area a number ≥ 0, the usual missing marks) and two
``row_constraint`` checks, the rules of 二(二)4:

- ``new-community-facility-area``: a new community (是否新建 是) has an area of at least 500 m²;
- ``facility-area-per-100-households``: an urban community has at least 30 m² per 100
  households (area × 100 ≥ 30 × households, so that 0 households does not raise).

It writes one JSON line per error frictionless reports (row, field, type, note) and prints the
error counts by type. This is what frictionless is made for: "is this file valid?".

What it does not do: no result per record × indicator (a passing or not-applicable record
leaves no trace, so there are no pass/not_applicable counts, no value, gap or shortfall); a row
whose cell fails its type is reported as a cell error and its row constraints are not
evaluated the same way, so missing vs invalid data is not told apart per indicator; no
full-width digits, thousands separators or units in cells (they are type errors); no header
matching (fields are matched by position; the Chinese headers are checked against nothing);
UTF-8 only as run here. The harness runs it at 100k rows at most: it is slow.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from frictionless import Checklist, Dialect, Resource, Schema, checks, fields

MISSING = ["", "-", "--", "—", "——", "/", "N/A", "NA", "#N/A", "null"]

SCHEMA = Schema(
    fields=[
        fields.StringField(name="id", constraints={"required": False}),
        fields.StringField(name="name"),
        fields.StringField(name="district"),
        fields.StringField(name="street"),
        fields.BooleanField(name="is_new", true_values=["是", "√"], false_values=["否", "×"]),
        fields.BooleanField(name="is_urban", true_values=["是", "√"], false_values=["否", "×"]),
        fields.IntegerField(name="households", constraints={"minimum": 0}),
        fields.NumberField(name="area", constraints={"minimum": 0}),
    ],
    missing_values=MISSING,
)

RULES = {
    "new-community-facility-area": "not is_new or area == None or area >= 500",
    "facility-area-per-100-households": (
        "not is_urban or area == None or households == None or (households > 0 and area * 100 >= 30 * households)"
    ),
}


def validate(path: str) -> list[dict[str, object]]:
    file = Path(path).resolve()  # frictionless refuses absolute paths unless given a base path
    resource = Resource(file.name, basepath=str(file.parent), schema=SCHEMA, dialect=Dialect(header_rows=[1]))
    checklist = Checklist(
        checks=[checks.row_constraint(formula=formula) for formula in RULES.values()],
        skip_errors=["incorrect-label"],  # fields are named in ASCII for the formulas; headers are Chinese
    )
    report = resource.validate(checklist, limit_errors=10**9)
    errors: list[dict[str, object]] = []
    for task in report.tasks:
        for error in task.errors:
            errors.append(
                {
                    "row": getattr(error, "row_number", None),
                    "field": getattr(error, "field_name", None),
                    "type": error.type,
                    "note": error.note,
                }
            )
    return errors


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: frictionless_check.py DATA.csv OUT.ndjson", file=sys.stderr)
        return 2
    errors = validate(argv[0])
    with open(argv[1], "w", encoding="utf-8") as out:
        for error in errors:
            out.write(json.dumps(error, ensure_ascii=False) + "\n")
    print(dict(sorted(Counter(str(e["type"]) for e in errors).items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
