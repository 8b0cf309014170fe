"""Shared helpers for the history tests: run the CLI, save the bundled three periods."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from lifeservices_cli.cli.app import app

ROOT = Path(__file__).resolve().parents[1]
MONITORING = ROOT / "examples" / "monitoring"
PERIODS = ("2022", "2023", "2024")
runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Any:
    base = {"COLUMNS": "200", "LIFESERVICES_LANG": "zh", "GITHUB_ACTIONS": "", "LIFESERVICES_HISTORY": ""}
    return runner.invoke(app, list(args), env={**base, **(env or {})}, input=input)


def period_files(period: str) -> list[str]:
    return [str(p) for p in sorted((MONITORING / period).iterdir())]


def save_period(history: str, period: str, *extra: str, label: str | None = None) -> Any:
    result = run("check", *period_files(period), "--as-of", f"{period}-12-31", "--save", "--period", label or period,
                 "--history", history, "--format", "json", "--fail-on", "never", *extra)
    assert result.exit_code == 0, result.output
    return result


def save_all(history: str) -> str:
    for period in PERIODS:
        save_period(history, period)
    return history


def as_json(result: Any) -> dict[str, Any]:
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)
