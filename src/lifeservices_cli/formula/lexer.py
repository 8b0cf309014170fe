"""Formula text → tokens: numbers, names (Chinese too), strings, operators; Python syntax
outside the language rejected by name."""

from __future__ import annotations

import keyword
from fractions import Fraction
from typing import Any, NamedTuple

from lifeservices_cli.formula.tree import MAX_EXPONENT, FormulaError


class Token(NamedTuple):
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


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, rejecting anything outside the language."""
    toks: list[Token] = []
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
            toks.append(Token("str", text[i + 1 : end], i, end + 1))
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
                    toks.append(Token("op", _OPS[piece], i, i + size))
                    i += size
                    break
                if piece in _REJECTED:
                    raise FormulaError(_REJECTED[piece], i + 1)
            else:
                raise FormulaError(f"unexpected character {_char(ch)}", i + 1)
    toks.append(Token("end", None, n, n))
    return toks


def _digits(text: str, i: int) -> int:
    while i < len(text) and "0" <= text[i] <= "9":
        i += 1
    return i


def _read_number(text: str, i: int, toks: list[Token]) -> int:
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
    toks.append(Token("num", Fraction(text[i:j]), i, j))
    return j


def _word(name: str, start: int, end: int) -> Token:
    if name.startswith("_"):
        raise FormulaError("names starting with '_' are not allowed", start + 1)
    if name in _FORBIDDEN_WORDS:
        raise FormulaError(f"'{name}' is not part of the formula language", start + 1)
    if name in _WORD_OPS:
        return Token("op", name, start, end)
    if name in _BOOLS:
        return Token("bool", _BOOLS[name], start, end)
    return Token("name", name, start, end)
