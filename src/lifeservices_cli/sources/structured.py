"""YAML and JSON inputs: a list of records, or a mapping with ``entity`` and ``records``."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

from lifeservices_cli.errors import UsageError
from lifeservices_cli.packs import yamlio
from lifeservices_cli.semantics.cells import python_value_to_cell
from lifeservices_cli.sources.model import RowProblem, Table

_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{},:]|[^\s\[\]{},:"]+')


def _json_item_lines(text: str, depth: int) -> list[int]:
    """The 1-based line where each element of the array at ``depth`` (1: top level) starts."""
    lines: list[int] = []
    stack: list[str] = []
    expect_item = False
    for m in _JSON_TOKEN.finditer(text):
        token = m.group()
        if expect_item and token not in ("]", ","):
            lines.append(text.count("\n", 0, m.start()) + 1)
            expect_item = False
        if token in ("[", "{"):
            stack.append(token)
            expect_item = token == "[" and len(stack) == depth
        elif token in ("]", "}"):
            stack.pop()
        elif token == "," and len(stack) == depth and stack[-1] == "[":
            expect_item = True
    return lines


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"duplicate key {key!r}")
        data[key] = value
    return data


def _load_json(text: str, path: Path) -> tuple[Any, list[int]]:
    try:
        data = json.loads(text, parse_float=str, parse_int=str, parse_constant=str, object_pairs_hook=_no_duplicates)
    except json.JSONDecodeError as exc:
        raise UsageError(f"invalid JSON: {exc.msg}", path, exc.lineno) from None
    except (ValueError, RecursionError) as exc:
        raise UsageError(f"invalid JSON: {exc}", path) from None
    return data, _json_item_lines(text, 2 if isinstance(data, dict) else 1)


def _load_yaml(text: str, path: Path) -> tuple[Any, list[int]]:
    try:
        data, node = yamlio.load(text, plain_text=True)
    except yamlio.YamlError as exc:
        raise UsageError(exc.message, path, exc.line) from None
    seq = node
    if isinstance(node, yaml.MappingNode):
        seq = next((v for k, v in node.value if k.value == "records"), None)
    lines = [item.start_mark.line + 1 for item in seq.value] if isinstance(seq, yaml.SequenceNode) else []
    return data, lines


def read_structured(path: Path, encoding: str | None) -> Table:
    """YAML or JSON: a list of records, or a mapping with ``entity`` and ``records``."""
    try:
        text = path.read_text(encoding=encoding or "utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"not valid {encoding or 'UTF-8'} text (byte {exc.start})", path) from None
    data, lines = (_load_json if path.suffix.lower() == ".json" else _load_yaml)(text, path)
    hint = None
    if isinstance(data, dict):
        unknown = set(data) - {"entity", "records"}
        if unknown or "records" not in data:
            raise UsageError("expected a list of records, or a mapping with 'entity' and 'records'", path, 1)
        hint = data.get("entity")
        if hint is not None and not isinstance(hint, str):
            raise UsageError("'entity' must be a name", path, 1)
        data = data["records"]
    if data is None or data == "":
        data = []
    if not isinstance(data, list):
        raise UsageError("expected a list of records", path, 1)
    return table_from_items(data, lines, encoding or "utf-8", hint)


def table_from_items(data: list[Any], lines: list[int], encoding: str = "utf-8", hint: str | None = None) -> Table:
    """A table from a list of mappings (read from YAML/JSON, or built in Python)."""
    header: list[str] = []
    seen: set[str] = set()
    for item in data:
        if isinstance(item, dict):
            for key in item:
                if str(key) not in seen:
                    seen.add(str(key))
                    header.append(str(key))

    def rows() -> Iterator[tuple[int, list[str], tuple[RowProblem, ...]]]:
        for index, item in enumerate(data):
            line = lines[index] if index < len(lines) else 0
            if not isinstance(item, dict):
                yield line, [""] * len(header), (("not_mapping", None),)
                continue
            cells: list[str] = []
            problems: list[RowProblem] = []
            for column, key in enumerate(header):
                cell = python_value_to_cell(item.get(key)) if key in item else ""
                if cell is None:
                    problems.append(("nested", column))
                    cell = ""
                cells.append(cell)
            yield line, cells, tuple(problems)

    return Table(header, rows(), encoding, hint)
