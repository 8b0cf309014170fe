"""The values that flow through the engine.

A cell becomes one of: an exact rational number (``Fraction``), a ``bool``, a ``str``, or
``Unknown`` — a value the data does not give us, either because it is missing or because it
could not be read. ``Unknown`` carries the reasons so a result can say which column and line
are to blame. Formulas propagate ``Unknown`` with three-valued logic.

A reason is data, not text: a ``Reason`` is a catalogue code (``i18n.MESSAGES``) with its
parameters, worded in the report's language only when a message is made (``Reason.word``), so
no engine has to read a reason's words back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal, TypeAlias

from lifeservices_cli.i18n import Lang, t

FieldType: TypeAlias = Literal["number", "boolean", "text", "date"]


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a value is invalid: a message code of the catalogue and the values of its slots.

    ``params`` are sorted by name, so two reasons with the same code and values are equal
    (``merge`` drops duplicates). The line of a cell is the ``line`` parameter.
    """

    code: str
    params: tuple[tuple[str, object], ...] = ()

    def word(self, lang: Lang) -> str:
        """The reason in words, in ``lang``."""
        return t(self.code, lang, **dict(self.params))

    def get(self, name: str, default: object = None) -> object:
        """The value of the parameter ``name``."""
        return next((v for k, v in self.params if k == name), default)


def reason(code: str, **params: object) -> Reason:
    return Reason(code, tuple(sorted(params.items())))


@dataclass(frozen=True, slots=True)
class Unknown:
    """A value the data does not decide.

    ``missing`` holds the canonical names of fields that were blank or absent;
    ``invalid`` holds the reasons (``Reason``: a code and its parameters) for cells that could
    not be read, or for arithmetic that has no answer, such as a division by zero.
    """

    missing: frozenset[str] = frozenset()
    invalid: tuple[Reason, ...] = ()

    @property
    def is_invalid(self) -> bool:
        return bool(self.invalid)


Value: TypeAlias = Fraction | bool | str | date | Unknown


def missing(field: str) -> Unknown:
    return Unknown(missing=frozenset((field,)))


def invalid(code: str | Reason, **params: object) -> Unknown:
    """An unknown value for one reason: a ``Reason``, or a message code and its parameters."""
    return Unknown(invalid=(code if isinstance(code, Reason) else reason(code, **params),))


def merge(*values: Unknown) -> Unknown:
    """Combine the reasons of several unknown values (order kept, duplicates dropped)."""
    if len(values) == 1:
        return values[0]
    miss: frozenset[str] = frozenset().union(*(v.missing for v in values))
    reasons: list[Reason] = []
    for v in values:
        for r in v.invalid:
            if r not in reasons:
                reasons.append(r)
    return Unknown(missing=miss, invalid=tuple(reasons))
