"""The Python API: load packs, check files or records built in Python, render the report.

A thin, stable facade over the pipeline the command line runs (``lifeservices check`` calls
these same functions)::

    import lifeservices_cli as ls

    report = ls.check_records(
        [{"社区编码": "A-1", "是否新建": "是", "户数（户）": 111, "综合服务设施面积": "480㎡"}],
        lang="en",
    )
    failures = [r for r in report.results if r.status == "fail"]
    html = ls.render_report(report, "html")

Names exported here (and lazily from ``lifeservices_cli``) keep their meaning within a major
version: ``load_packs``, ``check_files``, ``check_records``, ``render_report``, the report model
(``Report``, ``Result``, ``AggregateResult``, ``PackSet``), the literal types (``Status``,
``Lang``, ``FormatName``, ``By``, ``FailOn``) and the errors (``UsageError``, ``PackError``).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from datetime import date
from pathlib import Path
from typing import Any, Literal, TypeAlias, overload

from lifeservices_cli import pipeline as checker
from lifeservices_cli.engine.results import AggregateResult, FailOn, Result
from lifeservices_cli.errors import UsageError
from lifeservices_cli.i18n import Lang
from lifeservices_cli.packs.loader import load_packs as _load_packs
from lifeservices_cli.packs.packset import PackError, PackSet
from lifeservices_cli.render import Format, Options, View
from lifeservices_cli.report.model import Report

#: The status of one check: record-level ``pass``/``fail`` (standards), ``eligible``/``not_eligible``
#: (eligibility rules), or why it could not be decided. Aggregates use the first five.
Status: TypeAlias = Literal[
    "pass", "fail", "not_applicable", "missing_data", "invalid_data", "eligible", "not_eligible"
]
#: Report formats, as ``--format`` names them.
FormatName: TypeAlias = Literal[
    "table", "json", "ndjson", "csv", "parquet", "xlsx", "junit", "sarif", "github", "markdown", "html"
]
#: How problem lists are grouped (``--by``).
By: TypeAlias = Literal["indicator", "district", "department"]

PathLike: TypeAlias = str | os.PathLike[str]

__all__ = [
    "AggregateResult",
    "By",
    "FailOn",
    "FormatName",
    "Lang",
    "PackError",
    "PackSet",
    "Report",
    "Result",
    "Status",
    "UsageError",
    "check_files",
    "check_records",
    "load_packs",
    "render_report",
    "write_json",
]


def load_packs(
    paths: PathLike | Iterable[PathLike] | None = None,
    *,
    only: Iterable[str] = (),
    skip: Iterable[str] = (),
    settings: Mapping[str, object] | Iterable[str] = (),
) -> PackSet:
    """Load indicator packs: the bundled Baicheng pack when ``paths`` is None or empty.

    ``paths`` are pack files or folders of ``*.yaml`` packs (``--indicators``). ``only`` and
    ``skip`` keep or drop indicators by id (``--only``/``--skip``; an aggregate keeps the
    indicator it counts). ``settings`` changes thresholds or parameters for this pack set, as
    ``{"new-community-facility-area.threshold": 600}`` or ``["ID.threshold=600"]`` (``--set``;
    the report lists them). The pack set can be given to any number of checks. Raises
    ``PackError`` for a bad pack, ``UsageError`` for an unknown id or a bad setting.
    """
    packset = _load_packs(_paths(paths) if paths is not None else None)
    packset.select(tuple(only), tuple(skip))
    if isinstance(settings, Mapping):
        assignments = [f"{key}={value}" for key, value in settings.items()]
    else:
        assignments = list(settings)
    packset.apply_settings(assignments)
    return packset


def check_files(
    paths: PathLike | Iterable[PathLike],
    *,
    packs: PackSet | PathLike | Iterable[PathLike] | None = None,
    entity: str | None = None,
    encoding: str | None = None,
    sheet: str | Iterable[str] | None = None,
    header_rows: tuple[int, int] | None = None,
    units: Mapping[str, str] | None = None,
    lang: Lang = "zh",
    as_of: date | str | None = None,
    spool_folder: PathLike | None = None,
    progress: Callable[[float], None] | None = None,
    prepare: Iterable[str] = (),
) -> Report:
    """Check every record of the data files at ``paths`` (.csv/.tsv/.txt, .xlsx, .yaml/.yml, .json).

    ``packs`` is a ``PackSet`` from ``load_packs``, pack paths, or None for the bundled pack.
    ``entity`` overrides the entity detected from the columns; ``encoding`` the detected CSV
    encoding; ``sheet`` names the workbook sheets to read (default: every sheet holding a table
    of records); ``header_rows`` the header's first and last row, 1-based (default: found);
    ``units`` the unit of unitless number columns by field. ``as_of`` is the day whose
    rules apply (a ``date`` or ``"YYYY-MM-DD"``; default: today). ``spool_folder``: the folder of
    a JSON report you will write with ``write_json``; the results of large inputs are then
    kept there, and the report is made from them without copying them (the CLI does this).
    ``progress`` is called now and then with the share of the input bytes checked (0 to 1).
    ``prepare``: the formats you will write, whose rows a large run then makes while it checks
    (``["csv"]``: the CSV report of a million rows without reading the inputs again).
    Raises ``UsageError`` when a file cannot be used at all; problems inside the data are
    results with a status.
    """
    rows = None
    for name in [prepare] if isinstance(prepare, str) else prepare:
        if name != "csv":
            raise UsageError(f"prepare={name!r}: only the csv format is prepared while checking")
        rows = _csv_lines
    return checker.check_files(
        _paths(paths),
        packset=_packset(packs),
        entity=entity,
        encoding=encoding,
        sheet=sheet if sheet is None or isinstance(sheet, str) else list(sheet),
        header_rows=header_rows,
        units=units,
        lang=lang,
        as_of=_day(as_of),
        spool_folder=Path(spool_folder) if spool_folder is not None else None,
        progress=progress,
        rows=rows,
    )


def check_records(
    records: Iterable[Mapping[str, Any]],
    *,
    entity: str | None = None,
    packs: PackSet | PathLike | Iterable[PathLike] | None = None,
    lang: Lang = "zh",
    as_of: date | str | None = None,
    source: str = "<records>",
) -> Report:
    """Check records built in Python: one mapping per record, all of one entity.

    Keys are canonical field names (``households``) or any header the reader accepts, units
    included (``户数（户）``, ``总投资（万元）``); values are numbers, booleans, dates, None, or
    text read as a cell would be (``"600㎡"``, ``"30万元"``, ``"是"``, ``"—"``). The entity is
    ``entity`` or detected from the keys; give each field one key throughout (two keys for one
    field are an error, as two such columns would be). In the results, ``source`` is ``source``
    and ``line`` the record's 1-based position.
    """
    return checker.check_records(
        list(records), entity=entity, packset=_packset(packs), lang=lang, as_of=_day(as_of), source=source
    )


@overload
def render_report(
    report: Report,
    format: Literal["csv", "xlsx", "parquet"],
    *,
    by: By | None = ...,
    csv_encoding: str = ...,
    color: bool = ...,
    width: int | None = ...,
) -> bytes: ...
@overload
def render_report(
    report: Report,
    format: Literal["table", "json", "ndjson", "junit", "sarif", "github", "markdown", "html"] = ...,
    *,
    by: By | None = ...,
    csv_encoding: str = ...,
    color: bool = ...,
    width: int | None = ...,
) -> str: ...
@overload
def render_report(
    report: Report,
    format: FormatName | Format,
    *,
    by: By | None = ...,
    csv_encoding: str = ...,
    color: bool = ...,
    width: int | None = ...,
) -> str | bytes: ...
def render_report(
    report: Report,
    format: FormatName | Format = "table",
    *,
    by: By | None = None,
    csv_encoding: str = "utf-8-sig",
    color: bool = False,
    width: int | None = None,
) -> str | bytes:
    """The report in ``format``: text, or bytes for ``csv`` (encoded) and ``xlsx``.

    ``by`` groups the problem lists of table, markdown, html and xlsx; ``csv_encoding`` is the
    CSV's encoding (``utf-8-sig``, ``utf-8``, ``gb18030``); ``color`` adds ANSI colours to the
    table and ``width`` is its line width (default 160). Raises ``UsageError`` for an unknown
    format, grouping or encoding.
    """
    from lifeservices_cli.render.csv import check_encoding

    if format not in _FORMATS:
        raise UsageError(f"unknown format {format!r}; use one of: {', '.join(_FORMATS)}")
    if by is not None and by not in _VIEWS:
        raise UsageError(f"unknown grouping {by!r}; use one of: {', '.join(_VIEWS)}")
    options = Options(
        by=View(by) if by is not None else None, csv_encoding=check_encoding(csv_encoding), color=color, width=width
    )
    return Format(format).render(report, options)


def write_json(report: Report, path: PathLike) -> None:
    """Write the JSON report to the file ``path`` (atomically: a temporary file, then a rename).

    The results are streamed, never held as one string; when ``check_files`` spooled them in
    this folder (``spool_folder``), the spool becomes the report and they are not copied. Raises
    ``UsageError`` when the file cannot be written.
    """
    from lifeservices_cli import outputs

    outputs.write_json(report, Path(path))


_FORMATS = tuple(f.value for f in Format)
_VIEWS = tuple(v.value for v in View)


def _csv_lines(report: Report) -> Any:
    """The CSV's rows made while checking (imported only when a large input is checked in columns)."""
    from lifeservices_cli.render.csvlines import Lines

    return Lines(report)


def _paths(paths: PathLike | Iterable[PathLike]) -> list[str | Path]:
    """One path or many (a lone string is one path, not its characters)."""
    if isinstance(paths, str | os.PathLike):
        return [Path(paths)]
    return [Path(p) for p in paths]


def _packset(given: PackSet | PathLike | Iterable[PathLike] | None) -> PackSet:
    if isinstance(given, PackSet):
        return given
    return load_packs(given)


def _day(value: date | str | None) -> date | None:
    if value is None or isinstance(value, date):
        return value
    from lifeservices_cli.semantics.dates import as_of_day

    return as_of_day(value, "as_of")
