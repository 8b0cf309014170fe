"""Comparators: the symbols and the plan's own words.

Boundaries follow 民法典 第1259条: "以上、以下、以内、届满" include the number itself;
"不满、超过、以外" do not. The other words carry their ordinary meaning: 不低于/不少于 are
"not below" (≥), 不超过/不高于 "not above" (≤), 高于 "above" (>), 低于/不足 "below" (<).
"""

from __future__ import annotations

import operator
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from lifeservices_cli.semantics import units

SYMBOLS: dict[str, Callable[[Any, Any], Any]] = {
    ">=": operator.ge,
    ">": operator.gt,
    "<=": operator.le,
    "<": operator.lt,
    "==": operator.eq,
    "!=": operator.ne,
}

#: Every word a pack may use, and the symbol it means.
WORDS: dict[str, str] = {
    "不低于": ">=",
    "不少于": ">=",
    "不小于": ">=",
    "以上": ">=",
    "达到": ">=",
    "以下": "<=",
    "以内": "<=",
    "不超过": "<=",
    "不高于": "<=",
    "不大于": "<=",
    "不多于": "<=",
    "超过": ">",
    "高于": ">",
    "大于": ">",
    "多于": ">",
    "不满": "<",
    "低于": "<",
    "不足": "<",
    "小于": "<",
    "少于": "<",
    "等于": "==",
    "不等于": "!=",
    # for dates
    "不早于": ">=",
    "不晚于": "<=",
    "晚于": ">",
    "早于": "<",
}
_ALIASES = {"≥": ">=", "≤": "<=", "≠": "!=", "=": "=="}

_TOKENS = sorted([*SYMBOLS, *WORDS, *_ALIASES], key=len, reverse=True)
_RULE = re.compile(
    r"^\s*(?:(?P<op1>" + "|".join(map(re.escape, _TOKENS)) + r")\s*(?P<rest1>.+?)"
    r"|(?P<rest2>.+?)\s*(?P<op2>" + "|".join(map(re.escape, _TOKENS)) + r"))\s*$"
)
_NUMBER_UNIT = re.compile(r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>[^\d\s.].*)?$")
_BOOLS = {"true": True, "是": True, "yes": True, "false": False, "否": False, "no": False}
#: A rule is a comparator and a threshold, at most a formula of 2,000 characters (``formula.MAX_LENGTH``);
#: longer text is refused before ``_RULE``, whose backtracking grows with the square of the length.
MAX_RULE = 2100


class RuleError(ValueError):
    """A rule text that cannot be read."""


def symbol_for(word: str) -> str:
    """The symbol for a comparator word or symbol; RuleError if it is neither."""
    key = word.strip()
    if key in SYMBOLS:
        return key
    if key in _ALIASES:
        return _ALIASES[key]
    if key in WORDS:
        return WORDS[key]
    raise RuleError(f"unknown comparator {word!r}; use one of {', '.join([*SYMBOLS, *WORDS])}")


@dataclass(frozen=True, slots=True)
class ParsedRule:
    comparator: str  # a symbol
    word: str | None  # the word the pack used, kept for reports
    threshold: Fraction | bool | None  # None when the threshold is a formula
    unit: str | None  # the unit written after the number, if any
    formula: str | None = None  # a threshold that depends on the record, e.g. '高于 loans_2021'


def parse_rule(text: str) -> ParsedRule:
    """Read ``'不低于 500'``, ``'300平方米以下'``, ``'>= 30'``, ``'以下 30万元'``, ``'== 是'``, or a
    threshold that is a formula over the record, ``'高于 first_loans_2021'``."""
    if len(text) > MAX_RULE:
        raise RuleError(f"rule is longer than {MAX_RULE} characters: {text[:40]!r}...")
    norm = unicodedata.normalize("NFKC", text)
    m = _RULE.match(norm)
    if not m:
        raise RuleError(f"cannot read rule {text!r}: expected a comparator and a threshold, e.g. '不低于 500'")
    op = m.group("op1") or m.group("op2")
    rest = (m.group("rest1") or m.group("rest2")).strip()
    symbol = symbol_for(op)
    word = op if op in WORDS else None
    if rest.lower() in _BOOLS:
        if symbol not in ("==", "!="):
            raise RuleError(f"rule {text!r}: a yes/no threshold needs '==' or '!='")
        return ParsedRule(symbol, word, _BOOLS[rest.lower()], None)
    num = _NUMBER_UNIT.match(rest)
    if not num:
        if rest[:1].isdigit():
            raise RuleError(f"cannot read the threshold {rest!r} in rule {text!r}")
        return ParsedRule(symbol, word, None, None, rest)  # a formula over the record's fields
    unit = (num.group("unit") or "").strip() or None
    if unit is not None and units.lookup(unit) is None:
        raise RuleError(f"unknown unit {unit!r} in rule {text!r}")
    return ParsedRule(symbol, word, Fraction(num.group("num")), unit)


def compare(symbol: str, value: object, threshold: object) -> bool:
    """Apply the comparator ``symbol``."""
    return bool(SYMBOLS[symbol](value, threshold))
