"""Reading headers and cells the way Excel and WPS write them.

Headers are matched after NFKC normalisation (full-width brackets and letters become
half-width) and trimming; a unit in brackets at the end (``总投资（万元）``) is split off and
becomes the column's unit. Cells accept full-width digits, thousands separators, a unit of
their own (``600㎡``, ``30万元``), the usual yes/no marks, and the usual ways of leaving a
cell blank. A cell that cannot be read becomes an ``Unknown`` with a reason naming the
column and line (a ``Reason``: a message code and its parameters, worded in the report's
language when the result's message is made); it never raises.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from fractions import Fraction
from functools import cache

from lifeservices_cli.i18n import Lang
from lifeservices_cli.semantics import units
from lifeservices_cli.semantics.dates import parse_date
from lifeservices_cli.semantics.values import FieldType, Unknown, Value, invalid, missing

MISSING_MARKS = frozenset(
    {
        "",
        "-",
        "--",
        "---",
        "—",
        "——",
        "–",
        "/",
        "\\",
        "n/a",
        "na",
        "#n/a",
        "null",
        "none",
        "nil",
        "~",
        "…",
        "...",
        "无数据",
        "暂无",
        "空",
    }
)
TRUE_MARKS = frozenset({"是", "有", "true", "yes", "y", "t", "√", "✓", "✔", "1", "对", "已配建", "配建"})
FALSE_MARKS = frozenset({"否", "无", "没有", "false", "no", "n", "f", "×", "✗", "✘", "0", "错", "未配建"})
SPREADSHEET_ERRORS = frozenset({"#div/0!", "#value!", "#ref!", "#name?", "#num!", "#null!", "#spill!", "#calc!"})

MAX_NUMBER_CELL = 64  # characters; longer text is no number anyone typed
MAX_EXPONENT = 100  # 1e100 m² is already absurd; bigger exponents would only cost memory
MAX_UNIT_GROUPS = 8  # trailing bracketed groups tried as a header's unit (总投资（万元）（2023年）: 2)

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[+-]?\d+)?")
_GROUPED = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")
_UNIT_SUFFIX = re.compile(r"^(?P<base>.*?)\s*\((?P<unit>[^()]*)\)$")
_SPACES = re.compile(r"\s+")

Converter = Callable[[str, int], Value]


def normalize(text: str) -> str:
    """NFKC, trimmed, inner runs of white space folded, ASCII letters lower-cased."""
    return _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip().lower()


def split_unit(header: str) -> tuple[str, str | None]:
    """Split a normalised header into its base and the unit in trailing brackets, if any."""
    m = _UNIT_SUFFIX.match(header)
    if not m or not m.group("base"):
        return header, None
    return m.group("base"), m.group("unit").strip()


def match_header(header: str, aliases: dict[str, str]) -> tuple[str | None, str | None]:
    """Find the field a header names: ``(field, unit_text)``.

    ``aliases`` maps normalised aliases to canonical field names. The whole header is tried
    first (``县（市、区）`` is an alias, not a base with a unit), then the header without its
    trailing bracket, whose content is returned as the unit.
    """
    norm = normalize(header)
    if norm in aliases:
        return aliases[norm], None
    base, unit = split_unit(norm)
    for _ in range(MAX_UNIT_GROUPS):  # each try is linear in the header: a bounded number of them
        if unit is None:
            break
        if base in aliases:
            return aliases[base], unit
        base, unit = split_unit(base)
    return None, None


@cache
def _cell_unit() -> re.Pattern[str]:
    """A number followed by a known unit (compiled on first use: plain numbers never need it)."""
    return re.compile(
        r"^(?P<body>.*?[\d.])\s*(?P<unit>"
        + "|".join(r"\s*".join(map(re.escape, suffix)) for suffix in units.known_suffixes())
        + r")$"
    )


def _strip_unit(text: str) -> tuple[str, str | None]:
    """Split ``'600m2'`` into ``('600', 'm2')``; ``'?'`` marks an unknown unit; digits alone have none."""
    if text[-1:].isdigit() and not text.endswith("m2"):
        return text, None
    m = _cell_unit().match(text)
    if m:
        return m.group("body"), m.group("unit").replace(" ", "")
    if not text or text[-1].isdigit() or text[-1] == ".":
        return text, None
    return text, "?"


def make_converter(
    field_type: FieldType,
    *,
    column: str,
    field: str,
    field_unit: str | None = None,
    header_unit: str | None = None,
    minimum: Fraction | None = None,
    encoding: str = "utf-8",
    lang: Lang = "zh",
) -> Converter:
    """Build the function that turns one raw cell of ``column`` into a value.

    ``header_unit`` is the unit the header names (already checked to convert into
    ``field_unit``); a unit written in the cell itself takes precedence over it. A cell that
    cannot be read gives its reason as a code with parameters, in no language yet (``lang`` is
    the run's, kept for the callers; the engine words the reason in it).
    """

    def bad(key: str, line: int, **params: object) -> Unknown:
        return invalid(key, line=line, column=column, **params)

    def common(raw: str, line: int) -> str | Unknown:
        if len(raw) > MAX_NUMBER_CELL and field_type != "text":
            return bad("cell.too_long", line, size=len(raw))
        if "\udc80" <= max(raw, default="\0") and any("\udc80" <= ch <= "\udcff" for ch in raw):
            return bad("cell.bad_bytes", line, encoding=encoding)
        text = normalize(raw)
        if text in MISSING_MARKS:
            return missing(field)
        if text in SPREADSHEET_ERRORS:
            return bad("cell.spreadsheet_error", line, raw=raw.strip())
        return text

    if field_type == "boolean":

        def convert_bool(raw: str, line: int) -> Value:
            text = common(raw, line)
            if isinstance(text, Unknown):
                return text
            if text in TRUE_MARKS:
                return True
            if text in FALSE_MARKS:
                return False
            return bad("cell.not_boolean", line, raw=raw.strip())

        return convert_bool

    if field_type == "date":

        def convert_date(raw: str, line: int) -> Value:
            text = common(raw, line)
            if isinstance(text, Unknown):
                return text
            parsed = parse_date(text)
            return parsed if parsed is not None else bad("cell.not_date", line, raw=raw.strip())

        return convert_date

    if field_type == "text":

        def convert_text(raw: str, line: int) -> Value:
            text = common(raw, line)
            if isinstance(text, Unknown):
                return text
            return raw.strip()

        return convert_text

    default_factor = Fraction(1)
    if header_unit is not None and field_unit is not None:
        default_factor = units.conversion(header_unit, field_unit) or Fraction(1)

    def convert_number(raw: str, line: int) -> Value:
        text = common(raw, line)
        if isinstance(text, Unknown):
            return text
        if text.lstrip("+-") in {"nan", "inf", "infinity"}:
            return bad("cell.not_finite", line, raw=raw.strip())
        body, unit = _strip_unit(text)
        factor = default_factor
        if unit is not None:
            conv = units.conversion(unit, field_unit) if (field_unit and unit != "?") else None
            if conv is None:
                if unit == "?" or units.lookup(unit) is None:
                    return bad("cell.not_number", line, raw=raw.strip())
                if not field_unit:
                    return bad("cell.bad_unit_plain", line, unit=unit)
                return bad("cell.bad_unit", line, unit=unit, target=field_unit)
            factor = conv
        if _GROUPED.fullmatch(body):
            body = body.replace(",", "")
        if not _NUMBER.fullmatch(body):
            return bad("cell.not_number", line, raw=raw.strip())
        _, _, exponent = body.partition("e")
        if exponent and abs(int(exponent)) > MAX_EXPONENT:
            return bad("cell.out_of_range", line, raw=raw.strip())
        value = Fraction(body) * factor
        if minimum is not None and value < minimum:
            return bad("cell.below_minimum", line, raw=raw.strip(), minimum=minimum)
        return value

    return convert_number


def python_value_to_cell(value: object) -> str | None:
    """Turn a YAML/JSON scalar into the text a spreadsheet cell would hold (None: not a scalar)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str | Fraction | Decimal):
        return str(value)
    if isinstance(value, date):  # also datetime: the date part is what counts
        return value.isoformat()[:10]
    return None
