"""Cells read in columns where that is exact, and by the record converter (once per distinct text) where not."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import polars as pl

from lifeservices_cli.engine.columnar.messages import json_content
from lifeservices_cli.engine.columnar.rationals import CELL_DIGITS, CELL_SCALE, I128, Rat, _cmp, _lit
from lifeservices_cli.i18n import Lang, Slot, fill_parts
from lifeservices_cli.semantics.cells import (
    FALSE_MARKS,
    MISSING_MARKS,
    SPREADSHEET_ERRORS,
    TRUE_MARKS,
    Converter,
)
from lifeservices_cli.semantics.values import Reason, Unknown

# Cells made only of these characters read the same after NFKC and need no JSON escaping.
_SAFE = r"^[\x20\x21\x23-\x5b\x5d-\x7e\u3400-\u4dbf\u4e00-\u9fff\u3001\u2014\u00b7]*$"
_PLAIN = r"^[+-]?[0-9]{1,9}(\.[0-9]{1,6})?$"
_GROUPED = r"^[+-]?[0-9]{1,3}(,[0-9]{3}){1,2}(\.[0-9]{1,6})?$"


# --------------------------------------------------------------------------- cells


def _cell_stages(
    i: int, kind: str, factor: Fraction, minimum: Fraction | None, canonical: list[str] | None = None
) -> list[list[pl.Expr]]:
    """Column ``c{i}`` read as a field of type ``kind``, in stages that each materialise their columns.

    The value goes to ``v{i}`` (a number: its numerator over ``CELL_SCALE × factor.denominator``)
    and ``y{i}`` says whether the columns settle the cell (missing, or read exactly); the
    others are for the record converter (``_resolve``). ``canonical``: the only texts the columns
    settle (a district's own name); other spellings go to the record converter, which knows them.
    """
    raw, text, missing, safe = pl.col(f"c{i}"), pl.col(f"s{i}"), pl.col(f"m{i}"), pl.col(f"z{i}")
    stages: list[list[pl.Expr]] = [
        [raw.str.strip_chars().alias(f"s{i}"), raw.str.contains(_SAFE).fill_null(False).alias(f"z{i}")],
        [(raw.is_null() | text.str.to_lowercase().is_in(sorted(MISSING_MARKS))).alias(f"m{i}")],
    ]
    if kind == "number":
        ok = pl.col(f"k{i}")
        # 6 decimal places at most (the patterns): to_decimal reads them exactly, as millionths
        millionths = pl.when(ok).then(text.str.replace_all(",", "", literal=True)).str.to_decimal(scale=6)
        stages[1].append(((text.str.contains(_PLAIN) | text.str.contains(_GROUPED)) & safe).alias(f"k{i}"))
        stages.append([((millionths * CELL_SCALE).cast(I128) * factor.numerator).alias(f"p{i}")])
        num = pl.col(f"p{i}")
        if minimum is not None:  # below the minimum is invalid, in words only the record converter has
            below = _cmp("<", Rat(num, pl.lit(_cell_bounds(factor)[1], dtype=I128)), _lit(minimum)).fill_null(True)
            ok = ok & ~below
        settled = missing | ok
        stages.append([pl.when(settled & ~missing).then(num).alias(f"v{i}"), settled.alias(f"y{i}")])
    elif kind == "boolean":
        low = text.str.to_lowercase()
        is_true, is_false = low.is_in(sorted(TRUE_MARKS)), low.is_in(sorted(FALSE_MARKS))
        value = pl.when(missing).then(None).when(is_true).then(pl.lit(True)).when(is_false).then(pl.lit(False))
        stages.append([value.alias(f"v{i}"), (missing | (safe & (is_true | is_false))).alias(f"y{i}")])
    else:  # a spreadsheet error (#VALUE!) is invalid even as text: the record converter words it
        error = text.str.to_lowercase().is_in(sorted(SPREADSHEET_ERRORS))
        settled = safe & ~error
        if canonical is not None:
            settled = settled & text.is_in(canonical)
        stages.append([pl.when(missing).then(None).otherwise(text).alias(f"v{i}"), (missing | settled).alias(f"y{i}")])
    return stages


def _cell_bounds(factor: Fraction) -> tuple[int, int]:
    """Bounds of a number cell's numerator and denominator in a column with unit ``factor``."""
    return 10**CELL_DIGITS * factor.numerator, CELL_SCALE * factor.denominator


@dataclass
class _Resolved:
    """Cells the columns cannot read exactly, read by the record converter (distinct texts only)."""

    raws: list[str]
    values: list[Any]  # Fraction, bool or str; None when unknown
    invalid: list[bool]
    head: list[str | None]  # the invalid reason as JSON string content, before and after the line
    tail: list[str | None]
    hard: list[bool]  # no exact column form: the record engine takes the row


def _around_line(reason: Reason, lang: Lang) -> tuple[str, str] | None:
    """A reason's words before and after its line (its one open slot), as JSON string content;
    None when the reason has no such form (then the record engine words it)."""
    parts = fill_parts(reason.code, lang, **{k: v for k, v in reason.params if k != "line"})
    open_ = [n for n, p in enumerate(parts) if isinstance(p, Slot)]
    if len(open_) != 1 or parts[open_[0]] != Slot("line"):
        return None
    # the one open slot is the line, so every other part is literal text
    head = "".join(p for p in parts[: open_[0]] if isinstance(p, str))
    tail = "".join(p for p in parts[open_[0] + 1 :] if isinstance(p, str))
    return json_content(head), json_content(tail)


def _resolve(raws: list[str], convert: Converter, lang: Lang) -> _Resolved:
    out = _Resolved(raws, [], [], [], [], [])
    for raw in raws:
        value = convert(raw, 0)  # the line is a slot of the reason: each row puts its own in
        head = tail = None
        hard = False
        if isinstance(value, Unknown):
            if value.is_invalid:
                around = _around_line(value.invalid[0], lang)
                hard = len(value.invalid) != 1 or around is None
                head, tail = around if around is not None else (None, None)
            value_out: Any = None
            invalid = value.is_invalid
        else:
            value_out, invalid = value, False
            if isinstance(value, Fraction) and max(abs(value.numerator), value.denominator) >= 1 << 100:
                hard = True
            elif not isinstance(value, Fraction | bool | str):
                hard = True
        out.values.append(value_out)
        out.invalid.append(invalid)
        out.head.append(head)
        out.tail.append(tail)
        out.hard.append(hard)
    return out
