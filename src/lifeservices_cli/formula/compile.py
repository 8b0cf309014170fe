"""The type-checking compiler: tree → closures, once, against the known fields and constants."""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from datetime import date
from fractions import Fraction
from typing import Any

from lifeservices_cli.formula.lexer import tokenize
from lifeservices_cli.formula.parser import Parser
from lifeservices_cli.formula.runtime import (
    Compiled,
    aggregate,
    arith_chain,
    binary,
    choose,
    constant,
    divide,
    is_missing,
    logic,
    not_,
    round_half_away,
    unary,
)
from lifeservices_cli.formula.tree import FUNCTIONS, MAX_LENGTH, Fn, Formula, FormulaError, Node, Record
from lifeservices_cli.semantics.dates import add_years, years_between
from lifeservices_cli.semantics.values import FieldType, Unknown, Value, invalid, missing

_Op = Callable[[Any, Any], Any]
_NUMBER_OPS: dict[str, _Op] = {"+": operator.add, "-": operator.sub, "*": operator.mul}
_NUMBER_OPS["/"] = operator.truediv
_COMPARISONS: dict[str, _Op] = {"==": operator.eq, "!=": operator.ne, "<": operator.lt, "<=": operator.le}
_COMPARISONS |= {">": operator.gt, ">=": operator.ge}
_LITERAL_TYPES: dict[str, FieldType] = {"num": "number", "str": "text", "bool": "boolean"}
_PLURAL = {"number": "numbers", "boolean": "booleans", "text": "text", "date": "dates"}


class _Compiler:
    """Type-checks the tree and builds closures, bottom-up without recursion."""

    def __init__(self, text: str, fields: Mapping[str, FieldType], constants: Mapping[str, FieldType]):
        self.text, self.fields, self.constants = text, fields, constants
        self.used: set[str] = set()
        self.builders: dict[str, Callable[[Node, list[Compiled]], Compiled]] = {
            "num": self.literal,
            "str": self.literal,
            "bool": self.literal,
            "name": self.name,
            "neg": self.sign,
            "pos": self.sign,
            "not": self.not_,
            "cmp": self.compare,
            "arith": self.arith,
            "and": self.logic,
            "or": self.logic,
            "call": self.call,
        }

    def build(self, root: Node) -> Compiled:
        """Post-order walk with an explicit stack; children are built left to right."""
        done: dict[int, Compiled] = {}
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            leaf = not node.args or (node.kind == "call" and node.value == "is_missing")
            if expanded or leaf:
                built = [] if leaf else [done.pop(id(arg)) for arg in node.args]
                done[id(node)] = self.builders[node.kind](node, built)
            else:
                stack.append((node, True))
                stack.extend((arg, False) for arg in reversed(node.args))
        return done[id(root)]

    def snippet(self, node: Node) -> str:
        text = " ".join(self.text[node.start : node.end].split())
        return text if len(text) <= 60 else text[:57] + "..."

    def describe(self, node: Node, c: Compiled) -> str:
        if node.kind == "name":
            role = "field" if node.value in self.fields else "constant"
            return f"{c.type} {role} '{node.value}'"
        if node.kind in _LITERAL_TYPES:
            return f"{c.type} {self.snippet(node)}"
        return f"{c.type} expression '{self.snippet(node)}'"

    def expect(self, c: Compiled, node: Node, want: FieldType, what: str, pos: int) -> None:
        if c.type != want:
            raise FormulaError(f"{what} needs {_PLURAL[want]}, got {self.describe(node, c)}", pos + 1)

    @staticmethod
    def fold(type_: FieldType, fn: Fn, parts: list[Compiled]) -> Compiled:
        """Evaluate once at compile time when no part reads a field."""
        if all(p.const for p in parts):
            value = fn({})
            return Compiled(type_, constant(value), True, value)
        return Compiled(type_, fn)

    def zero(self, divisor: Node) -> Unknown:
        return invalid("formula.division_by_zero", expr=self.snippet(divisor))

    def literal(self, node: Node, _cs: list[Compiled]) -> Compiled:
        return Compiled(_LITERAL_TYPES[node.kind], constant(node.value), True, node.value)

    def name(self, node: Node, _cs: list[Compiled]) -> Compiled:
        name = node.value
        if name in self.fields:
            type_ = self.fields[name]
            self.used.add(name)
        elif name in self.constants:
            type_ = self.constants[name]
        elif name in FUNCTIONS:
            raise FormulaError(f"'{name}' is a function; call it as {name}(...)", node.pos + 1)
        else:
            known = ", ".join(sorted({*self.fields, *self.constants})) or "(none)"
            raise FormulaError(f"unknown field '{name}'; known fields: {known}", node.pos + 1)
        default = missing(name)

        def run(record: Record) -> Value:
            return record.get(name, default)

        return Compiled(type_, run)

    def sign(self, node: Node, cs: list[Compiled]) -> Compiled:
        self.expect(cs[0], node.args[0], "number", f"'{node.value}'", node.pos)
        return cs[0] if node.kind == "pos" else self.fold("number", unary(cs[0].fn, operator.neg), cs)

    def not_(self, node: Node, cs: list[Compiled]) -> Compiled:
        self.expect(cs[0], node.args[0], "boolean", "'not'", node.pos)
        return self.fold("boolean", not_(cs[0].fn), cs)

    def compare(self, node: Node, cs: list[Compiled]) -> Compiled:
        (left, right), (lc, rc), op = node.args, cs, node.value
        if op in ("==", "!="):
            if lc.type != rc.type:
                msg = f"'{op}' needs both sides of the same type, got {self.describe(left, lc)}"
                raise FormulaError(f"{msg} and {self.describe(right, rc)}", node.pos + 1)
        elif lc.type == "date" and rc.type == "date":
            pass  # dates order like numbers
        else:
            self.expect(lc, left, "number", f"'{op}'", node.pos)
            self.expect(rc, right, "number", f"'{op}'", node.pos)
        return self.fold("boolean", binary(_COMPARISONS[op], lc, rc), cs)

    def arith(self, node: Node, cs: list[Compiled]) -> Compiled:
        for i, (arg, c) in enumerate(zip(node.args, cs, strict=True)):
            op, pos = node.ops[max(i - 1, 0)]
            self.expect(c, arg, "number", f"'{op}'", pos)
        if len(cs) == 2:
            op, rc = node.ops[0][0], cs[1]
            if op == "/" and not (rc.const and rc.value.__class__ is not Unknown and rc.value != 0):
                fn = divide(cs[0].fn, rc.fn, self.zero(node.args[1]))
            else:
                fn = binary(_NUMBER_OPS[op], cs[0], rc)
        else:
            steps = tuple(
                (_NUMBER_OPS[op], c.fn, self.zero(arg) if op == "/" else None)
                for (op, _), arg, c in zip(node.ops, node.args[1:], cs[1:], strict=True)
            )
            fn = arith_chain(cs[0].fn, steps)
        return self.fold("number", fn, cs)

    def logic(self, node: Node, cs: list[Compiled]) -> Compiled:
        for i, (arg, c) in enumerate(zip(node.args, cs, strict=True)):
            self.expect(c, arg, "boolean", f"'{node.kind}'", node.ops[max(i - 1, 0)][1])
        return self.fold("boolean", logic(tuple(c.fn for c in cs), node.kind == "or"), cs)

    def call(self, node: Node, cs: list[Compiled]) -> Compiled:
        name, args, col = node.value, node.args, node.pos + 1
        if name == "is_missing":
            self.arity(name, len(args), 1, 1, col)
            if args[0].kind != "name":
                raise FormulaError("is_missing() needs a bare field name", args[0].start + 1)
            self.name(args[0], [])
            return Compiled("boolean", is_missing(args[0].value))
        if name == "if":
            return self.choose(node, cs)
        if name in ("years_between", "add_years"):
            return self.dates(node, cs)
        if name in ("min", "max"):
            if not cs:
                raise FormulaError(f"{name}() needs at least 1 argument", col)
        else:
            self.arity(name, len(cs), 1, 1 if name == "abs" else 2, col)
        for arg, c in zip(args, cs[:1] if name == "round" else cs, strict=False):
            self.expect(c, arg, "number", f"{name}()", node.pos)
        if name == "abs":
            fn = unary(cs[0].fn, abs)
        elif name == "round":
            digits = self.digits(args[1]) if len(args) == 2 else 0
            fn = unary(cs[0].fn, lambda x: round_half_away(x, digits))
        elif len(cs) == 1:
            return cs[0]
        else:
            agg = min if name == "min" else max
            fn = binary(agg, cs[0], cs[1]) if len(cs) == 2 else aggregate(agg, tuple(c.fn for c in cs))
        return self.fold("number", fn, cs)

    def choose(self, node: Node, cs: list[Compiled]) -> Compiled:
        self.arity("if", len(cs), 3, 3, node.pos + 1)
        (cond, a, b), args = cs, node.args
        if cond.type != "boolean":
            msg = f"if() condition must be boolean, got {self.describe(args[0], cond)}"
            raise FormulaError(msg, args[0].start + 1)
        if a.type != b.type:
            msg = f"if() branches must have the same type, got {self.describe(args[1], a)}"
            raise FormulaError(f"{msg} and {self.describe(args[2], b)}", node.pos + 1)
        return self.fold(a.type, choose(cond.fn, a.fn, b.fn), cs)

    def dates(self, node: Node, cs: list[Compiled]) -> Compiled:
        """``years_between(a, b)``: whole years (anniversaries) from a to b; ``add_years(d, n)``."""
        name, args = node.value, node.args
        self.arity(name, len(cs), 2, 2, node.pos + 1)
        self.expect(cs[0], args[0], "date", f"{name}()", node.pos)
        if name == "years_between":
            self.expect(cs[1], args[1], "date", f"{name}()", node.pos)
            return self.fold("number", binary(lambda a, b: Fraction(years_between(a, b)), cs[0], cs[1]), cs)
        self.expect(cs[1], args[1], "number", f"{name}()", node.pos)
        if not (cs[1].const and isinstance(cs[1].value, Fraction) and cs[1].value.denominator == 1):
            raise FormulaError("add_years() needs a whole number of years", args[1].start + 1)
        years = int(cs[1].value)
        beyond = invalid("formula.date_out_of_range", expr=self.snippet(node))

        def shift(day: date) -> Value:
            try:
                return add_years(day, years)
            except (ValueError, OverflowError):  # before year 1 or after 9999: no such date
                return beyond

        return self.fold("date", unary(cs[0].fn, shift), cs)

    @staticmethod
    def digits(node: Node) -> int:
        value = node.value
        if node.kind != "num" or value.denominator != 1 or not 0 <= value <= 10:
            raise FormulaError("round() digits must be a whole number from 0 to 10", node.start + 1)
        return int(value)

    @staticmethod
    def arity(name: str, got: int, low: int, high: int, column: int) -> None:
        if not low <= got <= high:
            want = f"exactly {low}" if low == high else f"{low} or {high}"
            plural = "" if high == 1 else "s"
            raise FormulaError(f"{name}() takes {want} argument{plural} (got {got})", column)


def compile_formula(
    text: str, fields: Mapping[str, FieldType], *, constants: Mapping[str, FieldType] | None = None
) -> Formula:
    """Parse, type-check and compile ``text`` against the known ``fields`` (and ``constants``).

    Raises ``FormulaError`` for anything outside the formula language. The returned ``Formula``
    evaluates a record (field name -> value) to a value of ``Formula.type`` or ``Unknown``.
    ``Formula.fields`` lists the fields read (constants are not included).
    """
    if len(text) > MAX_LENGTH:
        raise FormulaError(f"formula is longer than {MAX_LENGTH} characters")
    root = Parser(text, tokenize(text)).parse()
    compiler = _Compiler(text, fields, constants or {})
    result = compiler.build(root)
    return Formula(text, result.type, frozenset(compiler.used), result.fn, root)
