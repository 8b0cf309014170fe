"""Exact rational columns (two Int128 columns, with proven bounds) and their texts."""

from __future__ import annotations

import json
from dataclasses import dataclass
from fractions import Fraction

import polars as pl

I128 = pl.Int128
_MAX_JSON = 10**9  # values this large or larger leave the fast path (float repr would differ)


class NotFast(Exception):
    """This input or pack cannot use the columnar path; the record engine takes it."""


@dataclass(frozen=True)
class Rat:
    """An exact rational column; ``num`` and ``den`` are null together when unknown.

    ``top`` and ``bot`` bound ``|num|`` and ``den`` on every row (known from the cells' form and
    the formula), so no Int128 arithmetic can overflow: a formula that could is not taken.
    """

    num: pl.Expr
    den: pl.Expr
    top: int = 0
    bot: int = 1

    def __post_init__(self) -> None:
        if self.top >= _LIMIT or self.bot >= _LIMIT:
            raise NotFast("numbers that could overflow 128 bits")


_LIMIT = 1 << 126  # any product computed in Int128 stays below this
SHOWN = 1 << 105  # a value, threshold, gap or shortfall shown: room for the ×2,000,000 of rounding
CELL_DIGITS = 15  # a plain number cell: at most 9 + 6 digits
CELL_SCALE = 10**6  # its denominator: every cell is read with 6 decimal places


def _lit(value: Fraction) -> Rat:
    n, d = value.numerator, value.denominator
    return Rat(pl.lit(n, dtype=I128), pl.lit(d, dtype=I128), abs(n), d)


def _norm(num: pl.Expr, den: pl.Expr, top: int, bot: int) -> Rat:
    negative = den < 0
    return Rat(
        pl.when(negative).then(num * -1).otherwise(num), pl.when(negative).then(den * -1).otherwise(den), top, bot
    )


def _shown(*rats: Rat) -> None:
    """Fail early when a number the report shows could leave the room its text needs."""
    for r in rats:
        if r.top >= SHOWN or r.bot >= SHOWN:
            raise NotFast("numbers too large to show exactly in columns")


def _gap(value: Rat, threshold: Rat) -> Rat:
    return Rat(
        value.num * threshold.den - threshold.num * value.den,
        value.den * threshold.den,
        value.top * threshold.bot + threshold.top * value.bot,
        value.bot * threshold.bot,
    )


def _cmp(op: str, a: Rat, b: Rat) -> pl.Expr:
    Rat(pl.lit(0), pl.lit(1), a.top * b.bot + b.top * a.bot, 1)  # the cross products fit (or NotFast)
    left, right = a.num * b.den, b.num * a.den
    return {
        "==": left == right,
        "!=": left != right,
        "<": left < right,
        "<=": left <= right,
        ">": left > right,
        ">=": left >= right,
    }[op]


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


# --------------------------------------------------------------------------- numbers as text


def _number_parts(r: Rat, name: str) -> list[pl.Expr]:
    """What the texts of ``r`` are made of, each computed once: the magnitude rounded half away
    from zero to 6 places (``:q6``, for JSON) and to 2 (``:q2``, for display), the sign, whether
    it is whole, and the whole part."""
    n, d = r.num, r.den
    return [
        ((n.abs() * 2_000_000 + d) // (d * 2)).alias(f"{name}:q6"),
        ((n.abs() * 200 + d) // (d * 2)).alias(f"{name}:q2"),
        (n < 0).alias(f"{name}:neg"),
        (n % d == 0).alias(f"{name}:int"),
        (n // d).cast(pl.Utf8).alias(f"{name}:whole"),
        (n.abs() >= d * _MAX_JSON).alias(f"{name}:big"),
    ]


def _display(name: str) -> pl.Expr:
    """``numbers.display`` of the number whose ``_number_parts`` are ``name``: 2 places, half away
    from zero, trailing zeros dropped."""
    q = pl.col(f"{name}:q2")
    sign = pl.when(pl.col(f"{name}:neg") & (q > 0)).then(pl.lit("-")).otherwise(pl.lit(""))
    frac = (q % 100).cast(pl.Utf8).str.zfill(2).str.strip_chars_end("0")
    rounded = pl.concat_str(
        [sign, (q // 100).cast(pl.Utf8), pl.when(frac == "").then(pl.lit("")).otherwise(pl.lit(".") + frac)]
    )
    return pl.when(pl.col(f"{name}:int")).then(pl.col(f"{name}:whole")).otherwise(rounded)


def _json_number(name: str) -> tuple[pl.Expr, pl.Expr]:
    """``numbers.to_json`` of the number whose ``_number_parts`` are ``name``, as JSON text, and
    where the fast path cannot be sure of it."""
    q, integral = pl.col(f"{name}:q6"), pl.col(f"{name}:int")
    frac = (q % 1_000_000).cast(pl.Utf8).str.zfill(6).str.strip_chars_end("0")
    text = pl.concat_str(
        [
            pl.when(pl.col(f"{name}:neg")).then(pl.lit("-")).otherwise(pl.lit("")),
            (q // 1_000_000).cast(pl.Utf8),
            pl.lit("."),
            pl.when(frac == "").then(pl.lit("0")).otherwise(frac),
        ]
    )
    hard = ~integral & ((q < 100) | pl.col(f"{name}:big"))
    return pl.when(integral).then(pl.col(f"{name}:whole")).otherwise(text), hard.fill_null(False)
