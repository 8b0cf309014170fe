"""Messages in Chinese and English.

Report keys stay English; what a person reads follows ``--lang``. Every message has both
languages here, so a missing translation is a test failure, not a silent fallback.

A message is a template with named slots (``{title} = {value}{unit}（{rule}）``): its wording and
punctuation stand here only. The record engine fills the slots with strings (``t``); the columnar
engine with polars expressions, from the template's parts (``template``, ``fill_parts``). Both
languages of a message have the same slots (a test checks it). Reasons (why a value is invalid:
``values.Reason``) are codes of this catalogue too, worded when the message is made.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from functools import cache
from typing import Literal, TypeAlias

Lang: TypeAlias = Literal["zh", "en"]

from lifeservices_cli.i18n.checks import CHECKS  # noqa: E402 - Lang first: the parts may use it
from lifeservices_cli.i18n.cli import CLI  # noqa: E402
from lifeservices_cli.i18n.history import HISTORY  # noqa: E402
from lifeservices_cli.i18n.report import REPORT  # noqa: E402
from lifeservices_cli.i18n.words import WORDS  # noqa: E402

#: The one catalogue: every message and word, by namespaced key (``cell.``, ``msg.``, ``report.``,
#: ``history.``, ``cli.``, ``punct.`` …), each in both languages.
MESSAGES: dict[str, dict[str, str]] = {**CHECKS, **REPORT, **HISTORY, **CLI, **WORDS}


def t(key: str, lang: Lang, **params: object) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in."""
    return MESSAGES[key][lang].format(**params)


@dataclass(frozen=True, slots=True)
class Slot:
    """A named slot of a template, with its format spec (``{value:.2f}``) and conversion (``!r``)."""

    name: str
    spec: str = ""
    conversion: str | None = None

    def fill(self, value: object) -> str:
        """``value`` in this slot, as ``str.format`` writes it."""
        if self.conversion == "r":
            value = repr(value)
        elif self.conversion == "s":
            value = str(value)
        elif self.conversion == "a":
            value = ascii(value)
        return format(value, self.spec)


@cache
def template(key: str, lang: Lang) -> tuple[str | Slot, ...]:
    """The message ``key`` in ``lang`` as its parts: literal text and named slots, in order."""
    parts: list[str | Slot] = []
    for literal, name, spec, conversion in string.Formatter().parse(MESSAGES[key][lang]):
        if literal and parts and isinstance(parts[-1], str):  # ``{{``/``}}`` split a literal in two
            parts[-1] += literal
        elif literal:
            parts.append(literal)
        if name is not None:
            if not name.isidentifier():
                raise ValueError(f"message {key!r} ({lang}): slot {name!r} is not a name")
            parts.append(Slot(name, spec or "", conversion))
    return tuple(parts)


def slots(key: str, lang: Lang) -> tuple[str, ...]:
    """The names of the slots of the message ``key`` in ``lang``, in order."""
    return tuple(p.name for p in template(key, lang) if isinstance(p, Slot))


def fill_parts(key: str, lang: Lang, **params: object) -> list[str | Slot]:
    """The message ``key`` with the slots ``params`` give filled in: literal text (neighbours
    joined) and the slots still open, for an engine that fills those otherwise (with columns)."""
    out: list[str | Slot] = []
    for part in template(key, lang):
        if isinstance(part, Slot) and part.name in params:
            part = part.fill(params[part.name])
        if isinstance(part, str) and out and isinstance(out[-1], str):
            out[-1] += part
        elif part != "":
            out.append(part)
    return out


def w(key: str, lang: Lang, **params: object) -> str:
    """The report formats' word ``key`` (``report.KEY`` in the catalogue) in ``lang``."""
    return MESSAGES["report." + key][lang].format(**params)
