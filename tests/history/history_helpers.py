"""Shared helpers for the history tests: save the bundled three periods (through the ``cli`` fixture)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
MONITORING = ROOT / "examples" / "monitoring"
PERIODS = ("2022", "2023", "2024")


def period_files(period: str) -> list[str]:
    return [str(p) for p in sorted((MONITORING / period).iterdir())]


def save_period(cli, history: str, period: str, *extra: str, label: str | None = None) -> Any:
    result = cli("check", *period_files(period), "--as-of", f"{period}-12-31", "--save", "--period", label or period,
                 "--history", history, "--format", "json", "--fail-on", "never", *extra)
    assert result.exit_code == 0, result.output
    return result


def save_all(cli, history: str) -> str:
    for period in PERIODS:
        save_period(cli, history, period)
    return history


def as_json(result: Any) -> dict[str, Any]:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)
