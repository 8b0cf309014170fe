"""The pipeline: packs + data (files, or records built in Python) → report.

The CLI is a thin shell around this module; so is ``lifeservices test``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from lifeservices_cli.engine import Aggregator, Engine
from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs import PackSet, load_packs
from lifeservices_cli.report import Report
from lifeservices_cli.sources import InputInfo, Record, open_input, open_table, table_from_items


def check_files(
    paths: Sequence[str | Path],
    *,
    packset: PackSet | None = None,
    entity: str | None = None,
    encoding: str | None = None,
    lang: Lang = "zh",
    as_of: date | None = None,
) -> Report:
    """Check every record of every file in ``paths`` and return the report.

    Raises ``UsageError`` when a file or pack cannot be used at all; problems inside the
    data become results with a status instead.
    """
    packset = packset or load_packs()
    opened = [  # open (and so validate) every file before checking any
        open_input(str(path), packset, entity=entity, encoding=encoding, lang=lang) for path in paths
    ]
    return _run(packset, opened, lang, as_of)


def check_records(
    records: Sequence[Mapping[str, Any]],
    *,
    entity: str | None = None,
    packset: PackSet | None = None,
    lang: Lang = "zh",
    as_of: date | None = None,
    source: str = "<records>",
) -> Report:
    """Check records given as mappings (keys: canonical field names or any header alias).

    ``line`` in the results is the record's 1-based position in ``records``.
    """
    packset = packset or load_packs()
    table = table_from_items(list(records), list(range(1, len(records) + 1)))
    opened = [open_table(table, Path(source), packset, entity=entity, lang=lang)]
    return _run(packset, opened, lang, as_of)


def _run(
    packset: PackSet, opened: list[tuple[InputInfo, Iterator[Record]]], lang: Lang, as_of: date | None
) -> Report:
    engine = Engine(packset, lang, as_of)
    aggregator = Aggregator(engine)
    report = Report(packset, lang, engine.as_of, engine.not_in_force)
    for info, records in opened:
        report.inputs.append(info)
        for record in records:
            for result in engine.check(record, info.entity):
                aggregator.add(result, record)
                report.results.append(result)
    report.aggregates = aggregator.results()
    return report
