"""``lifeservices inspect``: how each file (and each sheet) was read — without checking anything."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.sources import Options, open_bindings
from lifeservices_cli.sources.model import InputInfo

SCHEMA_VERSION = 1


def inspect_files(paths: Sequence[str | Path], packset: PackSet, options: Options, lang: Lang) -> list[InputInfo]:
    """Every input read to its end (so totals are checked and skipped rows counted), not checked."""
    bindings = [b for path in paths for b in open_bindings(str(path), packset, lang=lang, options=options)]
    for binding in bindings:
        for _ in binding.records():
            pass
    return [b.info for b in bindings]


def to_json(infos: list[InputInfo]) -> dict[str, Any]:
    return {"schema_version": SCHEMA_VERSION, "inputs": [info.to_dict() for info in infos]}
