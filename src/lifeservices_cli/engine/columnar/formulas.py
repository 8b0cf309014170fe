"""Formula trees as polars expressions: numbers, yes/no (Kleene), and the bit set of what an unknown lacks."""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction
from typing import Any

import polars as pl

from lifeservices_cli.engine.columnar.rationals import NotFast, Rat, _cmp, _lit, _norm
from lifeservices_cli.formula import Node

_MASK = pl.UInt64
_ZERO = pl.lit(0, _MASK)
# An unknown's mask: bit i when field i is missing, bit 31 + i when its cell is invalid, DIVISION
# for a division by zero (whose reason the record engine words).
MAX_FIELDS = 31
DIVISION = 1 << 62
INVALID_BITS = ((1 << MAX_FIELDS) - 1) << MAX_FIELDS
MAX_MASK_FIELDS = 10  # fields one indicator may leave unknown in columns (2**10 messages prepared)


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
