"""Showing exact numbers: in reports as JSON numbers, on screen as short decimals."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

JSON_PLACES = 6
DISPLAY_PLACES = 2


def _decimal(value: Fraction, places: int) -> Decimal:
    """Round the exact fraction half away from zero to ``places`` decimal places."""
    scaled, den = abs(value.numerator) * 10**places, value.denominator
    whole = (2 * scaled + den) // (2 * den)
    return Decimal(f"{-whole if value < 0 else whole}E-{places}")  # exact (scaleb kept 28 digits)


def to_json(value: Fraction | bool | str | date | None) -> int | float | bool | str | None:
    """A JSON-ready number: integers stay integers, others are rounded to 6 places; dates are ISO text."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if value.denominator == 1 and not getattr(value, "json_float", False):  # see store.result_from_dict
        return int(value)
    number = float(_decimal(value, JSON_PLACES).normalize())
    if math.isinf(number):  # beyond a double (a pack's formula can get there): "Infinity" is no JSON
        return int(_decimal(value, 0))
    return number


def display(value: Fraction | bool | str | date | None, places: int = DISPLAY_PLACES) -> str:
    """A short decimal for people: ``30``, ``27.03``, ``0.5``; rounding half away from zero; ISO dates."""
    if value is None:
        return "—"
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value.denominator == 1:
        return str(value.numerator)
    text = format(_decimal(value, places), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
