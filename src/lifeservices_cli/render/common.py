"""Pieces every format shares: statuses, severity order, safe text and shown values (which
results a bounded format lists, and the ``--by`` views: ``render.problems``).

Pure functions over the report model; nothing here reads files or writes output.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from enum import StrEnum
from fractions import Fraction
from typing import Any

from lifeservices_cli.engine.results import (
    ELIGIBLE,
    FAIL,
    INVALID,
    MISSING,
    NA,
    NOT_ELIGIBLE,
    PASS,
    AggregateResult,
    Result,
)
from lifeservices_cli.i18n import Lang, t, w
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.semantics.numbers import ZERO, Shown, display

#: Statuses that are problems under the strictest ``--fail-on`` (what the failure lists show).
PROBLEMS = (FAIL, INVALID, MISSING)
#: Severity, worst first: the order of "worst first" lists.
ORDER = {FAIL: 0, INVALID: 1, MISSING: 2, NOT_ELIGIBLE: 3, ELIGIBLE: 4, PASS: 5, NA: 6}
#: Every status in the order the summaries list them.
SHOWN = (PASS, FAIL, MISSING, INVALID, NA, ELIGIBLE, NOT_ELIGIBLE)

_SURROGATES = re.compile("[\ud800-\udfff]")
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")
#: Invisible characters that reorder or break what is shown (bidi overrides and isolates — the
#: "Trojan Source" trick —, line and paragraph separators, a stray BOM) and the two that XML forbids.
_INVISIBLE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2028\u2029\u2066-\u2069\ufeff\ufffe\uffff]")


class View(StrEnum):
    """How failure lists are grouped (``--by``)."""

    indicator = "indicator"
    district = "district"
    department = "department"


def clean(text: str | None) -> str:
    """Text safe to encode anywhere: lone surrogates (undecodable input bytes) become U+FFFD."""
    if not text:
        return ""
    return _SURROGATES.sub("\ufffd", text)


def visible(text: str | None) -> str:
    """``clean`` text with control characters shown as ``\\x1b`` (tab and newline kept), and bidi
    controls, line separators and XML's non-characters as ``\\u202e``.

    What a terminal, an XML file or a spreadsheet would otherwise execute, reject or hide.
    """
    shown = _CONTROLS.sub(lambda m: f"\\x{ord(m.group()):02x}", clean(text))
    return _INVISIBLE.sub(lambda m: f"\\u{ord(m.group()):04x}", shown)


def status_text(status: str, lang: Lang) -> str:
    return t(f"status.{status}", lang)


def record_label(r: Result) -> str:
    """``TB-003 海明社区``; for a record without id or name, what identifies it: its district and
    reporting year (``洮北区 2023``), or ``—`` when there is nothing."""
    return visible(" ".join(x for x in (r.record_id, r.record_name) if x)) or record_key(r) or "—"


def record_key(r: Result) -> str:
    """What identifies a record that has no id or name: ``洮北区 2023`` (district rows), else ``""``."""
    if r.record_id or r.record_name or r.year is None:
        return ""
    return visible(" ".join(x for x in (r.district, str(r.year)) if x))


def value_text(value: Shown, unit: str | None, lang: Lang, against: Shown = None) -> str:
    """A value for people: ``480 m²``, ``是``, ``—``; with the places its comparison with
    ``against`` (its threshold) needs (``numbers.display``)."""
    if isinstance(value, bool):
        return t("words.yes" if value else "words.no", lang)
    if value is None:
        return "—"
    shown = display(value, against=against)
    return f"{shown} {unit}" if unit else shown


def number_text(value: Fraction | None, against: Shown = None) -> str:
    """An exact number as a plain decimal (6 places, or more when its comparison with ``against``
    needs them), ``""`` for none."""
    return "" if value is None else display(value, 6, against)


def gap_text(gap: Fraction | None) -> str:
    """A gap for people, never ``0`` unless it is 0: ``-0.0001``, ``—`` for none."""
    return display(gap, against=ZERO) if gap is not None else "—"


def rate_text(a: AggregateResult) -> str:
    """An aggregate's rate with ``%``, never rounded onto its target: ``99.999%``; ``—`` for none."""
    return f"{display(a.value, against=a.threshold)}%" if a.value is not None else "—"


def rule_text(ind: CompiledIndicator, lang: Lang) -> str:
    """The indicator's rule in words, e.g. ``不低于 500 m²`` or ``A 以下 300 m² 或 B 以下 300000 元``."""
    if ind.combine == "one":
        return ind.checks[0].rule_text(lang)
    joiner = t("words.and", lang) if ind.combine == "all" else t("words.or", lang)
    return joiner.join(f"{c.title.get(lang)} {c.rule_text(lang)}" for c in ind.checks)


def group_name(group: str | None, lang: Lang) -> str:
    return visible(group) if group else t("words.no_group", lang)


def labelled(key: str, value: str, lang: Lang) -> str:
    """``数值：480 m²`` / ``Value: 480 m²``."""
    return t("punct.labelled", lang, label=w(key, lang), text=value)


def counts_text(counts: Counter[str], lang: Lang, statuses: Iterable[str] = SHOWN) -> str:
    """``未达标 3、达标 5`` (only the statuses that occur)."""
    sep = w("list_sep", lang)
    return sep.join(f"{status_text(s, lang)} {counts[s]}" for s in statuses if counts[s])


def unlisted_note(report: Any) -> str | None:
    """What ``--results problems|none`` left out of the lists, in words; None when it lists all."""
    if report.listed is None:
        return None
    count = report.store.total - report.store.count(report.listed)
    return w("not_listed", report.lang, count=count, listing=report.listing)


def nothing_listed(report: Any) -> str:
    """What a list of problems says when it has none: there are none, or ``--results none`` hid them."""
    hidden = report.listing == "none" and any(report.store.counts[s] for s in PROBLEMS)
    return (unlisted_note(report) if hidden else None) or w("no_problems", report.lang)
