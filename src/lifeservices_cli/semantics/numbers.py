"""Showing exact numbers: in reports as JSON numbers, on screen as short decimals.

One rule decides how many digits every format shows (``places_for``): a number compared with
another — a value with its threshold, a gap or a shortfall with 0, a rate with its target — is
shown with as many decimal places as it takes for the two rounded numbers to compare as the exact
ones do. 29.9999 m² against 30 is never shown as "30" (it fails), and a gap of -0.0001 never as
"0"; a number that sits on its threshold, or far from it, keeps the short form.
"""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

JSON_PLACES = 6
DISPLAY_PLACES = 2
ZERO = Fraction(0)

Shown = Fraction | bool | str | date | None


def _rounded(value: Fraction, places: int) -> Fraction:
    """``value`` rounded half away from zero to ``places`` decimal places, exactly."""
    scaled, den = abs(value.numerator) * 10**places, value.denominator
    whole = (2 * scaled + den) // (2 * den)
    return Fraction(-whole if value < 0 else whole, 10**places)


def _decimal(value: Fraction, places: int) -> Decimal:
    """Round the exact fraction half away from zero to ``places`` decimal places."""
    r = _rounded(value, places)
    whole = r.numerator * (10**places // r.denominator)
    return Decimal(f"{whole}E-{places}")  # exact (scaleb kept 28 digits)


def _sign(x: Fraction) -> int:
    return (x > 0) - (x < 0)


def places_for(value: object, against: object = None, places: int = DISPLAY_PLACES) -> int:
    """The fewest decimal places, at least ``places``, at which ``value`` and ``against``, both
    rounded, still compare (<, =, >) as the exact numbers do. ``places`` when either is not a number."""
    if not isinstance(value, Fraction) or not isinstance(against, Fraction):
        return places
    # farther apart than one unit of the last place: the rounded numbers keep their order
    # (each moves by half a unit at most); in integers, as most numbers are (the common case)
    apart = value.numerator * against.denominator - against.numerator * value.denominator
    if not apart or abs(apart) * 10**places > value.denominator * against.denominator:
        return places
    side = _sign(value - against)
    while _sign(_rounded(value, places) - _rounded(against, places)) != side:
        places += 1  # ends: once 10**-places is below the difference, the rounded ones differ
    return places


def to_json(value: Shown, against: Shown = None) -> int | float | bool | str | None:
    """A JSON-ready number: integers stay integers, others are rounded to 6 places, or more when
    ``against`` (the number it is compared with) needs them (``places_for``); dates are ISO text."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, date):
        return value.isoformat()
    if value.denominator == 1 and not getattr(value, "json_float", False):  # see store.result_from_dict
        return int(value)
    number = float(_decimal(value, places_for(value, against, JSON_PLACES)).normalize())
    if math.isinf(number):  # beyond a double (a pack's formula can get there): "Infinity" is no JSON
        return int(_decimal(value, 0))
    return number


def display(value: Shown, places: int = DISPLAY_PLACES, against: Shown = None) -> str:
    """A short decimal for people: ``30``, ``27.03``, ``0.5``; rounding half away from zero; ISO dates.

    With ``against`` (the threshold a value is compared with; 0 for a gap or a shortfall), as many
    more places as it takes not to contradict the comparison: ``29.9999`` against 30, not ``30``.
    Every format shows its numbers through this function.
    """
    if value is None:
        return "—"
    if isinstance(value, bool | str):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    if value.denominator == 1:
        return str(value.numerator)
    text = format(_decimal(value, places_for(value, against, places)), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text
