"""The progress bar: on a terminal's standard error for long checks, nothing otherwise."""

from __future__ import annotations

import io
import random
from datetime import date
from pathlib import Path

import pytest
from tests.unit.test_columnar import CASES

from lifeservices_cli.cli import progress
from lifeservices_cli.pipeline import check_files


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _files(folder: Path) -> list[Path]:
    paths = []
    for case in ("community", "facility"):
        path = folder / f"{case}.csv"
        path.write_text(CASES[case](random.Random(case)), encoding="utf-8")
        paths.append(path)
    return paths


@pytest.mark.parametrize("engine", ["records", "columns"])
def test_the_share_checked_only_grows_and_ends_at_one(tmp_path: Path, engine: str):
    shares: list[float] = []
    report = check_files(_files(tmp_path), as_of=date(2025, 1, 1), engine=engine, progress=shares.append)
    assert report.store.total > 0
    assert shares == sorted(shares)
    assert shares[-1] == 1.0
    assert 0.0 < shares[0] < 1.0  # the first file is done before the second


def test_no_bar_when_standard_error_is_not_a_terminal(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(progress, "MIN_BYTES", 0)
    stream = io.StringIO()
    with progress.bar(_files(tmp_path), stream) as shown:
        assert shown is None
    assert stream.getvalue() == ""


def test_no_bar_for_small_inputs_even_on_a_terminal(tmp_path: Path):
    stream = _Terminal()
    with progress.bar(_files(tmp_path), stream) as shown:
        assert shown is None
    assert stream.getvalue() == ""


def test_a_bar_on_a_terminal_for_long_checks(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(progress, "MIN_BYTES", 0)
    stream = _Terminal()
    with progress.bar(_files(tmp_path), stream, "zh") as shown:
        assert shown is not None
        shown(0.5)
        shown(1.0)
    assert "检查" in stream.getvalue()
    assert "100%" in stream.getvalue()
