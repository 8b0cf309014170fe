"""Turning pydantic's validation errors into messages a pack author can act on.

pydantic reports unions (``rule`` is text or a mapping) once per arm, with arm tags such as
``'constrained-str'`` in the location; these helpers keep the arm the data chose, drop the
tags, and list the allowed keys for an unknown one.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import UnionType
from typing import Annotated, Any, Union, get_args, get_origin

import pydantic

from lifeservices_cli.packs.models import Pack


def pydantic_problems(exc: pydantic.ValidationError, data: Any) -> list[tuple[list[Any], str, str]]:
    """``(key path, code, message)`` for each error of the arms the data chose."""
    errors = [(err, clean_loc(data, list(err["loc"]), err["type"])) for err in exc.errors()]
    fitting = [(err, loc) for err, loc in errors if _fits(err, data, loc)] or errors
    out = []
    for err, loc in fitting:
        code = {"extra_forbidden": "LS002", "missing": "LS003"}.get(err["type"], "LS004")
        out.append((loc, code, _pydantic_message(err, loc)))
    return out


def loc_text(loc: Iterable[Any]) -> str:
    return ".".join(str(p) for p in loc) or "(top)"


def clean_loc(data: Any, loc: list[Any], kind: str) -> list[Any]:
    """Drop pydantic's union-arm tags (``'constrained-str'``, ``'RuleSpec'``) from a location."""
    clean: list[Any] = []
    current = data
    for n, key in enumerate(loc):
        if isinstance(current, dict) and key in current:
            current = current[key]
        elif isinstance(current, list) and isinstance(key, int) and 0 <= key < len(current):
            current = current[key]
        elif n != len(loc) - 1 or kind != "missing":
            continue  # a union-arm tag, not a key of the pack
        clean.append(key)
    return clean


def _fits(err: Any, data: Any, loc: list[Any]) -> bool:
    """Whether an error belongs to the union arm that matches the data's shape."""
    tags = [k for k in err["loc"] if isinstance(k, str) and k not in loc]
    if not tags:
        return True
    current = data
    for key in loc[:-1] if err["type"] in ("extra_forbidden", "missing") else loc:
        try:
            current = current[key]
        except (KeyError, IndexError, TypeError):
            return True
    wants_mapping = any(t[:1].isupper() for t in tags)
    return wants_mapping == isinstance(current, dict)


def _model_at(loc: list[Any]) -> Any:
    """The pydantic model class at a location of a pack, if the location names one."""
    tp: Any = Pack
    for key in loc:
        tp = _step(tp, key)
        if tp is None:
            return None
    return tp


def _step(tp: Any, key: Any) -> Any:
    origin = get_origin(tp)
    if origin in (Union, UnionType):
        arms = [_step(arm, key) for arm in get_args(tp)]
        return next((a for a in arms if a is not None), None)
    if origin is Annotated:
        return _step(get_args(tp)[0], key)
    if origin is list:
        return get_args(tp)[0] if isinstance(key, int) else None
    if origin is dict:
        return get_args(tp)[1]
    if isinstance(tp, type) and issubclass(tp, pydantic.BaseModel):
        info = tp.model_fields.get(key)
        return info.annotation if info else None
    return None


def _pydantic_message(err: Any, loc: list[Any]) -> str:
    if err["type"] == "extra_forbidden":
        model = _model_at(loc[:-1])
        allowed = ""
        if isinstance(model, type) and issubclass(model, pydantic.BaseModel):
            allowed = "; allowed keys: " + ", ".join(model.model_fields)
        return f"unknown key {loc[-1]!r}{allowed}"
    if err["type"] == "missing":
        return "this key is required"
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")
