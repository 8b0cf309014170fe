"""Tests for the pack formula language (tokeniser, parser, type checker, evaluation)."""

from __future__ import annotations

import inspect
import re
import sys
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from lifeservices_cli import formula as formula_module
from lifeservices_cli.formula import FUNCTIONS, Formula, FormulaError, compile_formula
from lifeservices_cli.semantics.values import Unknown, invalid, missing, reason

ALLOWED = "abs, add_years, if, is_missing, max, min, round, years_between"

F = Fraction
FIELDS = {
    "a": "number",
    "b": "number",
    "c": "number",
    "households": "number",
    "service_facility_area": "number",
    "floor_area": "number",
    "total_investment": "number",
    "is_new": "boolean",
    "is_urban": "boolean",
    "p": "boolean",
    "q": "boolean",
    "r": "boolean",
    "name": "text",
    "kind": "text",
}


def run(text: str, record: dict | None = None, **kwargs):
    return compile_formula(text, FIELDS, **kwargs)(record or {})


def reject(text: str, fields=None, **kwargs) -> FormulaError:
    with pytest.raises(FormulaError) as info:
        compile_formula(text, FIELDS if fields is None else fields, **kwargs)
    return info.value


# --------------------------------------------------------------------------- arithmetic


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10 - 2 - 3", F(5)),
        ("2 + 3 * 4", F(14)),
        ("(2 + 3) * 4", F(20)),
        ("-2 * 3", F(-6)),
        ("- - 2", F(2)),
        ("+2", F(2)),
        ("100 / 10 / 5", F(2)),
        ("2 * 3 / 4", F(3, 2)),
        ("8 / 2 * 4", F(16)),
        ("1 - 2 + 3", F(2)),
        ("2 - -3", F(5)),
        ("2 × 3 ÷ 4 − 1", F(1, 2)),
        ("1e3 + .5", F(2001, 2)),
        ("12.5", F(25, 2)),
        ("1E-2", F(1, 100)),
        ("3.", F(3)),
        ("1 + 2 + 3 + 4 + 5 + 6 - 7", F(14)),
    ],
)
def test_precedence_and_associativity(text: str, expected: Fraction) -> None:
    result = run(text)
    assert result == expected
    assert type(result) is Fraction


@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        ("not p and q", {"p": False, "q": False}, False),  # (not p) and q
        ("not (p and q)", {"p": False, "q": False}, True),
        ("p or q and r", {"p": True, "q": False, "r": False}, True),  # p or (q and r)
        ("(p or q) and r", {"p": True, "q": False, "r": False}, False),
        ("not a == b", {"a": F(1), "b": F(2)}, True),  # not (a == b)
        ("a + 1 > b * 2", {"a": F(4), "b": F(2)}, True),
        ("not not p", {"p": True}, True),
    ],
)
def test_boolean_precedence(text: str, record: dict, expected: bool) -> None:
    assert run(text, record) is expected


def test_exact_arithmetic() -> None:
    f = compile_formula("service_facility_area / households * 100", FIELDS)
    assert f({"service_facility_area": F("33.3"), "households": F(111)}) == 30
    assert run("0.1 + 0.2 == 0.3") is True
    assert run("1 / 3 * 3 == 1") is True
    assert run("a / 3", {"a": F(1)}) == F(1, 3)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1 == 1", True),
        ("1 != 1", False),
        ("1 ≠ 2", True),
        ("2 ≥ 2", True),
        ("2 ≤ 1", False),
        ("1 < 2", True),
        ("2 <= 2", True),
        ("3 > 2", True),
        ("2 >= 3", False),
        ("'x' == \"x\"", True),
        ("true == 是", True),
        ("False != 否", False),
        ("true != false", True),
    ],
)
def test_comparisons(text: str, expected: bool) -> None:
    assert run(text) is expected


def test_text_fields_and_literals() -> None:
    f = compile_formula("kind == '社区' or name != \"x'y\"", FIELDS)
    assert f.type == "boolean"
    assert f({"kind": "社区", "name": "x'y"}) is True
    assert f({"kind": "乡镇", "name": "x'y"}) is False


# --------------------------------------------------------------------------- unknowns

MISS_A = missing("a")
BAD = invalid("cell.not_number", line=3, column="b", raw="abc")


@pytest.mark.parametrize(
    ("text", "record", "expected"),
    [
        ("a + b", {"b": F(1)}, MISS_A),
        ("a + b", {"a": F(1), "b": BAD}, BAD),
        ("a * b", {"b": BAD}, Unknown(missing=frozenset({"a"}), invalid=BAD.invalid)),
        ("a - b - c", {"b": BAD, "c": F(1)}, Unknown(missing=frozenset({"a"}), invalid=BAD.invalid)),
        ("-a", {}, MISS_A),
        ("a < 1", {}, MISS_A),
        ("1 == a", {}, MISS_A),
        ("a == b", {"b": BAD}, Unknown(missing=frozenset({"a"}), invalid=BAD.invalid)),
        ("abs(a)", {}, MISS_A),
        ("round(a, 2)", {}, MISS_A),
        ("min(a, 1)", {}, MISS_A),
        ("max(a, b, c)", {"b": BAD, "c": F(1)}, Unknown(missing=frozenset({"a"}), invalid=BAD.invalid)),
        ("not p", {}, missing("p")),
    ],
)
def test_unknowns_propagate(text: str, record: dict, expected: Unknown) -> None:
    assert run(text, record) == expected


def test_missing_and_explicit_unknown_are_equivalent() -> None:
    f = compile_formula("a + 1", FIELDS)
    assert f({}) == f({"a": missing("a")}) == MISS_A


P_MISSING = missing("p")
Q_INVALID = invalid("cell.not_boolean", line=2, column="q", raw="?")
BOTH = Unknown(missing=frozenset({"p"}), invalid=Q_INVALID.invalid)
T, FA = True, False


@pytest.mark.parametrize(
    ("p", "q", "expected"),
    [
        (T, T, T),
        (T, FA, FA),
        (FA, T, FA),
        (FA, FA, FA),
        (P_MISSING, T, P_MISSING),
        (P_MISSING, FA, FA),
        (T, Q_INVALID, Q_INVALID),
        (FA, Q_INVALID, FA),
        (P_MISSING, Q_INVALID, BOTH),
    ],
)
def test_and_truth_table(p, q, expected) -> None:
    record = {"p": p, "q": q}
    assert run("p and q", record) == expected
    # the n-ary code path must agree with the two-operand one
    assert run("p and q and true", record) == expected


@pytest.mark.parametrize(
    ("p", "q", "expected"),
    [
        (T, T, T),
        (T, FA, T),
        (FA, T, T),
        (FA, FA, FA),
        (P_MISSING, T, T),
        (P_MISSING, FA, P_MISSING),
        (T, Q_INVALID, T),
        (FA, Q_INVALID, Q_INVALID),
        (P_MISSING, Q_INVALID, BOTH),
    ],
)
def test_or_truth_table(p, q, expected) -> None:
    record = {"p": p, "q": q}
    assert run("p or q", record) == expected
    assert run("p or q or false", record) == expected


@pytest.mark.parametrize(("value", "expected"), [(True, False), (False, True), (P_MISSING, P_MISSING)])
def test_not(value, expected) -> None:
    assert run("not p", {"p": value}) == expected


def test_and_or_chain_merges_all_unknowns() -> None:
    record = {"q": Q_INVALID, "r": True}
    assert run("p and q and r", record) == BOTH
    assert run("p or q or r", record) is True
    assert run("p and q and false", record) is False


def test_short_circuit_and_decides_without_right() -> None:
    assert run("is_new and a / 0 > 1", {"is_new": False}) is False
    assert run("is_new or a > 1", {"is_new": True}) is True


def test_floor_area_or_investment() -> None:
    f = compile_formula("floor_area <= 300 or total_investment <= 300000", FIELDS)
    assert f({"floor_area": F(500), "total_investment": F(200000)}) is True
    assert f({"floor_area": F(500), "total_investment": F(400000)}) is False
    assert f({"floor_area": F(200)}) is True
    assert f({"floor_area": F(500)}) == missing("total_investment")


# --------------------------------------------------------------------------- division by zero


def test_division_by_zero_names_the_divisor() -> None:
    f = compile_formula("service_facility_area / households * 100", FIELDS)
    result = f({"service_facility_area": F(10), "households": F(0)})
    assert result == invalid("formula.division_by_zero", expr="households")
    assert isinstance(result, Unknown)
    assert result.invalid[0].word("en") == "division by zero in 'households' (= 0)"
    assert result.invalid[0].word("zh") == "除数为零（households = 0），无法计算"


@pytest.mark.parametrize(
    ("text", "divisor"),
    [
        ("a / (b - c)", "(b - c)"),
        ("a / b", "b"),
        ("a * 2 / b / c", "b"),
        ("a / max(b,  c)", "max(b, c)"),
    ],
)
def test_division_by_zero_messages(text: str, divisor: str) -> None:
    result = run(text, {"a": F(1), "b": F(0), "c": F(0)})
    assert isinstance(result, Unknown)
    assert result.invalid[0] == reason("formula.division_by_zero", expr=divisor)


def test_division_by_zero_merges_with_other_unknowns() -> None:
    result = run("a / b", {"b": F(0)})
    assert result == Unknown(missing=frozenset({"a"}), invalid=(reason("formula.division_by_zero", expr="b"),))
    assert run("a / b", {"a": F(1), "b": BAD}) == BAD


def test_division_by_literal_zero_is_invalid_not_an_error() -> None:
    assert run("a / 0", {"a": F(1)}) == invalid("formula.division_by_zero", expr="0")


# --------------------------------------------------------------------------- functions


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("min(3, 1, 2)", F(1)),
        ("max(3, 1, 2)", F(3)),
        ("min(4)", F(4)),
        ("max(a, b) - abs(c)", F(2)),
        ("min(a, b)", F(1)),
        ("abs(-2.5)", F(5, 2)),
        ("round(2.5)", F(3)),
        ("round(-2.5)", F(-3)),
        ("round(2.4999)", F(2)),
        ("round(1.005, 2)", F("1.01")),
        ("round(-1.005, 2)", F("-1.01")),
        ("round(1 / 3, 3)", F("0.333")),
        ("round(2 / 3, 10)", F("0.6666666667")),
        ("if(a > b, 1, 2)", F(2)),
        ("if(true, 'x', 'y') == 'x'", True),
    ],
)
def test_functions(text: str, expected) -> None:
    assert run(text, {"a": F(1), "b": F(3), "c": F(-1)}) == expected


def test_functions_constant() -> None:
    assert FUNCTIONS == {"min", "max", "abs", "round", "if", "is_missing", "years_between", "add_years"}


@pytest.mark.parametrize(
    ("p", "a", "b", "expected"),
    [
        (True, F(1), F(2), F(1)),
        (False, F(1), F(2), F(2)),
        (P_MISSING, F(1), F(1), F(1)),  # undecided condition, but both branches agree
        (P_MISSING, F(1), F(2), P_MISSING),
        (P_MISSING, BAD, F(2), Unknown(missing=frozenset({"p"}), invalid=BAD.invalid)),
        (True, F(1), BAD, F(1)),  # the other branch is not consulted
        (False, F(1), BAD, BAD),
    ],
)
def test_if_semantics(p, a, b, expected) -> None:
    assert run("if(p, a, b)", {"p": p, "a": a, "b": b}) == expected


@pytest.mark.parametrize(
    ("record", "expected"),
    [({}, True), ({"a": MISS_A}, True), ({"a": BAD}, BAD), ({"a": F(0)}, False)],
)
def test_is_missing(record, expected) -> None:
    f = compile_formula("is_missing(a)", FIELDS)
    assert f.type == "boolean"
    assert f.fields == {"a"}
    assert f(record) == expected  # an unreadable cell is not a gap: it stays invalid


def test_is_missing_guards_unknowns() -> None:
    f = compile_formula("if(is_missing(a), 0, a * 2)", FIELDS)
    assert f({}) == 0
    assert f({"a": F(3)}) == 6


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("min()", "min() needs at least 1 argument"),
        ("max()", "max() needs at least 1 argument"),
        ("abs()", "abs() takes exactly 1 argument (got 0)"),
        ("abs(1, 2)", "abs() takes exactly 1 argument (got 2)"),
        ("round()", "round() takes 1 or 2 arguments (got 0)"),
        ("round(1, 2, 3)", "round() takes 1 or 2 arguments (got 3)"),
        ("round(a, 11)", "round() digits must be a whole number from 0 to 10"),
        ("round(a, 1.5)", "round() digits must be a whole number from 0 to 10"),
        ("round(a, b)", "round() digits must be a whole number from 0 to 10"),
        ("round(a, -1)", "round() digits must be a whole number from 0 to 10"),
        ("if(p, 1)", "if() takes exactly 3 arguments (got 2)"),
        ("if(p, 1, 2, 3)", "if() takes exactly 3 arguments (got 4)"),
        ("if(a, 1, 2)", "if() condition must be boolean, got number field 'a'"),
        ("if(p, 1, 'x')", "if() branches must have the same type, got number 1 and text 'x'"),
        ("is_missing()", "is_missing() takes exactly 1 argument (got 0)"),
        ("is_missing(a, b)", "is_missing() takes exactly 1 argument (got 2)"),
        ("is_missing(a + 1)", "is_missing() needs a bare field name"),
        ("is_missing(zzz)", "unknown field 'zzz'"),
        ("min(a, p)", "min() needs numbers, got boolean field 'p'"),
        ("abs('x')", "abs() needs numbers, got text 'x'"),
        ("min + 1", "'min' is a function; call it as min(...)"),
    ],
)
def test_function_errors(text: str, message: str) -> None:
    err = reject(text)
    assert err.message.startswith(message)
    assert err.column is not None


# --------------------------------------------------------------------------- typing


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("is_new + 1", "'+' needs numbers, got boolean field 'is_new'", 8),
        ("1 + is_new", "'+' needs numbers, got boolean field 'is_new'", 3),
        ("a * 2 - name", "'-' needs numbers, got text field 'name'", 7),
        ("-p", "'-' needs numbers, got boolean field 'p'", 1),
        ("a and p", "'and' needs booleans, got number field 'a'", 3),
        ("p or 'x'", "'or' needs booleans, got text 'x'", 3),
        ("not a", "'not' needs booleans, got number field 'a'", 1),
        ("name < 'b'", "'<' needs numbers, got text field 'name'", 6),
        ("a == p", "'==' needs both sides of the same type, got number field 'a' and boolean field 'p'", 3),
        (
            "a + 1 != 'x'",
            "'!=' needs both sides of the same type, got number expression 'a + 1' and text 'x'",
            7,
        ),
        ("(a > 1) + 2", "'+' needs numbers, got boolean expression '(a > 1)'", 9),
    ],
)
def test_type_errors(text: str, message: str, column: int) -> None:
    err = reject(text)
    assert err.message == message
    assert err.column == column


@pytest.mark.parametrize(
    ("text", "type_"),
    [("a + 1", "number"), ("a > 1", "boolean"), ("name", "text"), ("if(p, name, 'x')", "text")],
)
def test_inferred_type(text: str, type_: str) -> None:
    assert compile_formula(text, FIELDS).type == type_


def test_formula_attributes() -> None:
    f = compile_formula("service_facility_area / households * 100", FIELDS)
    assert isinstance(f, Formula)
    assert f.text == "service_facility_area / households * 100"
    assert f.type == "number"
    assert f.fields == frozenset({"service_facility_area", "households"})
    assert compile_formula("1 + 2", FIELDS).fields == frozenset()


# --------------------------------------------------------------------------- names


def test_unknown_field_lists_known_fields_sorted() -> None:
    err = reject("x + 1", fields={"b": "number", "a": "number", "c": "boolean"})
    assert err.message == "unknown field 'x'; known fields: a, b, c"
    assert err.column == 1
    assert str(err) == "unknown field 'x'; known fields: a, b, c (column 1)"


def test_constants() -> None:
    f = compile_formula("a >= threshold", FIELDS, constants={"threshold": "number"})
    assert f.fields == {"a"}
    assert f({"a": F(5), "threshold": F(3)}) is True
    assert f({"a": F(5)}) == missing("threshold")
    err = reject("a >= limit", constants={"threshold": "number"})
    assert "threshold" in err.message and "unknown field 'limit'" in err.message
    err = reject("threshold and p", constants={"threshold": "number"})
    assert err.message == "'and' needs booleans, got number constant 'threshold'"


def test_unicode_field_names() -> None:
    fields = {"服务面积": "number", "户数": "number", "是否新建": "boolean"}
    f = compile_formula("服务面积 / 户数 * 100 >= 30 and 是否新建", fields)
    assert f.fields == {"服务面积", "户数", "是否新建"}
    assert f({"服务面积": F(60), "户数": F(200), "是否新建": True}) is True
    assert f({"服务面积": F(60), "户数": F(0), "是否新建": True}) == invalid("formula.division_by_zero", expr="户数")


def test_string_with_other_quote_and_whitespace() -> None:
    assert run("'say \"hi\"'") == 'say "hi"'
    assert run('"it\'s"') == "it's"
    assert run("\n a\t+\u3000 1 ", {"a": F(1)}) == 2


# --------------------------------------------------------------------------- rejections


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("a.b", "attribute access is not allowed", 2),
        ("(a).real", "attribute access is not allowed", 4),
        ("a[0]", "subscripts are not allowed", 2),
        ("[a for a in b]", "lists and comprehensions are not allowed", 1),
        ("{a}", "braces are not allowed", 1),
        ("f(1)", f"unknown function 'f'; allowed: {ALLOWED}", 1),
        ("1 + a(2)", f"unknown function 'a'; allowed: {ALLOWED}", 5),
        ("(a)(2)", "calls of non-functions are not allowed", 4),
        ("__import__('os')", "names starting with '_' are not allowed", 1),
        ("_a + 1", "names starting with '_' are not allowed", 1),
        ("lambda: 1", "'lambda' is not part of the formula language", 1),
        ("import os", "'import' is not part of the formula language", 1),
        ("a for a", "'for' is not part of the formula language", 3),
        ("a in b", "'in' is not part of the formula language", 3),
        ("a if p else b", "'if' is not part of the formula language", 3),
        ("a is None", "'is' is not part of the formula language", 3),
        ("(a for a in b)", "'for' is not part of the formula language", 4),
        ("a ** 2", "'**' (power) is not allowed", 3),
        ("a // 2", "'//' (floor division) is not allowed", 3),
        ("a % 2", "'%' is not allowed", 3),
        ("a; b", "';' is not allowed", 2),
        ("a \\\n+ 1", "backslashes are not allowed", 3),
        ("'a\\'b'", "backslashes are not allowed", 3),
        ("a = 1", "use '==' to compare", 3),
        ("(a := 1)", "assignment ':=' is not allowed", 4),
        ("`a`", "backticks are not allowed", 1),
        ("p && q", "use 'and'", 3),
        ("p || q", "use 'or'", 3),
        ("!p", "use 'not'", 1),
        ("a $ b", "unexpected character '$'", 3),
        ("a @ b", "unexpected character '@'", 3),
        ("a ^ b", "unexpected character '^'", 3),
        ("a ? b : c", "unexpected character '?'", 3),
        ("a\x00", "unexpected character U+0000", 2),
        ("name == “x”", "use straight quotes", 9),
        ("1_000", "invalid number '1_000'", 1),
        ("2a", "invalid number '2a'", 1),
        ("1.2.3", "invalid number '1.2.3'", 1),
        ("1e999999999", "exponent of '1e999999999' is larger than 100", 1),
        ("2 * 1e-101", "exponent of '1e-101' is larger than 100", 5),
        ("1e", "invalid number '1e'", 1),
        ("'abc", "text literal is not closed", 1),
        ("a < b < c", "comparisons cannot be chained; use 'and'", 7),
        ("a == b == c", "comparisons cannot be chained; use 'and'", 8),
        ("", "formula is empty", 1),
        ("   ", "formula is empty", 1),
        ("a +", "expected a value after '+', got end of formula", 4),
        ("* a", "expected a value, got '*'", 1),
        ("a b", "unexpected 'b'; expected an operator or the end of the formula", 3),
        ("a)", "unmatched ')'", 2),
        ("(a + 1", "expected ')' to close '(' at column 1, got end of formula", 7),
        ("min(a, b", "expected ',' or ')' to close '(' at column 4, got end of formula", 9),
        ("min(a b)", "expected ',' or ')' to close '(' at column 4, got 'b'", 7),
        ("min(a,)", "expected a value after ',', got ')'", 7),
        ("()", "expected a value after '(', got ')'", 2),
        ("a == not p", "expected a value after '==', got 'not'", 6),
        ("if p", "'if' is not part of the formula language; use if(condition, a, b)", 1),
    ],
)
def test_rejections(text: str, message: str, column: int) -> None:
    err = reject(text)
    assert err.message.startswith(message), err.message
    assert err.column == column
    assert str(err) == f"{err.message} (column {column})"
    assert "\n" not in str(err)


def test_error_without_column() -> None:
    err = FormulaError("something")
    assert err.column is None
    assert str(err) == "something"


# --------------------------------------------------------------------------- limits


def test_length_limit() -> None:
    ok = "1" + " + 1" * 499  # 1997 characters
    assert len(ok) <= 2000
    assert run(ok) == 500
    err = reject("1" + " + 1" * 500)
    assert err.message == "formula is longer than 2000 characters"
    assert err.column is None


@pytest.mark.parametrize(
    "text",
    ["(" * 100_000, "-" * 100_000 + "1", "not " * 50_000 + "p", "a" * 100_000, "1+" * 50_000 + "1"],
)
def test_huge_inputs_are_rejected_quickly(text: str) -> None:
    err = reject(text)
    assert err.message == "formula is longer than 2000 characters"


@pytest.mark.parametrize(
    ("make", "ok_record"),
    [
        (lambda n: "(" * n + "a" + ")" * n, {"a": F(1)}),
        (lambda n: "-" * n + "a", {"a": F(1)}),
        (lambda n: "not " * n + "p", {"p": True}),
        (lambda n: "abs(" * n + "a" + ")" * n, {"a": F(1)}),
    ],
)
def test_depth_limit(make, ok_record) -> None:
    assert isinstance(compile_formula(make(64), FIELDS)(ok_record), (Fraction, bool))
    err = reject(make(65))
    assert err.message == "formula is nested too deeply (more than 64 levels)"
    assert err.column is not None


def _frames_needed(action) -> int:
    """The smallest recursion head-room (in steps of 10 frames) that lets ``action`` run."""
    base = len(inspect.stack(0))
    old = sys.getrecursionlimit()
    try:
        for headroom in range(50, 1000, 10):
            sys.setrecursionlimit(base + headroom)
            try:
                action()
            except RecursionError:
                continue
            return headroom
    finally:
        sys.setrecursionlimit(old)
    raise AssertionError("needs more than 1000 frames")


def test_deepest_formula_fits_the_stack() -> None:
    # every call level stacks or/and/==/+/* nodes: the worst shape allowed by the limits
    text = "t"
    for _ in range(64):
        text = f"f or t and n==n+n*if({text},n,n)"
    assert len(text) <= 2000
    fields = {"n": "number", "t": "boolean", "f": "boolean"}
    f = compile_formula(text, fields)
    assert f({"n": F(1), "t": True, "f": False}) is False
    assert _frames_needed(lambda: compile_formula(text, fields)) <= 700
    assert _frames_needed(lambda: f({"n": F(1), "t": True, "f": False})) <= 500


def test_long_flat_chains_do_not_recurse() -> None:
    text = " and ".join(["p"] * 330)
    assert len(text) <= 2000
    f = compile_formula(text, FIELDS)
    assert f({"p": True}) is True
    assert f({}) == missing("p")
    assert run(" - ".join(["a"] * 450), {"a": F(1)}) == -448
    assert run(" / ".join(["a"] * 450), {"a": F(1)}) == 1


# --------------------------------------------------------------------------- safety


def test_module_source_uses_no_dynamic_evaluation() -> None:
    source = Path(formula_module.__file__).read_text(encoding="utf-8")
    for banned in ("eval(", "exec(", "compile(", "import ast", "from ast", "__import__("):
        assert banned not in source
    assert not re.search(r"^\s*import\s+ast\b", source, re.MULTILINE)


@pytest.mark.parametrize(
    "text",
    [
        "__builtins__",
        "().__class__",
        "open('x')",
        "exec('1')",
        "eval('1')",
        "getattr(a, 'b')",
        "a.__class__.__bases__",
    ],
)
def test_escape_attempts_are_rejected(text: str) -> None:
    reject(text)


# --------------------------------------------------------------------------- dates


DATES = {"birth": "date", "left": "date", "n": "number"}


@pytest.mark.parametrize(
    ("birth", "as_of", "age"),
    [
        (date(2019, 6, 1), date(2025, 6, 1), 6),  # the birthday itself counts as reached
        (date(2019, 6, 1), date(2025, 5, 31), 5),
        (date(2020, 2, 29), date(2021, 2, 28), 1),  # 民法典 第202条: no 29 Feb → month end
        (date(2020, 2, 29), date(2021, 2, 27), 0),
        (date(2020, 2, 29), date(2024, 2, 29), 4),
        (date(1960, 1, 1), date(2025, 1, 1), 65),
    ],
)
def test_years_between_counts_anniversaries(birth, as_of, age):
    f = compile_formula("years_between(birth, as_of)", DATES, constants={"as_of": "date"})
    assert f({"birth": birth, "as_of": as_of}) == age


@pytest.mark.parametrize(
    ("left", "as_of", "within"),
    [
        (date(2022, 6, 30), date(2024, 6, 30), True),  # the anniversary is inside (以内)
        (date(2022, 6, 30), date(2024, 7, 1), False),
        (date(2020, 2, 29), date(2022, 2, 28), True),
        (date(2020, 2, 29), date(2022, 3, 1), False),
    ],
)
def test_add_years_for_periods(left, as_of, within):
    f = compile_formula("as_of <= add_years(left, 2)", DATES, constants={"as_of": "date"})
    assert f({"left": left, "as_of": as_of}) is within


def test_date_type_errors():
    with pytest.raises(FormulaError, match=r"years_between\(\) needs dates, got number field 'n'"):
        compile_formula("years_between(n, birth)", DATES)
    with pytest.raises(FormulaError, match="'<' needs numbers"):
        compile_formula("birth < 3", DATES)
    with pytest.raises(FormulaError, match="add_years\\(\\) needs a whole number of years"):
        compile_formula("add_years(birth, 1.5) > left", DATES)


def test_missing_date_is_unknown():
    f = compile_formula("years_between(birth, as_of) >= 65", DATES, constants={"as_of": "date"})
    assert f({"as_of": date(2025, 1, 1)}) == Unknown(missing=frozenset({"birth"}))
