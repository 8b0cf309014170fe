"""One small, pure module per output format: ``render(report, **options) -> str | bytes``.

Every format renders from the one report model, reading ``report.iter_results()`` once, so
they never disagree. ``Format.render`` passes each format the options it takes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, assert_never

from lifeservices_cli.render.common import View
from lifeservices_cli.report import Report


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
    csv = "csv"
    xlsx = "xlsx"
    junit = "junit"
    sarif = "sarif"
    github = "github"
    markdown = "markdown"
    html = "html"

    @property
    def binary(self) -> bool:
        """Whether the output is bytes not meant for a terminal."""
        return self is Format.xlsx

    @property
    def extension(self) -> str:
        return {"table": "txt", "junit": "xml", "markdown": "md", "github": "txt"}.get(self.value, self.value)

    def renderer(self) -> Callable[..., str | bytes]:
        """The function that renders this format (imported lazily: small runs stay fast)."""
        if self is Format.table:
            from lifeservices_cli.render import table

            return table.render
        if self is Format.json:
            from lifeservices_cli.render import json as json_format

            return json_format.render
        if self is Format.csv:
            from lifeservices_cli.render import csv as csv_format

            return csv_format.render
        if self is Format.xlsx:
            from lifeservices_cli.render import xlsx

            return xlsx.render
        if self is Format.junit:
            from lifeservices_cli.render import junit

            return junit.render
        if self is Format.sarif:
            from lifeservices_cli.render import sarif

            return sarif.render
        if self is Format.github:
            from lifeservices_cli.render import github

            return github.render
        if self is Format.markdown:
            from lifeservices_cli.render import markdown

            return markdown.render
        if self is Format.html:
            from lifeservices_cli.render import html

            return html.render
        assert_never(self)

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


__all__ = ["Format", "Options", "View"]
