"""Property-based tests (hypothesis): cells, formulas and record accounting on generated input.

Deterministic (``derandomize=True``, no example database) so CI never flakes; the number of
examples is moderate so the whole file runs in well under a minute.
"""

from __future__ import annotations

import builtins
import csv
import io
import tempfile
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lifeservices_cli.formula import Formula, FormulaError, compile_formula
from lifeservices_cli.pipeline import check_files
from lifeservices_cli.semantics import units
from lifeservices_cli.semantics.cells import make_converter
from lifeservices_cli.semantics.values import Unknown, invalid, missing

COMMON = {"deadline": None, "derandomize": True, "database": None}
FAST = settings(max_examples=300, **COMMON)
SLOW = settings(max_examples=25, suppress_health_check=[HealthCheck.too_slow], **COMMON)

# --------------------------------------------------------------------------- cells

UNIT_SUFFIXES = sorted(units.known_suffixes())
ANY_CHAR = st.characters(exclude_categories=())  # surrogates too: what undecodable bytes become
number_like = st.builds(
    lambda sign, whole, frac, exp, unit, space: f"{sign}{whole}{frac}{exp}{space}{unit}",
    st.sampled_from(["", "+", "-", "－", "−"]),
    st.one_of(st.from_regex(r"[0-9]{1,4}", fullmatch=True), st.sampled_from(["1,000", "１２", "12,34", ""])),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{0,3}", fullmatch=True)),
    st.one_of(st.just(""), st.from_regex(r"[eE][+-]?[0-9]{1,4}", fullmatch=True)),
    st.one_of(st.just(""), st.sampled_from(UNIT_SUFFIXES), st.sampled_from(["%", "个", "?", "nan", "inf"])),
    st.sampled_from(["", " ", "\u3000"]),
)
cell_text = st.one_of(
    st.text(ANY_CHAR, max_size=80),
    number_like,
    st.sampled_from(["是", "否", "√", "×", "—", "N/A", "#DIV/0!", "NaN", "inf", "-0", "1e309", "2024-02-30", "\x00"]),
)


@FAST
@given(
    raw=cell_text,
    field_type=st.sampled_from(["number", "boolean", "text", "date"]),
    field_unit=st.sampled_from([None, "m²", "元", "户"]),
    header_unit=st.sampled_from([None, "万元", "平方米"]),
    minimum=st.sampled_from([None, Fraction(0)]),
    lang=st.sampled_from(["zh", "en"]),
)
def test_any_cell_text_gives_a_value_or_a_reason(raw, field_type, field_unit, header_unit, minimum, lang):
    if header_unit is not None and (field_unit is None or units.conversion(header_unit, field_unit) is None):
        header_unit = None  # binding refuses such headers before any cell is read
    convert = make_converter(
        field_type,
        column="列X",
        field="f",
        field_unit=field_unit,
        header_unit=header_unit,
        minimum=minimum,
        encoding="gb18030",
        lang=lang,
    )
    value = convert(raw, 7)
    expected = {"number": Fraction, "boolean": bool, "text": str, "date": date}[field_type]
    if isinstance(value, Unknown):
        if value.invalid:
            assert value.missing == frozenset()
            (why,) = value.invalid  # a code with parameters, worded in the run's language
            assert why.get("line") == 7 and why.get("column") == "列X"
            reason = why.word(lang)
            assert "7" in reason and "列X" in reason  # the line and the column
            assert "\n" not in reason.replace(raw.strip(), "")  # one line, apart from the cell quoted
        else:
            assert value.missing == frozenset({"f"})
    else:
        assert isinstance(value, expected), (raw, value)
        if field_type == "number" and minimum is not None:
            assert value >= minimum


@FAST
@given(
    whole=st.integers(min_value=0, max_value=10**12),
    places=st.integers(min_value=0, max_value=6),
    frac=st.integers(min_value=0, max_value=999_999),
    sign=st.sampled_from(["", "-", "+"]),
    grouped=st.booleans(),
)
def test_decimal_cells_read_exactly(whole, places, frac, sign, grouped):
    body = f"{whole:,}" if grouped else str(whole)
    digits = str(frac).zfill(6)[:places]
    raw = f"{sign}{body}{'.' + digits if places else ''}"
    value = make_converter("number", column="c", field="f")(raw, 2)
    assert value == Fraction(Decimal(raw.replace(",", "")))


# --------------------------------------------------------------------------- formulas

NUMBER_FIELDS = ("n1", "n2", "n3")
BOOL_FIELDS = ("p", "q")
FIELDS: dict[str, Any] = {**dict.fromkeys(NUMBER_FIELDS, "number"), **dict.fromkeys(BOOL_FIELDS, "boolean")}


@dataclass(frozen=True)
class U:
    """The reference's unknown: which fields are missing, and whether anything is invalid."""

    missing: frozenset[str] = frozenset()
    invalid: bool = False


def u_merge(*values: Any) -> U:
    unknowns = [v for v in values if isinstance(v, U)]
    return U(frozenset().union(*(v.missing for v in unknowns)), any(v.invalid for v in unknowns))


def as_u(value: Any) -> Any:
    """The formula module's value in the reference's terms."""
    if isinstance(value, Unknown):
        return U(value.missing, value.is_invalid)
    return value


# Reference trees: ("num", text) ("field", name) ("neg", x) ("chain", [x, y, ...], [op, ...])
# ("call", fn, [args]) ("if", c, a, b) ("bool", b) ("bfield", name) ("cmp", op, a, b)
# ("not", x) ("and"/"or", [x, y, ...])
decimal_text = st.builds(
    lambda whole, frac: f"{whole}{frac}",
    st.integers(min_value=0, max_value=1000),
    st.one_of(st.just(""), st.from_regex(r"\.[0-9]{1,3}", fullmatch=True)),
)
num_leaf = st.one_of(
    st.builds(lambda t: ("num", t), decimal_text), st.builds(lambda f: ("field", f), st.sampled_from(NUMBER_FIELDS))
)
bool_leaf = st.one_of(
    st.builds(lambda b: ("bool", b), st.booleans()), st.builds(lambda f: ("bfield", f), st.sampled_from(BOOL_FIELDS))
)


def _extend(nums: st.SearchStrategy, bools: st.SearchStrategy) -> tuple[st.SearchStrategy, st.SearchStrategy]:
    """Number trees and boolean trees one level deeper than ``nums`` and ``bools``."""
    chain = st.integers(min_value=2, max_value=4).flatmap(
        lambda n: st.tuples(
            st.just("chain"),
            st.lists(nums, min_size=n, max_size=n),
            st.lists(st.sampled_from("+-*/"), min_size=n - 1, max_size=n - 1),
        )
    )
    deeper_nums = st.one_of(
        nums,
        chain,
        st.tuples(st.just("neg"), nums),
        st.tuples(st.just("call"), st.just("abs"), st.lists(nums, min_size=1, max_size=1)),
        st.tuples(st.just("call"), st.sampled_from(["min", "max"]), st.lists(nums, min_size=1, max_size=3)),
        st.tuples(st.just("if"), bools, nums, nums),
    )
    deeper_bools = st.one_of(
        bools,
        st.tuples(st.just("cmp"), st.sampled_from(["==", "!=", "<", "<=", ">", ">="]), nums, nums),
        st.tuples(st.just("not"), bools),
        st.tuples(st.sampled_from(["and", "or"]), st.lists(bools, min_size=2, max_size=3)),
    )
    return deeper_nums, deeper_bools


LEVELS = [(num_leaf, bool_leaf)]
for _ in range(3):
    LEVELS.append(_extend(*LEVELS[-1]))
#: A number tree and a boolean tree, up to 3 levels of operators deep.
trees = st.sampled_from(range(len(LEVELS))).flatmap(lambda depth: st.tuples(*LEVELS[depth]))


def render(tree: tuple) -> str:
    """Formula text; every compound part in parentheses except chains, which test precedence."""
    kind = tree[0]
    if kind in ("num", "field", "bfield"):
        return str(tree[1])
    if kind == "bool":
        return "true" if tree[1] else "false"
    if kind == "neg":
        return f"-({render(tree[1])})"
    if kind == "chain":
        text = f"({render(tree[1][0])})"
        for op, arg in zip(tree[2], tree[1][1:], strict=True):
            text += f" {op} ({render(arg)})"
        return text
    if kind == "call":
        return f"{tree[1]}({', '.join(render(a) for a in tree[2])})"
    if kind == "if":
        return f"if({render(tree[1])}, {render(tree[2])}, {render(tree[3])})"
    if kind == "cmp":
        return f"({render(tree[2])}) {tree[1]} ({render(tree[3])})"
    if kind == "not":
        return f"not ({render(tree[1])})"
    return f" {kind} ".join(f"({render(a)})" for a in tree[1])


def evaluate(tree: tuple, record: dict[str, Any]) -> Any:
    """The reference: exact decimals and fractions, Kleene logic, unknowns merged."""
    kind = tree[0]
    if kind == "num":
        return Fraction(Decimal(tree[1]))
    if kind == "bool":
        return tree[1]
    if kind in ("field", "bfield"):
        return record.get(tree[1], U(frozenset({tree[1]})))
    if kind == "neg":
        x = evaluate(tree[1], record)
        return x if isinstance(x, U) else -x
    if kind == "chain":
        return _chain([evaluate(a, record) for a in tree[1]], tree[2])
    if kind == "call":
        args = [evaluate(a, record) for a in tree[2]]
        if any(isinstance(a, U) for a in args):
            return u_merge(*args)
        return abs(args[0]) if tree[1] == "abs" else (min if tree[1] == "min" else max)(args)
    if kind == "if":
        c, a, b = (evaluate(x, record) for x in tree[1:])
        if c is True:
            return a
        if c is False:
            return b
        if not isinstance(a, U) and not isinstance(b, U) and a == b:
            return a
        return u_merge(c, a, b)
    if kind == "cmp":
        a, b = evaluate(tree[2], record), evaluate(tree[3], record)
        if isinstance(a, U) or isinstance(b, U):
            return u_merge(a, b)
        return {"==": a == b, "!=": a != b, "<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[tree[1]]
    if kind == "not":
        x = evaluate(tree[1], record)
        return x if isinstance(x, U) else not x
    values = [evaluate(a, record) for a in tree[1]]
    decisive = kind == "or"
    if any(v is decisive for v in values):
        return decisive
    if all(v is (not decisive) for v in values):
        return not decisive
    return u_merge(*values)


def _chain(values: list[Any], ops: list[str]) -> Any:
    """``*`` and ``/`` before ``+`` and ``-``, left to right; a known zero divisor is invalid."""
    zero = any(op == "/" and not isinstance(v, U) and v == 0 for op, v in zip(ops, values[1:], strict=True))
    if zero or any(isinstance(v, U) for v in values):
        merged = u_merge(*values)
        return U(merged.missing, merged.invalid or zero)
    terms, signs = [values[0]], ["+"]
    for op, v in zip(ops, values[1:], strict=True):
        if op in "*/":
            terms[-1] = terms[-1] * v if op == "*" else terms[-1] / v
        else:
            terms.append(v)
            signs.append(op)
    return sum((t if s == "+" else -t for t, s in zip(terms, signs, strict=True)), Fraction(0))


field_value = st.one_of(
    st.builds(lambda n, d: Fraction(n, d), st.integers(-50, 50), st.sampled_from([1, 1, 1, 2, 4, 10])),
    st.just("missing"),
    st.just("absent"),
    st.just("invalid"),
)
bool_value = st.one_of(st.booleans(), st.just("missing"), st.just("absent"), st.just("invalid"))


def _record(numbers: list[Any], flags: list[Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The record the formula gets and the one the reference gets."""
    given_, reference = {}, {}
    for name, value in [*zip(NUMBER_FIELDS, numbers, strict=True), *zip(BOOL_FIELDS, flags, strict=True)]:
        if value == "absent":
            reference[name] = U(frozenset({name}))
        elif value == "missing":
            given_[name], reference[name] = missing(name), U(frozenset({name}))
        elif value == "invalid":
            given_[name], reference[name] = invalid(f"bad {name}"), U(frozenset(), True)
        else:
            given_[name] = reference[name] = value
    return given_, reference


@contextmanager
def no_python_evaluation():
    """``eval``, ``exec``, ``compile`` and ``__import__`` fail the test if anything calls them."""
    saved = {name: getattr(builtins, name) for name in ("eval", "exec", "compile", "__import__")}

    def forbidden(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("a formula reached Python evaluation")

    try:
        for name in saved:
            setattr(builtins, name, forbidden)
        yield
    finally:
        for name, fn in saved.items():
            setattr(builtins, name, fn)


@settings(max_examples=400, **COMMON)
@given(
    pair=trees,
    use_bool=st.booleans(),
    numbers=st.lists(field_value, min_size=3, max_size=3),
    flags=st.lists(bool_value, min_size=2, max_size=2),
)
def test_generated_formulas_evaluate_like_the_reference(pair, use_bool, numbers, flags):
    tree = pair[1] if use_bool else pair[0]
    text = render(tree)
    try:
        with no_python_evaluation():
            compiled = compile_formula(text, FIELDS)
    except FormulaError as exc:  # only the documented limits may refuse a well-formed formula
        assert len(text) > 2000 or "nested too deeply" in exc.message, (text, exc)
        return
    assert compiled.type == ("boolean" if use_bool else "number")
    record, reference = _record(numbers, flags)
    with no_python_evaluation():
        got = as_u(compiled(record))
    assert got == evaluate(tree, reference), text


WORDS = "1 0.5 1e3 'x' ( ) , + - * / ** == < >= and or not if min abs round is_missing true . [ ] { } _ __"
MORE_WORDS = "__class__ __import__ import lambda for in x os open eval getattr : ; = \\ as_of"
formula_tokens = st.sampled_from([*NUMBER_FIELDS, *BOOL_FIELDS, *WORDS.split(), *MORE_WORDS.split(), "\n"])


@settings(max_examples=500, **COMMON)
@given(
    text=st.one_of(
        st.text(ANY_CHAR, max_size=120),
        st.lists(formula_tokens, max_size=25).map(" ".join),
        st.lists(formula_tokens, max_size=25).map("".join),
    )
)
def test_any_text_is_a_formula_or_a_formula_error(text):
    with no_python_evaluation():
        try:
            compiled = compile_formula(text, FIELDS, constants={"as_of": "date"})
        except FormulaError as exc:
            assert isinstance(exc.message, str) and exc.message
            assert exc.column is None or 1 <= exc.column <= len(text) + 1
            return
        assert isinstance(compiled, Formula)
        value = compiled({})  # every field missing: an unknown or a value decided without them
    assert isinstance(value, Unknown | Fraction | bool | str)


# --------------------------------------------------------------------------- accounting

COMMUNITY_HEADER = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）".split(
    ","
)
CELLS = [
    *"是 否 1 0 100 33.3 -5 12a NaN 1e309 — #DIV/0! 600㎡ １２ C-1 C-2 洮北区 <script>".split(),
    *("", " ", "1,000", '"q"', "a\nb", "=cmd|' /C calc'!A0", "\x00"),
]


@dataclass
class Generated:
    text: str
    data_lines: list[int]  # the physical line each data row starts on


@st.composite
def community_csv(draw: st.DrawFn) -> Generated:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(COMMUNITY_HEADER)
    line = 2
    data_lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=12))):
        if draw(st.integers(0, 9)) == 0:
            buffer.write("\n")  # a blank line: not a record, but counted in line numbers
            line += 1
            continue
        width = draw(st.sampled_from([len(COMMUNITY_HEADER)] * 6 + [3, 8, 9]))  # ragged rows too
        cells = draw(st.lists(st.sampled_from(CELLS), min_size=width, max_size=width))
        row = io.StringIO()
        csv.writer(row, lineterminator="\n").writerow(cells)
        if any(c.strip() for c in cells):
            data_lines.append(line)
        buffer.write(row.getvalue())
        line += row.getvalue().count("\n")
    return Generated(buffer.getvalue(), data_lines)


@SLOW
@given(data=community_csv(), engine=st.sampled_from(["records", "columns"]))
def test_every_row_appears_once_and_the_counts_add_up(data, engine):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "gen.csv"
        path.write_text(data.text, encoding="utf-8")
        report = check_files([path], engine=engine, lang="en")
        results = list(report.iter_results())
    per_line = Counter(r.line for r in results)
    indicators = [i.id for i in report.packset.indicators if i.spec.entity == "community"]
    assert sorted(per_line) == data.data_lines
    assert set(per_line.values()) <= {len(indicators)}
    for line in data.data_lines:
        assert sorted(r.indicator for r in results if r.line == line) == sorted(indicators)
    summary = report.summary()
    assert summary["records"] == len(data.data_lines) == report.inputs[0].records
    statuses = ("pass", "fail", "not_applicable", "missing_data", "invalid_data", "eligible", "not_eligible")
    assert sum(summary[s] for s in statuses) == summary["checks"] == len(results)
    assert Counter(r.status for r in results) == Counter({s: summary[s] for s in statuses if summary[s]})


def test_the_reference_evaluator_knows_the_documented_cases():
    # guards the guard: a few of the formula module's own documented results
    assert evaluate(("chain", [("num", "2"), ("num", "3"), ("num", "4")], ["+", "*"]), {}) == 14
    assert evaluate(("chain", [("field", "n1"), ("num", "0")], ["/"]), {"n1": U(frozenset({"n1"}))}) == U(
        frozenset({"n1"}), True
    )
    assert evaluate(("and", [("bfield", "p"), ("bool", False)]), {"p": U(frozenset({"p"}))}) is False
    assert evaluate(("if", ("bfield", "p"), ("num", "1"), ("num", "1.0")), {"p": U(frozenset({"p"}))}) == 1


@pytest.mark.parametrize("text", ["n1 / 0", "(n1 + 1) / (n2 - n2)"])
def test_division_by_zero_is_invalid_in_both(text):
    compiled = compile_formula(text, FIELDS)
    assert as_u(compiled({"n1": Fraction(1), "n2": Fraction(3)})) == U(frozenset(), True)
