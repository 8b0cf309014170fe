"""One small, pure module per output format: ``render(report) -> str``."""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import assert_never

from lifeservices_cli.report import Report


class Format(StrEnum):
    table = "table"
    json = "json"

    def renderer(self) -> Callable[[Report], str]:
        """The function that renders this format (imported lazily: small runs stay fast)."""
        if self is Format.table:
            from lifeservices_cli.render import table

            return table.render
        if self is Format.json:
            from lifeservices_cli.render import json as json_format

            return json_format.render
        assert_never(self)
