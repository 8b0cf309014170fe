"""The pipeline: packs + data (files, or records built in Python) → report.

The CLI is a thin shell around this module; so is ``lifeservices test``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from lifeservices_cli.engine.aggregate import Aggregator
from lifeservices_cli.engine.records import Engine
from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs.loader import load_packs
from lifeservices_cli.packs.packset import PackSet
from lifeservices_cli.report.model import Report
from lifeservices_cli.sources import Binding, Options, bind_table, open_bindings, table_from_items

#: Files smaller than this are checked record by record (polars' start-up would cost more).
COLUMNAR_MIN_BYTES = 4 << 20


def check_files(
    paths: Sequence[str | Path],
    *,
    packset: PackSet | None = None,
    entity: str | None = None,
    encoding: str | None = None,
    lang: Lang = "zh",
    as_of: date | None = None,
    engine: str = "auto",
    sheet: str | Sequence[str] | None = None,
    header_rows: tuple[int, int] | None = None,
    units: Mapping[str, str] | None = None,
    spool_folder: Path | None = None,
    progress: Callable[[float], None] | None = None,
    rows: Callable[[Report], Any] | None = None,
) -> Report:
    """Check every record of every file in ``paths`` and return the report.

    ``engine`` is ``auto`` (large plain CSV files are checked in columns), ``records`` (always
    record by record) or ``columns`` (in columns wherever the input allows, whatever its size).
    ``sheet`` names the sheets read from workbooks (None: every sheet that holds a table of
    records); ``header_rows`` the header's first and last row (1-based; None: found); ``units``
    the unit of unitless number columns by field (``{"total_investment": "万元"}``).
    ``spool_folder``: spool the results of large inputs in this folder, the folder of a JSON
    report to be written in place (``render.json.write_in_place``).
    ``progress`` is called now and then with the share of the input bytes checked (0 to 1).
    ``rows``: a renderer's rows made while the check runs (``render.csvlines.Lines``), called
    with the report when the first input is checked in columns and kept in ``report.prepared["csv"]``.
    Raises ``UsageError`` when a file or pack cannot be used at all; problems inside the data
    become results with a status instead.
    """
    packset = packset or load_packs()
    sheets = [sheet] if isinstance(sheet, str) else (list(sheet) if sheet else None)
    options = Options(entity, encoding, sheets, header_rows, dict(units or {}))
    _check_units(packset, options)
    bindings = [  # open (and so validate) every file before checking any
        binding for path in paths for binding in open_bindings(str(path), packset, lang=lang, options=options)
    ]
    return _run(packset, bindings, lang, as_of, engine, spool_folder, progress, rows)


def _check_units(packset: PackSet, options: Options) -> None:
    """``--unit FIELD=UNIT``: a field of some entity, and a unit that converts to the field's."""
    from lifeservices_cli.errors import UsageError
    from lifeservices_cli.semantics import units

    for fname, unit in options.units.items():
        specs = [e.spec.fields[fname] for e in packset.entities.values() if fname in e.spec.fields]
        if not specs:
            raise UsageError(f"--unit {fname}={unit}: no entity has a field {fname!r}")
        targets = {s.unit for s in specs if s.unit}
        if not targets or any(units.conversion(unit, target) is None for target in targets):
            into = ", ".join(sorted(targets)) or "a number without unit"
            raise UsageError(f"--unit {fname}={unit}: {unit!r} does not convert to {into}")


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
    items = list(records)
    lines = list(range(1, len(items) + 1))
    binding = bind_table(table_from_items(items, lines), Path(source), packset, entity=entity, lang=lang)
    report = _run(packset, [binding], lang, as_of, "records")
    report.tables[binding.info.path] = lambda: table_from_items(items, lines)  # for csv and xlsx
    return report


def _run(
    packset: PackSet,
    bindings: list[Binding],
    lang: Lang,
    as_of: date | None,
    mode: str,
    spool_folder: Path | None = None,
    progress: Callable[[float], None] | None = None,
    rows: Callable[[Report], Any] | None = None,
) -> Report:
    engine = Engine(packset, lang, as_of)
    aggregator = Aggregator(engine)
    report = Report(packset, lang, engine.as_of, engine.not_in_force, spool_folder=spool_folder)
    report.inputs.extend(binding.info for binding in bindings)  # all known before any is checked
    sizes = [_size(binding) for binding in bindings]
    total, before = max(sum(sizes), 1), 0
    for binding, size in zip(bindings, sizes, strict=True):
        share = None if progress is None else (lambda f, b=before, s=size: progress((b + f * s) / total))
        # small inputs: the record engine is done before polars would have started
        wanted = mode == "columns" or (mode != "records" and size >= COLUMNAR_MIN_BYTES)
        in_columns = wanted and _columnar(binding, engine, aggregator, report, share, rows)
        if not in_columns:
            for record in binding.records():
                for result in engine.check(record, binding.info.entity):
                    aggregator.add(result, record)
                    report.store.add(result)
        before += size
        if progress is not None:
            progress(before / total)
    report.aggregates = aggregator.results()
    return report


def _size(binding: Binding) -> int:
    try:
        return binding.path.stat().st_size
    except OSError:  # records built in Python: no file
        return 0


def _columnar(
    binding: Binding,
    engine: Engine,
    aggregator: Aggregator,
    report: Report,
    progress: Callable[[float], None] | None,
    rows: Callable[[Report], Any] | None = None,
) -> bool:
    """Check ``binding`` in columns when it can be; False leaves it to the record engine.
    ``rows`` makes the renderer's sink the first time an input is checked in columns."""
    try:
        from lifeservices_cli.engine import columnar
    except ImportError:  # polars is not installed: the record engine does everything
        return False
    if columnar.why_not(binding) is not None:
        return False
    if rows is not None and "csv" not in report.prepared:
        try:
            report.prepared["csv"] = rows(report)
        except OSError:  # no temporary file: the CSV is made after the check
            rows = None
    sink = report.prepared.get("csv") if rows is not None else None
    try:
        columnar.run(binding, engine, aggregator, report.store, report.result_dict, progress, sink)
    except columnar.NotFast:
        return False
    return True
