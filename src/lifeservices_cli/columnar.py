"""The columnar fast path: large CSV files checked in batches with polars.

It gives the record engine's results byte for byte, or it does not decide. Numbers are exact
rationals held as two Int128 columns (numerator, denominator > 0); yes/no logic is Kleene
(polars' ``&``/``|`` with nulls). A row the columns cannot settle exactly — a cell that is not
a plain number, yes/no mark or safe text, an unknown outcome, a value at a rounding edge, text
that JSON would escape — is a *hard* row and goes through the record engine instead. The
output is the JSON report's result lines, in input order.

``plan()`` says whether an input can use this path (``NotFast`` with the reason otherwise).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Any

if "polars" not in sys.modules:  # before polars loads its allocator
    # jemalloc (polars' allocator) keeps freed pages for 10 s by default, in one arena per core,
    # so a long run would hold ~100 MiB it no longer uses: give them back within 0.1 s, from one
    # arena (measured: 1M rows peak at 214-244 MiB instead of 300-350, no slower), unless the
    # user tuned it already.
    os.environ.setdefault("_RJEM_MALLOC_CONF", "dirty_decay_ms:100,muzzy_decay_ms:0,narenas:1")

import polars as pl  # noqa: E402

from lifeservices_cli import units
from lifeservices_cli.cells import (
    FALSE_MARKS,
    MISSING_MARKS,
    SPREADSHEET_ERRORS,
    TRUE_MARKS,
    Converter,
    match_header,
)
from lifeservices_cli.compiler import Check, CompiledIndicator, Entity
from lifeservices_cli.engine import ELIGIBLE, FAIL, INVALID, MISSING, NA, NOT_ELIGIBLE, PASS, Engine
from lifeservices_cli.formula import Node
from lifeservices_cli.i18n import Lang, t
from lifeservices_cli.numbers import to_json
from lifeservices_cli.values import Unknown

I128 = pl.Int128
BLOCK_BYTES = 1 << 19  # about 8,000 rows of a typical community file
_SEP = {"zh": "；", "en": "; "}
# Cells made only of these characters read the same after NFKC and need no JSON escaping.
_SAFE = r"^[\x20\x21\x23-\x5b\x5d-\x7e\u3400-\u4dbf\u4e00-\u9fff\u3001\u2014\u00b7]*$"
_PLAIN = r"^[+-]?[0-9]{1,9}(\.[0-9]{1,6})?$"
_GROUPED = r"^[+-]?[0-9]{1,3}(,[0-9]{3}){1,2}(\.[0-9]{1,6})?$"
_MAX_JSON = 10**9  # values this large or larger leave the fast path (float repr would differ)


_MASK = pl.UInt64
_ZERO = pl.lit(0, _MASK)
# An unknown's mask: bit i when field i is missing, bit 31 + i when its cell is invalid, DIVISION
# for a division by zero (whose reason the record engine words).
MAX_FIELDS = 31
DIVISION = 1 << 62
INVALID_BITS = ((1 << MAX_FIELDS) - 1) << MAX_FIELDS
MAX_MASK_FIELDS = 10  # fields one indicator may leave unknown in columns (2**10 messages prepared)


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


# --------------------------------------------------------------------------- formulas


class _Env:
    """Column expressions for the fields of one batch, and the pack's constants.

    Beside each value, ``mask`` gives what an unknown value is missing, as a bit set: bit
    ``bits[field]`` for a blank field, ``INVALID`` for a division by zero. It is the engine's
    ``Unknown.missing`` (``merge`` is a union): zero where the value is known.
    """

    def __init__(
        self,
        numbers: dict[str, Rat],
        flags: dict[str, pl.Expr],
        texts: dict[str, pl.Expr],
        constants: dict[str, Any],
        bits: dict[str, int] | None = None,
    ):
        self.numbers, self.flags, self.texts, self.constants = numbers, flags, texts, constants
        self.bits = bits or {}

    def _leaf_mask(self, name: str) -> pl.Expr:
        bit = self.bits.get(name)
        if bit is None:  # a constant: always known
            return _ZERO
        column = self.numbers[name].num if name in self.numbers else self.flags.get(name, self.texts.get(name))
        assert column is not None
        unknown = pl.when(pl.col(f"x.{name}")).then(pl.lit(bit << MAX_FIELDS, _MASK)).otherwise(pl.lit(bit, _MASK))
        return pl.when(column.is_null()).then(unknown).otherwise(_ZERO)

    def mask(self, node: Node) -> pl.Expr:
        """What ``node``'s value is missing when it is unknown (zero when it is known)."""
        kind = node.kind
        if kind in ("num", "bool", "str"):
            return _ZERO
        if kind == "name":
            return self._leaf_mask(node.value)
        if kind in ("pos", "neg", "not") or (kind == "call" and node.value == "abs"):
            return self.mask(node.args[0])
        acc = _ZERO
        for arg in node.args:
            acc = acc | self.mask(arg)
        if kind == "arith":
            for (op, _), arg in zip(node.ops, node.args[1:], strict=True):
                if op == "/":
                    zero = (self.number(arg).num == 0).fill_null(False)
                    acc = acc | pl.when(zero).then(pl.lit(DIVISION, _MASK)).otherwise(_ZERO)
            return acc
        if kind == "cmp":
            return acc
        if kind in ("and", "or"):  # Kleene: a deciding operand makes the others' unknowns irrelevant
            return pl.when(self.flag(node).is_null()).then(acc).otherwise(_ZERO)
        raise NotFast(f"formula part {kind} {node.value!r}")

    def number(self, node: Node) -> Rat:
        kind = node.kind
        if kind == "num":
            return _lit(node.value)
        if kind == "name":
            if node.value in self.numbers:
                return self.numbers[node.value]
            value = self.constants.get(node.value)
            if isinstance(value, Fraction):
                return _lit(value)
            raise NotFast(f"name {node.value!r}")
        if kind == "pos":
            return self.number(node.args[0])
        if kind == "neg":
            inner = self.number(node.args[0])
            return Rat(inner.num * -1, inner.den, inner.top, inner.bot)  # polars has no unary minus for Int128
        if kind == "arith":
            acc = self.number(node.args[0])
            for (op, _), arg in zip(node.ops, node.args[1:], strict=True):
                b = self.number(arg)
                top, bot = acc.top * b.bot + b.top * acc.bot, acc.bot * b.bot
                if op == "+":
                    acc = Rat(acc.num * b.den + b.num * acc.den, acc.den * b.den, top, bot)
                elif op == "-":
                    acc = Rat(acc.num * b.den - b.num * acc.den, acc.den * b.den, top, bot)
                elif op == "*":
                    acc = Rat(acc.num * b.num, acc.den * b.den, acc.top * b.top, acc.bot * b.bot)
                else:  # division by zero is unknown here; the record engine gives its reason
                    zero = b.num == 0
                    acc = _norm(
                        pl.when(zero).then(None).otherwise(acc.num * b.den),
                        pl.when(zero).then(None).otherwise(acc.den * b.num),
                        acc.top * b.bot,
                        acc.bot * b.top,
                    )
            return acc
        if kind == "call" and node.value == "abs":
            inner = self.number(node.args[0])
            return Rat(inner.num.abs(), inner.den, inner.top, inner.bot)
        raise NotFast(f"formula part {kind} {node.value!r}")

    def flag(self, node: Node) -> pl.Expr:
        kind = node.kind
        if kind == "bool":
            return pl.lit(node.value, dtype=pl.Boolean)
        if kind == "name" and node.value in self.flags:
            return self.flags[node.value]
        if kind == "not":
            return ~self.flag(node.args[0])
        if kind in ("and", "or"):
            acc = self.flag(node.args[0])
            for arg in node.args[1:]:
                acc = (acc & self.flag(arg)) if kind == "and" else (acc | self.flag(arg))
            return acc
        if kind == "cmp":
            left, right = node.args
            if self._is_number(left):
                return _cmp(node.value, self.number(left), self.number(right))
            a, b = self.plain(left), self.plain(right)
            return (a == b) if node.value == "==" else (a != b)
        raise NotFast(f"formula part {kind} {node.value!r}")

    def plain(self, node: Node) -> pl.Expr:
        if node.kind == "str":
            return pl.lit(node.value)
        if node.kind == "name" and node.value in self.texts:
            return self.texts[node.value]
        return self.flag(node)

    def _is_number(self, node: Node) -> bool:
        if node.kind in ("num", "neg", "pos", "arith") or (node.kind == "call" and node.value == "abs"):
            return True
        return node.kind == "name" and (
            node.value in self.numbers or isinstance(self.constants.get(node.value), Fraction)
        )


# --------------------------------------------------------------------------- cells


def _cell_stages(i: int, kind: str, factor: Fraction, minimum: Fraction | None) -> list[list[pl.Expr]]:
    """Column ``c{i}`` read as a field of type ``kind``, in stages that each materialise their columns.

    The value goes to ``v{i}`` (a number: its numerator over ``CELL_SCALE × factor.denominator``)
    and ``y{i}`` says whether the columns settle the cell (missing, or read exactly); the
    others are for the record converter (``_resolve``).
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
        stages.append(
            [pl.when(missing).then(None).otherwise(text).alias(f"v{i}"), (missing | (safe & ~error)).alias(f"y{i}")]
        )
    return stages


def _cell_bounds(factor: Fraction) -> tuple[int, int]:
    """Bounds of a number cell's numerator and denominator in a column with unit ``factor``."""
    return 10**CELL_DIGITS * factor.numerator, CELL_SCALE * factor.denominator


_LINE = 7_346_150_291  # a line number no message holds otherwise: where the real line goes


@dataclass
class _Resolved:
    """Cells the columns cannot read exactly, read by the record converter (distinct texts only)."""

    raws: list[str]
    values: list[Any]  # Fraction, bool or str; None when unknown
    invalid: list[bool]
    head: list[str | None]  # the invalid reason as JSON string content, before and after the line
    tail: list[str | None]
    hard: list[bool]  # no exact column form: the record engine takes the row


def _resolve(raws: list[str], convert: Converter) -> _Resolved:
    out = _Resolved(raws, [], [], [], [], [])
    for raw in raws:
        value = convert(raw, _LINE)
        head = tail = None
        hard = False
        if isinstance(value, Unknown):
            if value.is_invalid:
                reason = _quote(value.invalid[0])[1:-1]
                parts = reason.split(str(_LINE))
                hard = len(value.invalid) != 1 or len(parts) != 2
                head, tail = (parts[0], parts[1]) if len(parts) == 2 else (None, None)
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


# --------------------------------------------------------------------------- indicators


def _col_rat(name: str) -> Rat:
    return Rat(pl.col(f"{name}.n"), pl.col(f"{name}.d"))


def _store_rat(name: str, r: Rat) -> list[pl.Expr]:
    return [r.num.alias(f"{name}.n"), r.den.alias(f"{name}.d")]


class Plan:
    """How one CSV input is checked in columns: its fields, indicators and constant parts.

    Each batch is computed in stages that materialise their columns (cells, then metrics and
    thresholds, then decisions, then text), so every expression stays small.
    """

    def __init__(
        self,
        engine: Engine,
        entity: Entity,
        header: list[str],
        source: str,
        encoding: str,
        delimiter: str,
        path: Path,
        converters: dict[int, tuple[str, Converter]],
        absent: dict[str, Any],
    ):
        self.engine, self.entity, self.header, self.source = engine, entity, header, source
        self.encoding, self.delimiter, self.path = encoding, delimiter, path
        self.lang: Lang = engine.lang
        self.indicators = engine.indicators_for(entity.name)
        if not self.indicators:
            raise NotFast("no record-level indicator")
        self.columns: dict[str, tuple[int, Fraction]] = {}
        for index, head in enumerate(header):
            fname, unit_text = match_header(head, entity.aliases)
            if fname is None:
                continue
            spec = entity.spec.fields[fname]
            if spec.type == "date":
                raise NotFast("date fields")
            if spec.minimum is not None and Fraction(str(spec.minimum)) != 0:
                raise NotFast("a minimum other than 0")
            factor = Fraction(1)
            if unit_text is not None and spec.type == "number" and spec.unit is not None:
                factor = units.conversion(unit_text, spec.unit) or Fraction(1)
            self.columns[fname] = (index, factor)
        # the columns must be the ones the record reader binds (e.g. not a second column of a field)
        if {(i, f) for f, (i, _) in self.columns.items()} != {(i, f) for i, (f, _) in converters.items()}:
            raise NotFast("the columns bind differently")
        self.converters = {i: conv for i, (_, conv) in converters.items()}
        self.absent = absent  # the record reader's values of fields without a column
        self.constants = dict(engine.constants)
        # the fields some formula reads, and those every result shows (or a group or duplicate check needs)
        formulas = [
            f
            for ind, checks in self.indicators
            for f in (ind.applies_if, ind.shortfall, *(x for c in checks for x in (c.metric, c.threshold_formula)))
        ]
        self.used = {n for f in formulas if f is not None for n in _names(f.tree)} | {"id", "name", "district"}
        self.used |= {agg.spec.aggregate.by for agg in engine.packset.indicators if agg.spec.aggregate is not None}
        self.env = self._env()
        for ind, checks in self.indicators:  # fail early on what columns cannot express
            self._stage_metrics(0, ind, checks)

    def _env(self) -> _Env:
        numbers: dict[str, Rat] = {}
        flags: dict[str, pl.Expr] = {}
        texts: dict[str, pl.Expr] = {}
        for fname, spec in self.entity.spec.fields.items():
            if spec.type == "number":
                numbers[fname] = replace(_col_rat(f"f.{fname}"), top=self._bounds(fname)[0], bot=self._bounds(fname)[1])
            elif spec.type == "boolean":
                flags[fname] = pl.col(f"f.{fname}")
            else:
                texts[fname] = pl.col(f"f.{fname}")
        if len(self.entity.spec.fields) > MAX_FIELDS:
            raise NotFast(f"more than {MAX_FIELDS} fields")
        bits = {fname: 1 << i for i, fname in enumerate(self.entity.spec.fields)}
        return _Env(numbers, flags, texts, self.constants, bits)

    def _bounds(self, fname: str) -> tuple[int, int]:
        """Bounds of a number field's numerator and denominator (see ``Rat``)."""
        where = self.columns.get(fname)
        if where is not None:
            return _cell_bounds(where[1])
        value = self._absent(fname)
        value = value if isinstance(value, Fraction) else Fraction(0)
        return abs(value.numerator), value.denominator

    def _absent(self, fname: str) -> Fraction | bool | str | None:
        """The value a field without a column has: its default read as the record reader reads it."""
        value = self.absent.get(fname)
        if isinstance(value, Unknown):
            if value.is_invalid:  # a default the converter cannot read: its reason is the record engine's
                raise NotFast("an unreadable default")
            return None
        if value is not None and not isinstance(value, Fraction | bool | str):
            raise NotFast("a default of another kind")
        return value

    # ----------------------------------------------------------------- stage 1: cells

    def _stage_cells(self) -> list[list[pl.Expr]]:
        """Every field's value where plain columns read it; ``u.FIELD`` marks the cells they cannot."""
        stages: list[list[pl.Expr]] = [[], [], [], []]
        last: list[pl.Expr] = []
        for fname, spec in self.entity.spec.fields.items():
            if fname not in self.used:  # read by nothing: the record engine would not look at it either
                continue
            where = self.columns.get(fname)
            if where is None:
                default = self._absent(fname)
                if spec.type == "number":
                    value = (
                        _lit(default) if isinstance(default, Fraction) else Rat(pl.lit(None, I128), pl.lit(None, I128))
                    )
                    last += _store_rat(f"f.{fname}", value)
                elif spec.type == "boolean":
                    flag = default if isinstance(default, bool) else None
                    last.append(pl.lit(flag, dtype=pl.Boolean).alias(f"f.{fname}"))
                else:
                    last.append(
                        pl.lit(default if isinstance(default, str) else None, dtype=pl.Utf8).alias(f"f.{fname}")
                    )
                continue
            index, factor = where
            minimum = Fraction(str(spec.minimum)) if spec.minimum is not None else None
            for n, stage in enumerate(_cell_stages(index, spec.type, factor, minimum)):
                stages[n] += stage
            if spec.type == "number":
                last.append(pl.col(f"v{index}").alias(f"f.{fname}.n"))
                last.append(pl.lit(_cell_bounds(factor)[1], dtype=I128).alias(f"f.{fname}.d"))
            else:
                last.append(pl.col(f"v{index}").alias(f"f.{fname}"))
            last.append((~pl.col(f"y{index}")).alias(f"u.{fname}"))
        return [stage for stage in [*stages, last] if stage]

    def _resolve_cells(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Read the cells the columns could not with the record converter, once per distinct text.

        Adds ``x.FIELD`` (the cell is invalid), ``rh.FIELD``/``rt.FIELD`` (its reason around the
        line, as JSON string content), ``j.FIELD`` for text fields (the value as JSON) and
        ``h.cells`` (a cell with no exact column form).
        """
        exprs: list[pl.Expr] = []
        hard = pl.lit(False)
        for fname, spec in self.entity.spec.fields.items():
            if fname not in self.used:
                continue
            where = self.columns.get(fname)
            value = pl.col(f"f.{fname}")
            if where is None:
                exprs += [pl.lit(False).alias(f"x.{fname}"), pl.lit(None, pl.Utf8).alias(f"rh.{fname}")]
                exprs.append(pl.lit(None, pl.Utf8).alias(f"rt.{fname}"))
                if spec.type == "text":
                    default = self._absent(fname)
                    shown = _quote(default) if isinstance(default, str) else "null"
                    exprs.append(pl.lit(shown).alias(f"j.{fname}"))
                continue
            column, unsettled = f"c{where[0]}", pl.col(f"u.{fname}")
            raws = frame.filter(unsettled).get_column(column).unique(maintain_order=True).to_list()
            if not raws:
                exprs += [pl.lit(False).alias(f"x.{fname}"), pl.lit(None, pl.Utf8).alias(f"rh.{fname}")]
                exprs.append(pl.lit(None, pl.Utf8).alias(f"rt.{fname}"))
                if spec.type == "text":
                    exprs.append(_json_text(value).alias(f"j.{fname}"))
                continue
            got = _resolve(raws, self.converters[where[0]])
            raw = pl.col(column)

            def mapped(values: list[Any], dtype: Any, raw: pl.Expr = raw, raws: list[str] = got.raws) -> pl.Expr:
                return raw.replace_strict(raws, values, default=None, return_dtype=dtype)

            if spec.type == "number":  # as a numerator over the column's denominator, within its bounds
                top, den = _cell_bounds(where[1])
                nums: list[int | None] = []
                for n, v in enumerate(got.values):
                    scaled = v * den if isinstance(v, Fraction) else None
                    if scaled is not None and (scaled.denominator != 1 or abs(scaled.numerator) > top):
                        got.hard[n], scaled = True, None
                    nums.append(scaled.numerator if scaled is not None else None)
                exprs.append(
                    pl.when(unsettled).then(mapped(nums, I128)).otherwise(pl.col(f"f.{fname}.n")).alias(f"f.{fname}.n")
                )
            elif spec.type == "boolean":
                flags = [v if isinstance(v, bool) else None for v in got.values]
                exprs.append(pl.when(unsettled).then(mapped(flags, pl.Boolean)).otherwise(value).alias(f"f.{fname}"))
            else:
                texts = [v if isinstance(v, str) else None for v in got.values]
                shown = [_quote(v) if isinstance(v, str) else "null" for v in got.values]
                exprs.append(pl.when(unsettled).then(mapped(texts, pl.Utf8)).otherwise(value).alias(f"f.{fname}"))
                exprs.append(
                    pl.when(unsettled).then(mapped(shown, pl.Utf8)).otherwise(_json_text(value)).alias(f"j.{fname}")
                )
            exprs.append((unsettled & mapped(got.invalid, pl.Boolean)).alias(f"x.{fname}"))
            exprs.append(pl.when(unsettled).then(mapped(got.head, pl.Utf8)).alias(f"rh.{fname}"))
            exprs.append(pl.when(unsettled).then(mapped(got.tail, pl.Utf8)).alias(f"rt.{fname}"))
            hard = hard | (unsettled & mapped(got.hard, pl.Boolean)).fill_null(True)
        return frame.with_columns(*exprs, hard.alias("h.cells"))

    # ----------------------------------------------------------------- stage 2: metrics, thresholds

    def _stage_metrics(self, k: int, ind: CompiledIndicator, checks: tuple[Check, ...]) -> list[pl.Expr]:
        env = self.env
        exprs: list[pl.Expr] = []
        if ind.applies_if is not None:
            if ind.applies_if.tree is None:
                raise NotFast("a formula without a tree")
            exprs.append(env.flag(ind.applies_if.tree).alias(f"a{k}"))
            exprs.append(env.mask(ind.applies_if.tree).alias(f"am{k}"))
        else:
            exprs += [pl.lit(True).alias(f"a{k}"), _ZERO.alias(f"am{k}")]
        for i, check in enumerate(checks):
            if check.metric.tree is None:
                raise NotFast("a formula without a tree")
            mask = env.mask(check.metric.tree)
            if check.metric.type == "number":
                value = env.number(check.metric.tree)
                if check.threshold_formula is not None:
                    assert check.threshold_formula.tree is not None
                    threshold = env.number(check.threshold_formula.tree)
                    mask = mask | env.mask(check.threshold_formula.tree)
                elif isinstance(check.threshold, Fraction):
                    threshold = _lit(check.threshold)
                else:
                    raise NotFast("threshold")
                _shown(value, threshold, _gap(value, threshold))
                exprs += _store_rat(f"v{k}.{i}", value) + _store_rat(f"t{k}.{i}", threshold)
            elif check.metric.type == "boolean" and isinstance(check.threshold, bool):
                exprs.append(env.flag(check.metric.tree).alias(f"v{k}.{i}"))
            else:
                raise NotFast(f"a {check.metric.type} metric")
            exprs.append(mask.alias(f"om{k}.{i}"))  # the outcome's: merge(value, threshold)
        if ind.shortfall is not None and ind.shortfall.tree is not None:
            threshold = checks[0].threshold
            if not isinstance(threshold, Fraction):
                raise NotFast("a shortfall with a formula threshold")
            sub = _Env(env.numbers, env.flags, env.texts, {**env.constants, "threshold": threshold}, env.bits)
            need = sub.number(ind.shortfall.tree)
            _shown(need)
            exprs += _store_rat(f"sf{k}", need)
        return exprs

    # ----------------------------------------------------------------- stage 3: decisions

    def _stage_decisions(self, k: int, ind: CompiledIndicator, checks: tuple[Check, ...]) -> list[pl.Expr]:
        oks = []
        for i, check in enumerate(checks):
            if check.metric.type == "number":
                oks.append(_cmp(check.comparator, _col_rat(f"v{k}.{i}"), _col_rat(f"t{k}.{i}")))
            else:
                value = pl.col(f"v{k}.{i}")
                oks.append((value == check.threshold) if check.comparator == "==" else (value != check.threshold))
        exprs = [ok.alias(f"o{k}.{i}") for i, ok in enumerate(oks)]
        if ind.combine == "one":
            decision = oks[0]
        elif ind.combine == "all":
            decision = pl.all_horizontal(oks)  # Kleene, like the engine's _combine
        else:
            decision = pl.any_horizontal(oks)
        exprs.append(decision.alias(f"d{k}"))
        masks = [pl.col(f"om{k}.{i}") for i in range(len(checks))]
        merged = masks[0]
        for m in masks[1:]:
            merged = merged | m
        exprs.append(pl.when(decision.is_null()).then(merged).otherwise(_ZERO).alias(f"dm{k}"))
        return exprs

    # ----------------------------------------------------------------- stage 4: text

    def _stage_numbers(self, k: int, ind: CompiledIndicator, checks: tuple[Check, ...]) -> list[list[pl.Expr]]:
        """The numbers of indicator ``k`` as the report shows them: JSON (``*j``, with ``*h``: not
        sure to be exact) and display text (``*d``) of values, thresholds, gaps and the shortfall."""
        parts: list[pl.Expr] = []
        texts: list[pl.Expr] = []

        def number(r: Rat, name: str, display: bool) -> None:
            parts.extend(_number_parts(r, f"{name}{k}.{i}"))
            text, hard = _json_number(f"{name}{k}.{i}")
            texts.extend([text.alias(f"{name}j{k}.{i}"), hard.alias(f"{name}h{k}.{i}")])
            if display:
                texts.append(_display(f"{name}{k}.{i}").alias(f"{name}d{k}.{i}"))

        for i, check in enumerate(checks):
            if check.metric.type != "number":
                continue
            value, threshold = _col_rat(f"v{k}.{i}"), _col_rat(f"t{k}.{i}")
            number(value, "v", True)
            number(_gap(value, threshold), "g", False)
            if check.threshold_formula is not None:
                number(threshold, "t", True)
            else:  # a constant: its text is the record engine's own
                assert isinstance(check.threshold, Fraction)
                texts += [pl.lit(_num_text(check.threshold)).alias(f"tj{k}.{i}"), pl.lit(False).alias(f"th{k}.{i}")]
        if ind.shortfall is not None and ind.shortfall.tree is not None:
            i = 0
            number(_col_rat(f"sf{k}"), "sf", True)
        return [parts, texts]

    def _stage_text(self, k: int, ind: CompiledIndicator, checks: tuple[Check, ...]) -> tuple[pl.Expr, list[pl.Expr]]:
        """The status of indicator ``k`` (a stage before the rest), and its hard flag and result line."""
        lang = self.lang
        applies, decision = pl.col(f"a{k}"), pl.col(f"d{k}")
        oks = [pl.col(f"o{k}.{i}") for i in range(len(checks))]
        eligibility = ind.spec.kind == "eligibility"
        yes, no = (ELIGIBLE, NOT_ELIGIBLE) if eligibility else (PASS, FAIL)
        applies_mask, decision_mask = pl.col(f"am{k}"), pl.col(f"dm{k}")
        status = pl.col(f"s{k}")
        status_expr = (
            pl.when(applies.is_null())
            .then(_unknown_status(applies_mask))
            .when(~applies)
            .then(pl.lit(NA))
            .when(decision.is_null())
            .then(_unknown_status(decision_mask))
            .when(decision)
            .then(pl.lit(yes))
            .otherwise(pl.lit(no))
        )
        primary = self.primary(ind.combine, oks, decision)
        parts, parts_hard = self.result_parts(k, checks, primary)
        message = self.message(k, ind, checks, oks, decision, eligibility)
        shortfall, shortfall_hard = self.shortfall(k, ind, decision)
        head = checks[0]
        na_threshold = (
            _num_text(head.threshold) if isinstance(head.threshold, Fraction) else json.dumps(to_json(head.threshold))
        )
        na_message = _quote(t("msg.not_applicable", lang, condition=self.condition(ind)))
        unit = _quote(head.unit) if head.unit is not None else "null"
        na_line = (
            f'"indicator": {_quote(ind.id)}, "status": "{NA}", "value": null, "threshold": {na_threshold}, '
            f'"comparator": {_quote(head.comparator)}, "unit": {unit}, "gap": null, "shortfall": null'
            f"{self.tail(ind)}{na_message}}}"
        )
        missing_head = f'"indicator": {_quote(ind.id)}, "status": "'
        missing_tail = ', "gap": null, "shortfall": null' + self.tail(ind)
        applies_missing = pl.concat_str(
            [
                pl.lit(missing_head),
                _unknown_status(applies_mask),
                pl.lit(f'", "value": null, "threshold": {na_threshold}, "comparator": {_quote(head.comparator)}'),
                pl.lit(f', "unit": {unit}{missing_tail}'),
                self.unknown_message(ind, "msg.missing_applicability", applies_mask, [ind.applies_if]),
                pl.lit("}"),
            ]
        )
        unknown = self.primary_unknown(k, checks)
        decision_missing = pl.concat_str(
            [
                pl.lit(missing_head),
                _unknown_status(decision_mask),
                pl.lit('", "value": null, "threshold": '),
                self.pick(unknown, [self.threshold_json(k, i, c) for i, c in enumerate(checks)]),
                pl.lit(', "comparator": '),
                self.pick(unknown, [pl.lit(_quote(c.comparator)) for c in checks]),
                pl.lit(', "unit": '),
                self.pick(unknown, [pl.lit(_quote(c.unit) if c.unit is not None else "null") for c in checks]),
                pl.lit(missing_tail),
                self.unknown_message(
                    ind, "msg.missing", decision_mask, [f for c in checks for f in (c.metric, c.threshold_formula)]
                ),
                pl.lit("}"),
            ]
        )
        line = (
            pl.when(applies.is_null())
            .then(applies_missing)
            .when(~applies)
            .then(pl.lit(na_line))
            .when(decision.is_null())
            .then(decision_missing)
            .otherwise(
                pl.concat_str(
                    [
                        pl.lit(f'"indicator": {_quote(ind.id)}, "status": "'),
                        status,
                        pl.lit('", "value": '),
                        parts["value"],
                        pl.lit(', "threshold": '),
                        parts["threshold"],
                        pl.lit(', "comparator": '),
                        parts["comparator"],
                        pl.lit(', "unit": '),
                        parts["unit"],
                        pl.lit(', "gap": '),
                        parts["gap"],
                        pl.lit(', "shortfall": '),
                        shortfall,
                        pl.lit(self.tail(ind)),
                        _json_text(message),
                        pl.lit("}"),
                    ]
                )
            )
        )
        # (a null line, an unknown the columns cannot word, is hard too: see ``frame``)
        hard = applies.fill_null(False) & (parts_hard | shortfall_hard)
        return status_expr.alias(f"s{k}"), [hard.fill_null(True).alias(f"h{k}"), line.alias(f"l{k}")]

    @staticmethod
    def pick(index: pl.Expr, options: list[pl.Expr]) -> pl.Expr:
        out = options[0]
        for n in range(1, len(options)):
            out = pl.when(index == n).then(options[n]).otherwise(out)
        return out

    @staticmethod
    def primary_unknown(k: int, checks: tuple[Check, ...]) -> pl.Expr:
        """The check an unknown decision is reported on: the first with an unknown outcome."""
        chosen = pl.lit(0)
        for i in range(len(checks) - 1, -1, -1):
            chosen = pl.when(pl.col(f"o{k}.{i}").is_null()).then(pl.lit(i)).otherwise(chosen)
        return chosen

    def threshold_json(self, k: int, i: int, check: Check) -> pl.Expr:
        """A check's threshold as JSON when its outcome is unknown (null when the threshold is)."""
        if check.threshold_formula is None:
            threshold = check.threshold
            return pl.lit(_num_text(threshold) if isinstance(threshold, Fraction) else json.dumps(to_json(threshold)))
        return pl.when(pl.col(f"t{k}.{i}.n").is_null()).then(pl.lit("null")).otherwise(pl.col(f"tj{k}.{i}"))

    def unknown_message(self, ind: CompiledIndicator, key: str, mask: pl.Expr, formulas: list[Any]) -> pl.Expr:
        """The engine's message for an unknown outcome, as a JSON string (null: the record engine words it).

        Missing fields are named (every possible ``mask`` prepared); one invalid cell gives its
        reason; more than one, or a division by zero, is left to the record engine (the order
        of its reasons follows the evaluation).
        """
        bits = self.env.bits
        leaves = sorted({n for f in formulas if f is not None for n in _names(f.tree)} & set(bits))
        if len(leaves) > MAX_MASK_FIELDS:
            raise NotFast("too many fields in one indicator")
        fields = self.engine.packset.entities[ind.spec.entity].spec.fields
        masks, texts = [], []
        for subset in range(1, 1 << len(leaves)):
            names = [leaves[j] for j in range(len(leaves)) if subset >> j & 1]
            titles = "、".join(sorted(fields[n].title.get(self.lang) if n in fields else n for n in names))
            masks.append(sum(bits[n] for n in names))
            texts.append(_quote(t(key, self.lang, fields=titles)))
        missing = mask.replace_strict(masks, texts, default=None, return_dtype=pl.Utf8) if masks else pl.lit(None)
        head, tail = _quote(t("msg.invalid", self.lang, reasons="\0")).split("\\u0000")
        invalid: pl.Expr = pl.lit(None, pl.Utf8)
        for name in leaves:
            reason = pl.concat_str(
                [pl.lit(head), pl.col(f"rh.{name}"), pl.col("_line").cast(pl.Utf8), pl.col(f"rt.{name}"), pl.lit(tail)]
            )
            only = (mask & pl.lit(INVALID_BITS | DIVISION, _MASK)) == (bits[name] << MAX_FIELDS)
            invalid = pl.when(only).then(reason).otherwise(invalid)
        divisions = [d for f in formulas if f is not None for d in _divisors(f.text, f.tree)]
        if len(divisions) == 1:  # a division by zero alone: its reason is the same on every row
            reason = t("msg.invalid", self.lang, reasons=t("msg.division_by_zero", self.lang, expr=divisions[0]))
            alone = (mask & pl.lit(INVALID_BITS | DIVISION, _MASK)) == DIVISION
            invalid = pl.when(alone).then(pl.lit(_quote(reason))).otherwise(invalid)
        return pl.when((mask & pl.lit(INVALID_BITS | DIVISION, _MASK)) == 0).then(missing).otherwise(invalid)

    def frame(self, batch: pl.DataFrame) -> pl.DataFrame:
        """The batch's ``hard`` rows and, for the others, ``text`` (the row's result lines), with
        the status columns ``s{k}``, ``_id``, ``_line``, the raw cells and the field values."""
        cells, later, keep = self._stages
        for stage in cells:
            batch = batch.with_columns(stage)
        frame = self._resolve_cells(batch)
        for stage in later:
            frame = frame.with_columns(stage)
        return frame.select(keep)  # what the driver reads; the rest is freed now

    @cached_property
    def _stages(self) -> tuple[list[list[pl.Expr]], list[list[pl.Expr]], list[str]]:
        """The expressions of every batch, built once: the cell stages, the stages after the
        record converter has read the odd cells, and the columns a batch keeps."""
        later: list[list[pl.Expr]] = [[], [], [], [], []]
        for k, (ind, checks) in enumerate(self.indicators):
            later[0] += self._stage_metrics(k, ind, checks)
            later[1] += self._stage_decisions(k, ind, checks)
            parts, texts = self._stage_numbers(k, ind, checks)
            status, lines = self._stage_text(k, ind, checks)
            later[2] += parts
            later[3] += [*texts, status]
            later[4] += lines
        hard = pl.any_horizontal(
            [
                pl.col("h.cells"),
                *(pl.col(f"h{k}") | pl.col(f"l{k}").is_null() for k in range(len(self.indicators))),
            ]
        )
        record_id = pl.col("f.id") if "id" in self.env.texts else pl.lit(None, dtype=pl.Utf8)
        shown = [
            pl.col(f"j.{name}") if name in self.env.texts else pl.lit("null") for name in ("id", "name", "district")
        ]
        prefix = pl.concat_str(
            [
                pl.lit(f'{{"source": {_quote(self.source)}, "line": '),
                pl.col("_line").cast(pl.Utf8),
                pl.lit(', "record_id": '),
                shown[0],
                pl.lit(', "record_name": '),
                shown[1],
                pl.lit(', "district": '),
                shown[2],
                pl.lit(", "),
            ]
        )
        later.append([hard.alias("hard"), record_id.alias("_id"), prefix.alias("_prefix")])
        text = pl.concat_str(
            [pl.concat_str([pl.col("_prefix"), pl.col(f"l{k}")]) for k in range(len(self.indicators))],
            separator=",\n    ",
        )
        later.append([pl.when(pl.col("hard")).then(None).otherwise(text).alias("text")])
        keep = ["_line", "hard", "text", "_id", *(f"s{k}" for k in range(len(self.indicators)))]
        keep += [f"c{i}" for i in range(len(self.header))]
        keep += [f"f.{name}" for name in sorted(self.used) if name in self.env.texts]  # groups
        return self._stage_cells(), [stage for stage in later if stage], keep

    def condition(self, ind: CompiledIndicator) -> str:
        spec = ind.spec
        if spec.applies_title:
            return spec.applies_title.get(self.lang)
        return ind.applies_if.text if ind.applies_if else ""

    @staticmethod
    def tail(ind: CompiledIndicator) -> str:
        spec = ind.spec
        departments = json.dumps(spec.departments, ensure_ascii=False)
        return f', "clause": {_quote(spec.clause.ref)}, "departments": {departments}, "message": '

    @staticmethod
    def primary(combine: str, oks: list[pl.Expr], decision: pl.Expr) -> pl.Expr:
        """Which check's value the result shows (the engine's ``_combine``)."""
        if combine == "one":
            return pl.lit(0)
        decisive = combine != "all"
        chosen = pl.lit(0)
        for k in range(len(oks) - 1, -1, -1):
            chosen = pl.when(oks[k] == decisive).then(pl.lit(k)).otherwise(chosen)
        return pl.when(decision == decisive).then(chosen).otherwise(pl.lit(0))

    def result_parts(self, k: int, checks: tuple[Check, ...], primary: pl.Expr) -> tuple[dict[str, pl.Expr], pl.Expr]:
        value_text, thr_text, gap_text, hards = [], [], [], []
        for i, check in enumerate(checks):
            if check.metric.type == "number":
                value_text.append(pl.col(f"vj{k}.{i}"))
                thr_text.append(pl.col(f"tj{k}.{i}"))
                gap_text.append(pl.col(f"gj{k}.{i}"))
                hards.append(pl.col(f"vh{k}.{i}") | pl.col(f"th{k}.{i}") | pl.col(f"gh{k}.{i}"))
            else:
                value_text.append(pl.when(pl.col(f"v{k}.{i}")).then(pl.lit("true")).otherwise(pl.lit("false")))
                thr_text.append(pl.lit(json.dumps(check.threshold)))
                gap_text.append(pl.lit("null"))
                hards.append(pl.lit(False))

        def pick(options: list[pl.Expr]) -> pl.Expr:
            out = options[0]
            for n in range(1, len(options)):
                out = pl.when(primary == n).then(options[n]).otherwise(out)
            return out

        comparators = [pl.lit(_quote(c.comparator)) for c in checks]
        unit_list = [pl.lit(_quote(c.unit) if c.unit is not None else "null") for c in checks]
        parts = {
            "value": pick(value_text),
            "threshold": pick(thr_text),
            "gap": pick(gap_text),
            "comparator": pick(comparators),
            "unit": pick(unit_list),
        }
        return parts, pick(hards)

    def shortfall(self, k: int, ind: CompiledIndicator, decision: pl.Expr) -> tuple[pl.Expr, pl.Expr]:
        if ind.shortfall is None or ind.shortfall.tree is None:
            return pl.lit("null"), pl.lit(False)
        shown = (~decision & (pl.col(f"sf{k}.n") > 0)).fill_null(False)
        return pl.when(shown).then(pl.col(f"sfj{k}.0")).otherwise(pl.lit("null")), (shown & pl.col(f"sfh{k}.0"))

    def describe(self, k: int, i: int, check: Check) -> pl.Expr:
        """The engine's ``_describe`` for one check."""
        lang = self.lang
        title = check.title.get(lang)
        if check.metric.type != "number":
            yes, no = t("words.yes", lang), t("words.no", lang)
            colon = "：" if lang == "zh" else ": "
            return pl.concat_str(
                [_text(f"{title}{colon}"), pl.when(pl.col(f"v{k}.{i}")).then(_text(yes)).otherwise(_text(no))]
            )
        unit = f" {check.unit}" if check.unit else ""
        open_, close = ("（", "）") if lang == "zh" else (" (", ")")
        if check.threshold_formula is not None:
            word = check.word if check.word and lang == "zh" else check.comparator
            shown = check.threshold_title.get(lang) if check.threshold_title else check.threshold_formula.text
            rule = pl.concat_str([_text(f"{word} {shown} "), pl.col(f"td{k}.{i}"), _text(unit)])
        else:
            rule = _text(check.rule_text(lang))
        return pl.concat_str([_text(f"{title} = "), pl.col(f"vd{k}.{i}"), _text(f"{unit}{open_}"), rule, _text(close)])

    def message(
        self,
        k: int,
        ind: CompiledIndicator,
        checks: tuple[Check, ...],
        oks: list[pl.Expr],
        decision: pl.Expr,
        eligibility: bool,
    ) -> pl.Expr:
        lang = self.lang
        pieces = []
        for i, (check, ok) in enumerate(zip(checks, oks, strict=True)):
            known = pl.col(f"v{k}.{i}.n" if check.metric.type == "number" else f"v{k}.{i}").is_not_null()
            if eligibility:
                keep = ok == decision
            elif ind.combine == "any":
                keep = pl.when(decision).then(ok == decision).otherwise(known)
            elif ind.combine == "all":
                keep = pl.when(decision).then(known).otherwise(ok == decision)
            else:
                keep = known
            pieces.append(pl.when(keep.fill_null(False)).then(self.describe(k, i, check)).otherwise(None))
        joined = pl.concat_str(pieces, separator=_esc(_SEP[lang]), ignore_nulls=True)
        if eligibility:
            head, tail = t("msg.eligible", lang, reason="\0").split("\0")
            head_no, tail_no = t("msg.not_eligible", lang, reason="\0").split("\0")
            return (
                pl.when(decision)
                .then(pl.concat_str([_text(head), joined, _text(tail)]))
                .otherwise(pl.concat_str([_text(head_no), joined, _text(tail_no)]))
            )
        if ind.shortfall is not None and ind.shortfall.tree is not None and ind.spec.shortfall is not None:
            need = _col_rat(f"sf{k}")
            unit = f" {ind.spec.shortfall.unit}" if ind.spec.shortfall.unit else ""
            head, tail = t("msg.shortfall", lang, value="\0", unit=unit).split("\0")
            suffix = (
                pl.when((~decision & (need.num > 0)).fill_null(False))
                .then(pl.concat_str([_text(head), pl.col(f"sfd{k}.0"), _text(tail)]))
                .otherwise(pl.lit(""))
            )
            joined = pl.concat_str([joined, suffix])
        return joined


def _esc(text: str) -> str:
    """``text`` as the inside of a JSON string (a pack's titles may hold quotes, backslashes, line breaks)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def _text(text: str) -> pl.Expr:
    """A constant part of a message, escaped for the JSON string the message goes into."""
    return pl.lit(_esc(text))


def _unknown_status(mask: pl.Expr) -> pl.Expr:
    return (
        pl.when((mask & pl.lit(INVALID_BITS | DIVISION, _MASK)) == 0).then(pl.lit(MISSING)).otherwise(pl.lit(INVALID))
    )


def _divisors(text: str, node: Node | None) -> Iterator[str]:
    """Each divisor in a formula tree as the record engine quotes it in a division-by-zero reason."""
    if node is None:
        return
    if node.kind == "arith":
        for (op, _), arg in zip(node.ops, node.args[1:], strict=True):
            if op == "/":
                shown = " ".join(text[arg.start : arg.end].split())
                yield shown if len(shown) <= 60 else shown[:57] + "..."
    for arg in node.args:
        yield from _divisors(text, arg)


def _names(node: Node | None) -> Iterator[str]:
    """The names a formula tree reads."""
    if node is None:
        return
    if node.kind == "name":
        yield node.value
    for arg in node.args:
        yield from _names(arg)


def _num_text(value: Fraction) -> str:
    return json.dumps(to_json(value))


def _json_text(expr: pl.Expr) -> pl.Expr:
    """A string column as JSON text, null as ``null``: its text is escaped already (messages) or
    needs no escaping (safe cells)."""
    return pl.when(expr.is_null()).then(pl.lit("null")).otherwise(pl.concat_str([pl.lit('"'), expr, pl.lit('"')]))


class _Spans(Exception):
    """A quoted cell spans lines: rows are not lines, and the record reader counts them."""


#: What Python's ``str.strip`` removes (the record reader's test of a blank row): polars' own
#: white space lacks U+001C–U+001F.
_WHITE = "".join(c for c in map(chr, range(0x3100)) if c.isspace())


def batches(plan: Plan) -> Iterator[tuple[pl.DataFrame, int]]:
    """The input in batches of string columns ``c0..cN`` with the physical ``_line`` (blank lines
    dropped), each with the bytes of the file read so far.

    The file is read in blocks of whole lines (``BLOCK_BYTES``), each parsed on its own, so
    memory stays flat whatever the file's size. Each block is parsed behind a line of empty
    cells (so a blank first line or a byte-order mark at its start is read as the record
    reader reads it). A block whose rows are not its lines — a quoted cell with a line break,
    or a carriage return alone, which Python's csv module takes for a line end — raises ``_Spans``.
    """
    names = [f"c{i}" for i in range(len(plan.header))]
    lead = plan.delimiter.encode() * (len(names) - 1) + b"\n"
    with plan.path.open("rb") as fh:
        header = fh.readline()
        if header.count(b'"') % 2 or header.count(b"\r") != header.count(b"\r\n"):
            raise _Spans
        line, rest, done = 2, b"", len(header)
        while True:
            chunk = fh.read(BLOCK_BYTES)
            data = rest + chunk
            cut = len(data) if not chunk else data.rfind(b"\n") + 1
            if not data:
                return
            if cut == 0:  # no line end yet: read on
                rest = data
                continue
            block, rest = data[:cut], data[cut:]
            done += len(block)
            lines = block.count(b"\n") + (not block.endswith(b"\n"))
            if block.count(b"\r") != block.count(b"\r\n"):
                raise _Spans
            batch = pl.read_csv(
                lead + block,
                has_header=False,
                new_columns=names,
                separator=plan.delimiter,
                infer_schema=False,
                quote_char='"',
                encoding="utf8",
                truncate_ragged_lines=False,
                raise_if_empty=False,
            )
            if batch.width != len(names) or batch.height != lines + 1:
                raise _Spans
            batch = batch.slice(1).with_row_index("_line", offset=line)
            line += lines
            blank = pl.all_horizontal([pl.col(n).str.strip_chars(_WHITE).fill_null("") == "" for n in names])
            yield batch.filter(~blank), done
            if not chunk:
                return


# --------------------------------------------------------------------------- the driver

#: Batches computed ahead of the one being written (0: none). polars uses both cores on one
#: batch already; one ahead lets the spool's disk writes overlap the next batch's computing.
WORKERS = 1


def _ordered_map(compute: Any, items: Iterator[tuple[pl.DataFrame, int]]) -> Iterator[tuple[pl.DataFrame, int]]:
    """``(compute(batch), tag)`` for each item, in order, with ``WORKERS`` batches in flight."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    if not WORKERS:
        for batch, tag in items:
            yield compute(batch), tag
        return

    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="lifeservices-batch")
    pending: deque[tuple[Future[pl.DataFrame], int]] = deque()
    try:
        for batch, tag in items:
            pending.append((pool.submit(compute, batch), tag))
            if len(pending) > WORKERS:
                future, done_tag = pending.popleft()
                yield future.result(), done_tag
        while pending:
            future, done_tag = pending.popleft()
            yield future.result(), done_tag
    finally:  # interrupted or failed: drop what has not started, do not wait for it
        pool.shutdown(wait=False, cancel_futures=True)


def why_not(binding: Any) -> str | None:
    """Why an input cannot use the columnar path (None when it can)."""
    table, path = binding.table, binding.path
    if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
        return "not a CSV file"
    if table.encoding not in ("utf-8", "utf-8-sig", "gb18030", "gbk", "gb2312"):
        return f"encoding {table.encoding}"
    if table.header_line != 1:
        return "the header is not on line 1"
    try:
        str(path).encode("utf-8")
    except UnicodeEncodeError:  # bytes the name did not decode from: polars cannot open it
        return "the file name is not UTF-8"
    return None


def _as_utf8(path: Path, encoding: str) -> Path:
    """A UTF-8 copy of a GB18030/GBK file in the temporary folder (polars reads UTF-8 only).

    Lines stay lines, so record lines are unchanged; bytes that are not valid in the encoding
    raise ``NotFast`` so the record reader can name their lines.
    """
    import codecs
    import tempfile

    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    out = tempfile.NamedTemporaryFile("wb", suffix=".csv", delete=False)  # noqa: SIM115 - removed by the caller
    try:
        with path.open("rb") as fh, out:
            while chunk := fh.read(1 << 22):
                out.write(decoder.decode(chunk).encode("utf-8"))
            out.write(decoder.decode(b"", final=True).encode("utf-8"))
    except UnicodeDecodeError:
        Path(out.name).unlink(missing_ok=True)
        raise NotFast(f"bytes that are not valid {encoding}") from None
    except OSError as exc:  # e.g. a full temporary folder: the record reader needs no copy
        Path(out.name).unlink(missing_ok=True)
        raise NotFast(f"cannot make a UTF-8 copy: {exc.strerror or exc}") from None
    except BaseException:  # interrupted: no partial copy of the data is left behind
        Path(out.name).unlink(missing_ok=True)
        raise
    return Path(out.name)


def run(
    binding: Any,
    engine: Engine,
    aggregator: Any,
    store: Any,
    report_dict: Any,
    progress: Callable[[float], None] | None = None,
) -> None:
    """Check one bound CSV input in columns, adding its results to ``store``.

    Raises ``NotFast`` (with everything it added rolled back) when the input turns out not to
    fit, e.g. a row with more cells than the header.
    """
    if binding.table.encoding in ("utf-8", "utf-8-sig"):
        _run(binding, engine, aggregator, store, report_dict, binding.path, progress)
        return
    copy = _as_utf8(binding.path, binding.table.encoding)
    try:
        _run(binding, engine, aggregator, store, report_dict, copy, progress)
    finally:
        copy.unlink(missing_ok=True)


def _run(
    binding: Any,
    engine: Engine,
    aggregator: Any,
    store: Any,
    report_dict: Any,
    data: Path,
    progress: Callable[[float], None] | None,
) -> None:
    from collections import Counter

    from lifeservices_cli.store import SEPARATOR

    entity = binding.entity
    plan = Plan(
        engine,
        entity,
        binding.table.header,
        str(binding.path),
        binding.table.encoding,
        binding.table.delimiter,
        data,
        {index: (fname, conv) for index, fname, conv in binding.bound},
        binding.absent,
    )
    mark, saved, records = store.mark(), aggregator.snapshot(), binding.info.records
    ids: list[pl.DataFrame] = []
    wanted = [(k, agg, by) for k, (ind, _) in enumerate(plan.indicators) for agg, by in aggregator.wants(ind.id)]

    def compute(batch: pl.DataFrame) -> pl.DataFrame:
        frame = plan.frame(batch)
        if wanted:
            frame = frame.with_columns(*(plan_group(plan, by).alias(f"_g_{by}") for _, _, by in wanted))
        return frame

    try:
        size = max(data.stat().st_size, 1)
        for frame, done in _ordered_map(compute, batches(plan)):
            hard_rows = frame.select(pl.arg_where(pl.col("hard"))).to_series().to_list()
            lines = frame["_line"]
            counts: Counter[str] = Counter()
            total = 0
            names = [f"c{i}" for i in range(len(plan.header))]
            slow_ids: list[tuple[str, int]] = []
            slow, slow_texts = [], []
            groups = {by: frame[f"_g_{by}"] for _, _, by in wanted}
            for i in hard_rows:
                cells = [frame[name][i] or "" for name in names]
                record = binding.build(lines[i], cells)
                if isinstance(record.values.get("id"), str):
                    slow_ids.append((record.values["id"], lines[i]))  # type: ignore[arg-type]
                results = list(engine.check(record, entity.name))
                slow.append((record, results))
                slow_texts.append(SEPARATOR.join(json.dumps(report_dict(r), ensure_ascii=False) for r in results))
                for by in groups:
                    value = record.values.get(by)
                    groups[by][i] = value if isinstance(value, str) else None
            for _, agg, by in wanted:  # groups are reported in the order they first appear
                for group in groups[by].unique(maintain_order=True).to_list():
                    aggregator.register(agg, group)
            easy = frame.filter(~pl.col("hard"))
            for k in range(len(plan.indicators)):
                for status, n in easy[f"s{k}"].value_counts().iter_rows():
                    counts[status] += n
                    total += n
            for k, agg, by in wanted:
                for group, status, n in easy.group_by([f"_g_{by}", f"s{k}"], maintain_order=True).len().iter_rows():
                    aggregator.count(agg, group, status, n)
            for record, results in slow:
                for result in results:
                    aggregator.add(result, record)
                    counts[result.status] += 1
                total += len(results)
            binding.info.records += len(easy)
            text = frame["text"]
            if hard_rows:
                text = text.scatter(hard_rows, slow_texts)
            if len(text):  # polars writes the batch's entries straight into the spool, never as Python text
                entries = text.to_frame()
                store.add_entries(
                    lambda fh, entries=entries: entries.write_csv(
                        fh, include_header=False, quote_style="never", line_terminator=SEPARATOR
                    ),
                    total,
                    counts,
                )
            if "id" in plan.columns:
                ids.append(easy.filter(pl.col("_id").is_not_null()).select(_ID_HASH, pl.col("_line").cast(pl.Int64)))
                slow_frame = pl.DataFrame(slow_ids, schema={"_id": pl.Utf8, "_line": pl.Int64}, orient="row")
                ids.append(slow_frame.select(_ID_HASH, pl.col("_line")))
            if progress is not None:
                progress(done / size)
    except (_Spans, pl.exceptions.PolarsError) as exc:
        # e.g. a quoted cell spanning lines or a ragged row: the record reader takes the whole file
        store.rollback(mark)
        aggregator.restore(saved)
        binding.info.records = records
        raise NotFast("a quoted cell spans lines" if isinstance(exc, _Spans) else str(exc).splitlines()[0]) from None
    binding.finish(_duplicates(plan, ids))


def plan_group(plan: Plan, by: str) -> pl.Expr:
    if by in plan.env.texts:
        return pl.col(f"f.{by}")
    return pl.lit(None, dtype=pl.Utf8)


_ID_HASH = pl.col("_id").hash(seed=5).alias("h")


def _duplicates(plan: Plan, ids: list[pl.DataFrame]) -> dict[str, list[int]]:
    """Record ids that appear on more than one line, with their lines.

    Only a 64-bit hash and the line of each id are kept while checking (not a million texts);
    the lines whose hashes repeat are read again for their ids, so a hash collision is no duplicate.
    """
    if not ids:
        return {}
    lines = set(pl.concat(ids).filter(pl.col("h").is_duplicated()).get_column("_line").to_list())
    if not lines:
        return {}
    index = plan.columns["id"][0]
    convert = plan.converters[index]
    seen: dict[str, list[int]] = {}
    for batch, _ in batches(plan):
        for line, raw in batch.filter(pl.col("_line").is_in(lines)).select("_line", f"c{index}").iter_rows():
            value = convert(raw or "", line)
            if isinstance(value, str):
                seen.setdefault(value, []).append(line)
    return {rid: sorted(found) for rid, found in seen.items() if len(found) > 1}
