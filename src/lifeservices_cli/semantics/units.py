"""Units the plan and its spreadsheets use, and how to convert between them.

Every unit belongs to a dimension and has a factor to that dimension's base unit. A
column header like ``总投资（万元）`` or a cell like ``30万元`` names a unit; the value is
converted to the unit the field dictionary declares (for example 元).
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class Unit:
    symbol: str  # the canonical spelling, used in reports
    dimension: str
    factor: Fraction  # how many base units one of this unit is


_UNITS: dict[str, Unit] = {}


def _add(symbol: str, dimension: str, factor: int | str, *aliases: str) -> None:
    unit = Unit(symbol, dimension, Fraction(factor))
    for name in (symbol, *aliases):
        _UNITS[_key(name)] = unit


def _key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).strip().lower().replace(" ", "")


# Area (base: m²). NFKC turns ㎡ into "m2" and ² into "2", so both spellings meet here.
_add("m²", "area", 1, "㎡", "m2", "平方米", "平米", "平方", "sqm", "sq m", "square metres", "square meters")
_add("万m²", "area", 10_000, "万平方米", "万㎡", "万平米")
_add("公顷", "area", 10_000, "ha", "hectare", "hectares")
# Money (base: 元).
_add("元", "money", 1, "yuan", "rmb", "cny", "￥", "¥")
_add("千元", "money", 1_000)
_add("万元", "money", 10_000, "10k yuan")
_add("亿元", "money", 100_000_000)
# Counts: households, places, people. They do not convert into each other.
_add("户", "households", 1, "households", "hh")
_add("个", "count", 1, "items", "处", "所", "家")
_add("人", "people", 1, "persons", "people", "名")
# Shares.
_add("%", "percent", 1, "％", "percent", "百分比")
# Periods.
_add("年", "years", 1, "years", "year")
_add("天", "days", 1, "日", "days", "day", "个工作日", "工作日")
# Categories, tasks and other things counted (类, 项).
_add("类", "categories", 1, "categories")
_add("项", "tasks", 1, "tasks")


def lookup(name: str) -> Unit | None:
    """The unit spelled ``name`` (any known alias, any width or case), or None."""
    return _UNITS.get(_key(name))


def conversion(from_unit: str, to_unit: str) -> Fraction | None:
    """The factor that turns a value in ``from_unit`` into ``to_unit``; None if incompatible."""
    src, dst = lookup(from_unit), lookup(to_unit)
    if src is None or dst is None or src.dimension != dst.dimension:
        return None
    return src.factor / dst.factor


def alternatives(name: str) -> list[str]:
    """The other units of ``name``'s dimension (empty when its dimension has one unit only)."""
    unit = lookup(name)
    if unit is None:
        return []
    return sorted({u.symbol for u in _UNITS.values() if u.dimension == unit.dimension and u.symbol != unit.symbol})


def known_suffixes() -> list[str]:
    """Every unit spelling, longest first, for stripping a unit off the end of a cell."""
    return sorted(_UNITS, key=len, reverse=True)
