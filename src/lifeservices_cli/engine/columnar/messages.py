"""The catalogue's message templates filled with polars expressions (the record engine fills them with strings)."""

from __future__ import annotations

import json
from collections.abc import Callable

import polars as pl

from lifeservices_cli.i18n import Lang, Slot, fill_parts


def json_content(text: str) -> str:
    """``text`` as the inside of a JSON string (a pack's titles may hold quotes, backslashes, line breaks)."""
    return json.dumps(text, ensure_ascii=False)[1:-1]


def concat(key: str, lang: Lang, escape: Callable[[str], str] = json_content, **slots: str | pl.Expr) -> pl.Expr:
    """The message ``key`` in ``lang`` as one expression: ``t(key, lang, **slots)`` row by row.

    A slot given as a string is written into the template like ``t`` writes it; one given as an
    expression is put in as it is, so it must be text already in the message's form (``escape``d:
    by default the inside of a JSON string, as the columnar report writes messages). The literal
    parts are escaped here. Every slot of the template must be given.
    """
    strings = {k: v for k, v in slots.items() if isinstance(v, str)}
    parts = fill_parts(key, lang, **strings)
    exprs: list[pl.Expr] = []
    for part in parts:
        if isinstance(part, Slot):
            value = slots[part.name]  # KeyError: a slot of the template the caller did not fill
            assert isinstance(value, pl.Expr)
            if part.spec or part.conversion:
                raise ValueError(f"message {key!r}: slot {part.name!r} has a format an expression cannot take")
            exprs.append(value)
        else:
            exprs.append(pl.lit(escape(part)))
    if not exprs:
        return pl.lit("")
    return exprs[0] if len(exprs) == 1 else pl.concat_str(exprs)
