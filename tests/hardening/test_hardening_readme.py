"""The "Trust and safety" table (docs/trust-and-safety.md) stays true: every test it names exists."""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "tests"
SPAN = re.compile(r"`([^`]+)`")


def _section() -> str:
    text = (ROOT / "docs" / "trust-and-safety.md").read_text(encoding="utf-8")
    start = text.index("| guarantee | how it is tested |\n")
    return text[start:]


@cache
def _files() -> dict[str, Path]:
    """Each test file by its name (the table names files, not the folders under tests/ they sit in)."""
    found: dict[str, Path] = {}
    for path in sorted(TESTS.rglob("test_*.py")):
        assert path.name not in found, f"two test files named {path.name}"
        found[path.name] = path
    return found


@cache
def _tests_in(name: str) -> set[str]:
    tree = ast.parse(_files()[name].read_text(encoding="utf-8"))
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith("test")}


def _references() -> list[tuple[str, str | None]]:
    """(test file, test name or None) for every test the table names; ``::name`` continues the last file."""
    found: list[tuple[str, str | None]] = []
    current = None
    for row in _section().splitlines():
        if not row.startswith("| **"):
            continue
        how = row.rsplit(" | ", 1)[1]
        for span in SPAN.findall(how):
            file, sep, name = span.partition("::")
            if file.startswith("test_") and file.endswith(".py"):
                current = file
                found.append((file, name or None))
            elif not file and name.isidentifier() and current is not None:
                found.append((current, name))
    return found


def test_the_trust_table_names_only_tests_that_exist():
    references = _references()
    assert len(references) > 30
    for file, name in references:
        assert file in _files(), file
        if name is not None:
            assert name in _tests_in(file), f"{file}::{name}"


def test_every_hardening_test_file_is_in_the_trust_table():
    named = {file for file, _ in _references()}
    for path in sorted((TESTS / "hardening").glob("test_*.py")):
        assert path.name in named or path.name == Path(__file__).name, path.name
    assert "test_properties.py" in named
