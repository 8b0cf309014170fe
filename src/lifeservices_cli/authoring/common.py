"""Small helpers the authoring commands share: close matches, paths as shown, numbers as text."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from fractions import Fraction
from pathlib import Path

from lifeservices_cli.errors import UsageError
from lifeservices_cli.packs import loader as packs
from lifeservices_cli.packs.compiler import CompiledIndicator
from lifeservices_cli.packs.packset import PackSet

#: What a bundled file is called in output, so no machine path is ever shown.
BUNDLED_MARK = "(bundled) "


def did_you_mean(what: str, wanted: str, known: Iterable[str]) -> UsageError:
    """``unknown indicator 'x'; did you mean: a, b?`` (or the known names when none is close)."""
    names = sorted(set(known))
    close = difflib.get_close_matches(wanted, names, n=3, cutoff=0.5)
    if close:
        return UsageError(f"unknown {what} {wanted!r}; did you mean: {', '.join(close)}?")
    return UsageError(f"unknown {what} {wanted!r}; known: {', '.join(names) or 'none'}")


def find_indicator(packset: PackSet, indicator_id: str) -> CompiledIndicator:
    try:
        return packset.get(indicator_id)
    except KeyError:
        raise did_you_mean("indicator", indicator_id, (i.id for i in packset.indicators)) from None


def bundled_folder() -> Path:
    return packs.bundled_path().parent.resolve()


def shown(path: str | Path) -> str:
    """A file as output names it: as the user gave it, except that an absolute path into the
    bundled packs becomes ``(bundled) NAME`` (output never shows a machine's folders)."""
    text = str(path)
    if text.startswith(BUNDLED_MARK) or not Path(text).is_absolute():
        return text
    resolved = Path(text).resolve()
    folder = bundled_folder()
    if resolved.is_relative_to(folder):
        return BUNDLED_MARK + resolved.relative_to(folder).as_posix()
    return text


def unshown(text: str) -> Path:
    """The file behind a name that ``shown`` (or the pack loader) produced."""
    if text.startswith(BUNDLED_MARK):
        return bundled_folder() / text.removeprefix(BUNDLED_MARK)
    return Path(text)


def hide_machine_paths(text: str) -> str:
    """Replace the bundled folder's absolute path inside a message with ``(bundled) ``."""
    folder = str(bundled_folder())
    for sep in ("/", "\\"):
        text = text.replace(folder + sep, BUNDLED_MARK)
    return text


def top_level_files(paths: Sequence[str | Path] | None) -> list[Path]:
    """The pack files a command works on: expanded ``paths``, or the bundled pack."""
    return packs.pack_files(paths) if paths else [packs.bundled_path()]


def decimal_text(value: Fraction) -> str | None:
    """``Fraction(333, 10)`` → ``'33.3'``; None when the value has no finite decimal form."""
    places, scale = 0, 1
    while scale % value.denominator:
        places, scale = places + 1, scale * 10
        if places > 60:  # the denominator has a prime factor other than 2 and 5
            return None
    digits = str(abs(value.numerator) * (scale // value.denominator)).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    if not places:
        return sign + digits
    whole, frac = digits[:-places], digits[-places:].rstrip("0")
    return sign + whole + ("." + frac if frac else "")


def exact_text(value: Fraction) -> str:
    """A number shown without rounding: a decimal when it has one, else ``a/b``."""
    return decimal_text(value) or f"{value.numerator}/{value.denominator}"
