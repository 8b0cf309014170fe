"""Pack formulas: a small, safe expression language compiled to Python closures.

Indicator packs write formulas such as ``service_facility_area / households * 100`` or
``floor_area <= 300 or total_investment <= 300000``. A formula is tokenised and parsed by hand
(precedence climbing) into a small allow-listed tree, type-checked against the known fields and
turned into nested closures once; evaluating it is then a plain chain of function calls.

Evaluation is exact (``Fraction``) and three-valued: an ``Unknown`` operand makes the result
``Unknown`` with the reasons merged, except where ``and``/``or``/``if`` can decide without it.
"""

from __future__ import annotations

import keyword
import math
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from fractions import Fraction
from typing import Any, NamedTuple, cast

from .dates import add_years, years_between
from .values import FieldType, Unknown, Value, invalid, merge, missing

__all__ = ["FUNCTIONS", "Formula", "FormulaError", "Node", "compile_formula"]

MAX_LENGTH = 2000
MAX_DEPTH = 64
MAX_EXPONENT = 100
FUNCTIONS: frozenset[str] = frozenset(
    {"abs", "add_years", "if", "is_missing", "max", "min", "round", "years_between"}
)

Record = Mapping[str, Value]
Fn = Callable[[Record], Value]


class FormulaError(Exception):
    """Rejected formula: ``message`` is one line of English, ``column`` is 1-based or None."""

    def __init__(self, message: str, column: int | None = None):
        super().__init__(message)
        self.message = message
        self.column = column

    def __str__(self) -> str:
        return self.message if self.column is None else f"{self.message} (column {self.column})"


@dataclass(frozen=True)
class Formula:
    """A compiled formula; call it with a record mapping field names to values."""

    text: str
    type: FieldType
    fields: frozenset[str]
    _fn: Fn = field(repr=False, compare=False)
    tree: Node | None = field(default=None, repr=False, compare=False)  # for other back ends (columnar)

    def __call__(self, record: Record) -> Value:
        """Evaluate against ``record``; a field absent from it counts as missing."""
        return self._fn(record)


# --------------------------------------------------------------------------- tokens


class _Tok(NamedTuple):
    kind: str  # "num", "str", "bool", "name", "op" or "end"
    value: Any  # Fraction, str, bool, name or canonical operator
    start: int
    end: int


_OPS = {op: op for op in ("==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/", "(", ")", ",")}
_OPS |= {"≤": "<=", "≥": ">=", "≠": "!=", "−": "-", "×": "*", "÷": "/"}
_REJECTED = {
    "**": "'**' (power) is not allowed",
    "//": "'//' (floor division) is not allowed; use '/' and round()",
    "&&": "use 'and' instead of '&&'",
    "||": "use 'or' instead of '||'",
    ":=": "assignment ':=' is not allowed",
    "%": "'%' is not allowed",
    ";": "';' is not allowed; a formula is a single expression",
    "\\": "backslashes are not allowed",
    "`": "backticks are not allowed",
    "=": "use '==' to compare",
    "!": "use 'not' instead of '!'",
    "&": "use 'and' instead of '&'",
    "|": "use 'or' instead of '|'",
    "{": "braces are not allowed (no sets, dicts or comprehensions)",
    "}": "braces are not allowed (no sets, dicts or comprehensions)",
    "“": "use straight quotes (\" or ') around text",
    "”": "use straight quotes (\" or ') around text",
    "‘": "use straight quotes (\" or ') around text",
    "’": "use straight quotes (\" or ') around text",
}
_BOOLS = {"true": True, "True": True, "是": True, "false": False, "False": False, "否": False}
_WORD_OPS = frozenset({"and", "or", "not"})
_FORBIDDEN_WORDS = frozenset(keyword.kwlist) - {"and", "or", "not", "True", "False", "if"}


def _is_name_char(ch: str) -> bool:
    return ("a" + ch).isidentifier()


def _char(ch: str) -> str:
    return f"'{ch}'" if ch.isprintable() else f"U+{ord(ch):04X}"


def _tokenize(text: str) -> list[_Tok]:
    """Split ``text`` into tokens, rejecting anything outside the language."""
    toks: list[_Tok] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        after_operand = bool(toks) and (toks[-1].kind != "op" or toks[-1].value == ")")
        if ch.isspace():
            i += 1
        elif ch == "." and after_operand:
            raise FormulaError("attribute access is not allowed", i + 1)
        elif ch == "[":
            what = "subscripts are" if after_operand else "lists and comprehensions are"
            raise FormulaError(f"{what} not allowed", i + 1)
        elif "0" <= ch <= "9" or (ch == "." and "0" <= text[i + 1 : i + 2] <= "9"):
            i = _read_number(text, i, toks)
        elif ch in "\"'":
            end = text.find(ch, i + 1)
            if end < 0:
                raise FormulaError("text literal is not closed", i + 1)
            if "\\" in text[i:end]:
                raise FormulaError("backslashes are not allowed", text.index("\\", i) + 1)
            toks.append(_Tok("str", text[i + 1 : end], i, end + 1))
            i = end + 1
        elif ch == "_" or ch.isidentifier():
            j = i + 1
            while j < n and _is_name_char(text[j]):
                j += 1
            toks.append(_word(text[i:j], i, j))
            if text[i:j] == "if" and text[j:].lstrip()[:1] != "(":
                msg = "'if' is not part of the formula language; use if(condition, a, b)"
                raise FormulaError(msg, i + 1)
            i = j
        else:
            for size in (2, 1):
                piece = text[i : i + size]
                if piece in _OPS:
                    toks.append(_Tok("op", _OPS[piece], i, i + size))
                    i += size
                    break
                if piece in _REJECTED:
                    raise FormulaError(_REJECTED[piece], i + 1)
            else:
                raise FormulaError(f"unexpected character {_char(ch)}", i + 1)
    toks.append(_Tok("end", None, n, n))
    return toks


def _digits(text: str, i: int) -> int:
    while i < len(text) and "0" <= text[i] <= "9":
        i += 1
    return i


def _read_number(text: str, i: int, toks: list[_Tok]) -> int:
    """Read ``12``, ``12.5``, ``.5``, ``1e3``; anything glued to it makes it invalid."""
    j = _digits(text, i)
    if text[j : j + 1] == ".":
        j = _digits(text, j + 1)
    exponent = 0
    if text[j : j + 1] in ("e", "E"):
        sign = j + 2 if text[j + 1 : j + 2] in ("+", "-") else j + 1
        end = _digits(text, sign)
        if end > sign:
            exponent, j = int(text[sign:end]), end
    if j < len(text) and (text[j] == "." or _is_name_char(text[j])):
        while j < len(text) and (text[j] == "." or _is_name_char(text[j])):
            j += 1
        raise FormulaError(f"invalid number '{text[i:j]}'", i + 1)
    if exponent > MAX_EXPONENT:
        raise FormulaError(f"exponent of '{text[i:j]}' is larger than {MAX_EXPONENT}", i + 1)
    toks.append(_Tok("num", Fraction(text[i:j]), i, j))
    return j


def _word(name: str, start: int, end: int) -> _Tok:
    if name.startswith("_"):
        raise FormulaError("names starting with '_' are not allowed", start + 1)
    if name in _FORBIDDEN_WORDS:
        raise FormulaError(f"'{name}' is not part of the formula language", start + 1)
    if name in _WORD_OPS:
        return _Tok("op", name, start, end)
    if name in _BOOLS:
        return _Tok("bool", _BOOLS[name], start, end)
    return _Tok("name", name, start, end)


# --------------------------------------------------------------------------- parser


@dataclass(frozen=True, slots=True)
class Node:
    """One node of the allow-listed tree; ``start``/``end`` index the source text."""

    kind: str  # num str bool name call neg pos not cmp arith and or
    start: int
    end: int
    value: Any = None  # literal value, name, function name or operator
    pos: int = 0  # where the operator / function name is, for error columns
    args: tuple[Node, ...] = ()
    ops: tuple[tuple[str, int], ...] = ()  # chains: operator and position before args[1:]


_CHAINS = {"or": ("or",), "and": ("and",), "add": ("+", "-"), "mul": ("*", "/")}
_LOWER = {"or": "and", "and": "not", "add": "mul", "mul": "unary"}
_COMPARE = frozenset({"==", "!=", "<", "<=", ">", ">="})


class _Parser:
    def __init__(self, text: str, toks: list[_Tok]):
        self.text, self.toks, self.i, self.depth = text, toks, 0, 0

    def parse(self) -> Node:
        if self.toks[0].kind == "end":
            raise FormulaError("formula is empty", 1)
        node = self.chain("or")
        tok = self.toks[self.i]
        if tok.kind != "end":
            what = "unmatched ')'" if tok.value == ")" else f"unexpected {self.show(tok)}"
            raise FormulaError(f"{what}; expected an operator or the end of the formula", tok.start + 1)
        return node

    def show(self, tok: _Tok) -> str:
        return "end of formula" if tok.kind == "end" else f"'{' '.join(self.text[tok.start : tok.end].split())}'"

    def at(self, *ops: str) -> bool:
        tok = self.toks[self.i]
        return tok.kind == "op" and tok.value in ops

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def enter(self, tok: _Tok) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise FormulaError(f"formula is nested too deeply (more than {MAX_DEPTH} levels)", tok.start + 1)

    def close(self, opener: _Tok, expected: str = "')'") -> _Tok:
        if not self.at(")"):
            tok = self.toks[self.i]
            raise FormulaError(
                f"expected {expected} to close '(' at column {opener.start + 1}, got {self.show(tok)}",
                tok.start + 1,
            )
        return self.take()

    def chain(self, level: str) -> Node:
        """Left-associative n-ary chain (flat, so long chains cannot overflow the stack)."""
        lower = _LOWER[level]
        args: list[Node] = []
        ops: list[tuple[str, int]] = []
        while True:
            if lower == "not":
                args.append(self.not_())
            elif lower == "unary":
                args.append(self.unary())
            else:
                args.append(self.chain(lower))
            if not self.at(*_CHAINS[level]):
                break
            tok = self.take()
            ops.append((tok.value, tok.start))
        if len(args) == 1:
            return args[0]
        kind = level if level in ("or", "and") else "arith"
        return Node(kind, args[0].start, args[-1].end, args=tuple(args), ops=tuple(ops))

    def not_(self) -> Node:
        if not self.at("not"):
            return self.compare()
        tok = self.take()
        self.enter(tok)
        operand = self.not_()
        self.depth -= 1
        return Node("not", tok.start, operand.end, "not", tok.start, (operand,))

    def compare(self) -> Node:
        left = self.chain("add")
        if not self.at(*_COMPARE):
            return left
        tok = self.take()
        right = self.chain("add")
        if self.at(*_COMPARE):
            raise FormulaError("comparisons cannot be chained; use 'and'", self.toks[self.i].start + 1)
        return Node("cmp", left.start, right.end, tok.value, tok.start, (left, right))

    def unary(self) -> Node:
        if not self.at("+", "-"):
            return self.primary()
        tok = self.take()
        self.enter(tok)
        operand = self.unary()
        self.depth -= 1
        kind = "neg" if tok.value == "-" else "pos"
        return Node(kind, tok.start, operand.end, tok.value, tok.start, (operand,))

    def primary(self) -> Node:
        tok = self.take()
        if tok.kind in ("num", "str", "bool"):
            node = Node(tok.kind, tok.start, tok.end, tok.value, tok.start)
        elif tok.kind == "name" and self.at("("):
            node = self.call(tok)
        elif tok.kind == "name":
            node = Node("name", tok.start, tok.end, tok.value, tok.start)
        elif tok.kind == "op" and tok.value == "(":
            self.enter(tok)
            inner = self.chain("or")
            node = replace(inner, start=tok.start, end=self.close(tok).end)
            self.depth -= 1
        else:
            prev = f" after {self.show(self.toks[self.i - 2])}" if self.i >= 2 else ""
            raise FormulaError(f"expected a value{prev}, got {self.show(tok)}", tok.start + 1)
        if self.at("("):
            raise FormulaError("calls of non-functions are not allowed", self.toks[self.i].start + 1)
        return node

    def call(self, name: _Tok) -> Node:
        if name.value not in FUNCTIONS:
            allowed = ", ".join(sorted(FUNCTIONS))
            raise FormulaError(f"unknown function '{name.value}'; allowed: {allowed}", name.start + 1)
        self.enter(name)
        opener = self.take()
        args: list[Node] = []
        if not self.at(")"):
            args.append(self.chain("or"))
            while self.at(","):
                self.take()
                args.append(self.chain("or"))
        end = self.close(opener, "',' or ')'").end
        self.depth -= 1
        return Node("call", name.start, end, name.value, name.start, tuple(args))


# --------------------------------------------------------------------------- closures


class _C(NamedTuple):
    """A compiled node: its type, its closure and, when it reads no field, its value."""

    type: FieldType
    fn: Fn
    const: bool = False
    value: Any = None


def _constant(value: Value) -> Fn:
    def run(_record: Record) -> Value:
        return value

    return run


def _unary(fn: Fn, op: Callable[[Any], Value]) -> Fn:
    def run(record: Record) -> Value:
        x = fn(record)
        return x if x.__class__ is Unknown else op(x)

    return run


def _binary(op: Callable[[Any, Any], Value], left: _C, right: _C) -> Fn:
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


def _divide(lf: Fn, rf: Fn, zero: Unknown) -> Fn:
    def run(record: Record) -> Value:
        x: Any = lf(record)
        y: Any = rf(record)
        if y.__class__ is Unknown or not y:
            bad = y if y.__class__ is Unknown else zero
            return merge(x, bad) if x.__class__ is Unknown else bad
        return x if x.__class__ is Unknown else x / y

    return run


def _arith_chain(first: Fn, steps: tuple[tuple[Callable[[Any, Any], Any], Fn, Unknown | None], ...]) -> Fn:
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


def _logic(fns: tuple[Fn, ...], stop: bool) -> Fn:
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


def _not(fn: Fn) -> Fn:
    def run(record: Record) -> Value:
        v = fn(record)
        if v is True:
            return False
        return True if v is False else v

    return run


def _aggregate(agg: Callable[[list[Any]], Value], fns: tuple[Fn, ...]) -> Fn:
    def run(record: Record) -> Value:
        values = [fn(record) for fn in fns]
        bad = [v for v in values if v.__class__ is Unknown]
        return merge(*bad) if bad else agg(values)

    return run


def _choose(cf: Fn, af: Fn, bf: Fn) -> Fn:
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


def _is_missing(name: str) -> Fn:
    """True for a blank or absent cell; a cell that cannot be read stays invalid (a guard such as
    ``if(is_missing(x), default, x)`` fills gaps, it never hides a wrong value)."""
    default = missing(name)

    def run(record: Record) -> Value:
        value = record.get(name, default)
        if value.__class__ is Unknown:
            return value if cast(Unknown, value).is_invalid else True
        return False

    return run


def _round(x: Fraction, digits: int) -> Fraction:
    """Round half away from zero, exactly."""
    scale = 10**digits
    r = math.floor(abs(x) * scale + Fraction(1, 2))
    return Fraction(r if x >= 0 else -r, scale)


# --------------------------------------------------------------------------- type check + compile

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
        self.builders: dict[str, Callable[[Node, list[_C]], _C]] = {
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

    def build(self, root: Node) -> _C:
        """Post-order walk with an explicit stack; children are built left to right."""
        done: dict[int, _C] = {}
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

    def describe(self, node: Node, c: _C) -> str:
        if node.kind == "name":
            role = "field" if node.value in self.fields else "constant"
            return f"{c.type} {role} '{node.value}'"
        if node.kind in _LITERAL_TYPES:
            return f"{c.type} {self.snippet(node)}"
        return f"{c.type} expression '{self.snippet(node)}'"

    def expect(self, c: _C, node: Node, want: FieldType, what: str, pos: int) -> None:
        if c.type != want:
            raise FormulaError(f"{what} needs {_PLURAL[want]}, got {self.describe(node, c)}", pos + 1)

    @staticmethod
    def fold(type_: FieldType, fn: Fn, parts: list[_C]) -> _C:
        """Evaluate once at compile time when no part reads a field."""
        if all(p.const for p in parts):
            value = fn({})
            return _C(type_, _constant(value), True, value)
        return _C(type_, fn)

    def zero(self, divisor: Node) -> Unknown:
        return invalid("formula.division_by_zero", expr=self.snippet(divisor))

    def literal(self, node: Node, _cs: list[_C]) -> _C:
        return _C(_LITERAL_TYPES[node.kind], _constant(node.value), True, node.value)

    def name(self, node: Node, _cs: list[_C]) -> _C:
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

        return _C(type_, run)

    def sign(self, node: Node, cs: list[_C]) -> _C:
        self.expect(cs[0], node.args[0], "number", f"'{node.value}'", node.pos)
        return cs[0] if node.kind == "pos" else self.fold("number", _unary(cs[0].fn, operator.neg), cs)

    def not_(self, node: Node, cs: list[_C]) -> _C:
        self.expect(cs[0], node.args[0], "boolean", "'not'", node.pos)
        return self.fold("boolean", _not(cs[0].fn), cs)

    def compare(self, node: Node, cs: list[_C]) -> _C:
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
        return self.fold("boolean", _binary(_COMPARISONS[op], lc, rc), cs)

    def arith(self, node: Node, cs: list[_C]) -> _C:
        for i, (arg, c) in enumerate(zip(node.args, cs, strict=True)):
            op, pos = node.ops[max(i - 1, 0)]
            self.expect(c, arg, "number", f"'{op}'", pos)
        if len(cs) == 2:
            op, rc = node.ops[0][0], cs[1]
            if op == "/" and not (rc.const and rc.value.__class__ is not Unknown and rc.value != 0):
                fn = _divide(cs[0].fn, rc.fn, self.zero(node.args[1]))
            else:
                fn = _binary(_NUMBER_OPS[op], cs[0], rc)
        else:
            steps = tuple(
                (_NUMBER_OPS[op], c.fn, self.zero(arg) if op == "/" else None)
                for (op, _), arg, c in zip(node.ops, node.args[1:], cs[1:], strict=True)
            )
            fn = _arith_chain(cs[0].fn, steps)
        return self.fold("number", fn, cs)

    def logic(self, node: Node, cs: list[_C]) -> _C:
        for i, (arg, c) in enumerate(zip(node.args, cs, strict=True)):
            self.expect(c, arg, "boolean", f"'{node.kind}'", node.ops[max(i - 1, 0)][1])
        return self.fold("boolean", _logic(tuple(c.fn for c in cs), node.kind == "or"), cs)

    def call(self, node: Node, cs: list[_C]) -> _C:
        name, args, col = node.value, node.args, node.pos + 1
        if name == "is_missing":
            self.arity(name, len(args), 1, 1, col)
            if args[0].kind != "name":
                raise FormulaError("is_missing() needs a bare field name", args[0].start + 1)
            self.name(args[0], [])
            return _C("boolean", _is_missing(args[0].value))
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
            fn = _unary(cs[0].fn, abs)
        elif name == "round":
            digits = self.digits(args[1]) if len(args) == 2 else 0
            fn = _unary(cs[0].fn, lambda x: _round(x, digits))
        elif len(cs) == 1:
            return cs[0]
        else:
            agg = min if name == "min" else max
            fn = _binary(agg, cs[0], cs[1]) if len(cs) == 2 else _aggregate(agg, tuple(c.fn for c in cs))
        return self.fold("number", fn, cs)

    def choose(self, node: Node, cs: list[_C]) -> _C:
        self.arity("if", len(cs), 3, 3, node.pos + 1)
        (cond, a, b), args = cs, node.args
        if cond.type != "boolean":
            msg = f"if() condition must be boolean, got {self.describe(args[0], cond)}"
            raise FormulaError(msg, args[0].start + 1)
        if a.type != b.type:
            msg = f"if() branches must have the same type, got {self.describe(args[1], a)}"
            raise FormulaError(f"{msg} and {self.describe(args[2], b)}", node.pos + 1)
        return self.fold(a.type, _choose(cond.fn, a.fn, b.fn), cs)

    def dates(self, node: Node, cs: list[_C]) -> _C:
        """``years_between(a, b)``: whole years (anniversaries) from a to b; ``add_years(d, n)``."""
        name, args = node.value, node.args
        self.arity(name, len(cs), 2, 2, node.pos + 1)
        self.expect(cs[0], args[0], "date", f"{name}()", node.pos)
        if name == "years_between":
            self.expect(cs[1], args[1], "date", f"{name}()", node.pos)
            return self.fold("number", _binary(lambda a, b: Fraction(years_between(a, b)), cs[0], cs[1]), cs)
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

        return self.fold("date", _unary(cs[0].fn, shift), cs)

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
    root = _Parser(text, _tokenize(text)).parse()
    compiler = _Compiler(text, fields, constants or {})
    result = compiler.build(root)
    return Formula(text, result.type, frozenset(compiler.used), result.fn, root)
