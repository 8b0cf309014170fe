"""The pipeline: packs + data files → report. The CLI is a thin shell around this."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path

from lifeservices_cli.engine import Aggregator, Engine
from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs import PackSet, load_packs
from lifeservices_cli.report import Report
from lifeservices_cli.sources import Record, open_input


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
    engine = Engine(packset, lang, as_of)
    aggregator = Aggregator(engine)
    report = Report(packset, lang, engine.as_of, engine.not_in_force)
    opened: list[tuple[str, Iterator[Record]]] = []
    for path in paths:  # open (and so validate) every file before checking any
        info, records = open_input(str(path), packset, entity=entity, encoding=encoding, lang=lang)
        report.inputs.append(info)
        opened.append((info.entity, records))
    for entity_name, records in opened:
        for record in records:
            for result in engine.check(record, entity_name):
                aggregator.add(result, record)
                report.results.append(result)
    report.aggregates = aggregator.results()
    return report
