"""One small, pure module per output format: ``render(report, **options) -> str | bytes``.

``FORMATS`` is the registry, a table: each format's module, extension and whether it is bytes,
streams to a text stream (``write``) or writes its own file (``write_file``).

Every format renders from the one report model, reading ``report.iter_results()`` once, so
they never disagree. ``Format.render`` passes each format the options it takes.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from lifeservices_cli.render.common import View
from lifeservices_cli.report.model import Report


@dataclass(frozen=True)
class Options:
    """Rendering options from the command line; each format uses the ones that concern it."""

    by: View | None = None  # grouping of problem lists; None: the format's default
    csv_encoding: str = "utf-8-sig"
    color: bool = False  # ANSI colours (table on a terminal only)
    width: int | None = None  # terminal width (table)
    full_report: str | None = None  # a report of every result the run writes (sarif, github and junit name it)


class Format(StrEnum):
    table = "table"
    json = "json"
    ndjson = "ndjson"
    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"
    junit = "junit"
    sarif = "sarif"
    github = "github"
    markdown = "markdown"
    html = "html"

    @property
    def binary(self) -> bool:
        """Whether the output is bytes not meant for a terminal."""
        return FORMATS[self].binary

    @property
    def extension(self) -> str:
        return FORMATS[self].extension

    def renderer(self) -> Callable[..., str | bytes]:
        """The function that renders this format (imported lazily: small runs stay fast)."""
        module = importlib.import_module(f"lifeservices_cli.render.{FORMATS[self].module}")
        render: Callable[..., str | bytes] = module.render
        return render

    def options(self, options: Options) -> dict[str, Any]:
        """The keyword options this format's ``render`` takes."""
        if self is Format.table:
            return {"color": options.color, "width": options.width, "by": options.by or View.indicator}
        if self is Format.csv:
            return {"csv_encoding": options.csv_encoding}
        if self in (Format.xlsx, Format.markdown, Format.html):
            return {"by": options.by}
        if self in (Format.sarif, Format.github, Format.junit):
            return {"full_report": options.full_report}
        return {}

    def render(self, report: Report, options: Options | None = None) -> str | bytes:
        """Render ``report`` in this format with the options that concern it."""
        return self.renderer()(report, **self.options(options or Options()))


@dataclass(frozen=True)
class Spec:
    """A format's entry in the registry: its module in ``render/``, its file extension, whether it is bytes."""

    module: str
    extension: str
    binary: bool = False
    #: The module has ``write(report, text_stream)``: the CLI streams it instead of building one string.
    streams: bool = False
    #: The module has ``write_file(report, path)``: the CLI lets it write the file itself.
    writes_files: bool = False


#: The format registry: every ``Format`` has its entry (a test checks it).
FORMATS: dict[Format, Spec] = {
    Format.table: Spec("table", "txt"),
    Format.json: Spec("json", "json", streams=True),
    Format.ndjson: Spec("ndjson", "ndjson", streams=True),
    Format.csv: Spec("csv", "csv", writes_files=True),
    Format.parquet: Spec("parquet", "parquet", binary=True, writes_files=True),
    Format.xlsx: Spec("xlsx", "xlsx", binary=True, writes_files=True),
    Format.junit: Spec("junit", "xml"),
    Format.sarif: Spec("sarif", "sarif"),
    Format.github: Spec("github", "txt"),
    Format.markdown: Spec("markdown", "md"),
    Format.html: Spec("html", "html"),
}


__all__ = ["FORMATS", "Format", "Options", "Spec", "View"]
