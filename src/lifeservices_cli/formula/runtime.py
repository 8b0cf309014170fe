"""What a compiled formula runs: closures over exact fractions and three-valued ``Unknown``."""

from __future__ import annotations

import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any, NamedTuple, cast

from lifeservices_cli.formula.tree import Fn, Record
from lifeservices_cli.semantics.values import FieldType, Unknown, Value, merge, missing


class Compiled(NamedTuple):
    """A compiled node: its type, its closure and, when it reads no field, its value."""

    type: FieldType
    fn: Fn
    const: bool = False
    value: Any = None


def constant(value: Value) -> Fn:
    def run(_record: Record) -> Value:
        return value

    return run


def unary(fn: Fn, op: Callable[[Any], Value]) -> Fn:
    def run(record: Record) -> Value:
        x = fn(record)
        return x if x.__class__ is Unknown else op(x)

    return run


def binary(op: Callable[[Any, Any], Value], left: Compiled, right: Compiled) -> Fn:
    lf, rf = left.fn, right.fn
    if right.const and right.value.__class__ is not Unknown:
        c = right.value

        def run_const(record: Record) -> Value:
            x = lf(record)
            return x if x.__class__ is Unknown else op(x, c)

        return run_const

    def run(record: Record) -> Value:
        x, y = lf(record), rf(record)
        if x.__class__ is Unknown:
            return merge(x, y) if y.__class__ is Unknown else x
        return y if y.__class__ is Unknown else op(x, y)

    return run


def divide(lf: Fn, rf: Fn, zero: Unknown) -> Fn:
    def run(record: Record) -> Value:
        x: Any = lf(record)
        y: Any = rf(record)
        if y.__class__ is Unknown or not y:
            bad = y if y.__class__ is Unknown else zero
            return merge(x, bad) if x.__class__ is Unknown else bad
        return x if x.__class__ is Unknown else x / y

    return run


def arith_chain(first: Fn, steps: tuple[tuple[Callable[[Any, Any], Any], Fn, Unknown | None], ...]) -> Fn:
    def run(record: Record) -> Value:
        acc: Any = first(record)
        unknown: Any = acc if acc.__class__ is Unknown else None
        for op, fn, zero in steps:
            y: Any = fn(record)
            if y.__class__ is Unknown or (zero is not None and not y):
                bad: Any = y if y.__class__ is Unknown else zero
                unknown = bad if unknown is None else merge(unknown, bad)
            elif unknown is None:
                acc = op(acc, y)
        result: Value = acc if unknown is None else unknown
        return result

    return run


def logic(fns: tuple[Fn, ...], stop: bool) -> Fn:
    """``and`` (stop=False) / ``or`` (stop=True) with Kleene three-valued logic."""
    done = not stop
    if len(fns) == 2:
        lf, rf = fns

        def run2(record: Record) -> Value:
            x = lf(record)
            if x is stop:
                return stop
            y = rf(record)
            if y is stop:
                return stop
            if x is done:
                return y
            return x if y is done else merge(cast(Unknown, x), cast(Unknown, y))

        return run2

    def run(record: Record) -> Value:
        unknown: Unknown | None = None
        for fn in fns:
            v = fn(record)
            if v is stop:
                return stop
            if v is not done:
                unknown = cast(Unknown, v) if unknown is None else merge(unknown, cast(Unknown, v))
        return done if unknown is None else unknown

    return run


def not_(fn: Fn) -> Fn:
    def run(record: Record) -> Value:
        v = fn(record)
        if v is True:
            return False
        return True if v is False else v

    return run


def aggregate(agg: Callable[[list[Any]], Value], fns: tuple[Fn, ...]) -> Fn:
    def run(record: Record) -> Value:
        values = [fn(record) for fn in fns]
        bad = [v for v in values if v.__class__ is Unknown]
        return merge(*bad) if bad else agg(values)

    return run


def choose(cf: Fn, af: Fn, bf: Fn) -> Fn:
    def run(record: Record) -> Value:
        c = cf(record)
        if c is True:
            return af(record)
        if c is False:
            return bf(record)
        a, b = af(record), bf(record)
        bad = [v for v in (a, b) if v.__class__ is Unknown]
        if not bad and a == b:
            return a
        return merge(cast(Unknown, c), *bad)

    return run


def is_missing(name: str) -> Fn:
    """True for a blank or absent cell; a cell that cannot be read stays invalid (a guard such as
    ``if(is_missing(x), default, x)`` fills gaps, it never hides a wrong value)."""
    default = missing(name)

    def run(record: Record) -> Value:
        value = record.get(name, default)
        if value.__class__ is Unknown:
            return value if value.is_invalid else True
        return False

    return run


def round_half_away(x: Fraction, digits: int) -> Fraction:
    """Round half away from zero, exactly."""
    scale = 10**digits
    r = math.floor(abs(x) * scale + Fraction(1, 2))
    return Fraction(r if x >= 0 else -r, scale)
