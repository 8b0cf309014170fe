"""Shared helpers for the tests: write a data file, run a check, index the results, read a test pack."""

from __future__ import annotations

from pathlib import Path

from lifeservices_cli.pipeline import check_files
from lifeservices_cli.report.model import Report

COMMUNITY_HEADER = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
FACILITY_HEADER = "项目编号,项目名称,县（市、区）,建筑面积（平方米）,总投资（万元）"
COMPOUND_HEADER = "小区编码,小区名称,县（市、区）,是否新建,养老服务设施,托育服务设施"
PACKS = Path(__file__).resolve().parent / "data" / "packs"


def pack_text(name: str) -> str:
    """The text of ``tests/data/packs/NAME.yaml``, for tests that edit a pack before loading it."""
    return (PACKS / f"{name}.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def check_csv(tmp_path: Path, header: str, *rows: str, lang: str = "en", name: str = "data.csv") -> Report:
    path = write(tmp_path, name, "\n".join([header, *rows]) + "\n")
    return check_files([path], lang=lang)  # type: ignore[arg-type]


def by_indicator(report: Report, indicator: str) -> list:
    return [r for r in report.results if r.indicator == indicator]


def status_of(report: Report, indicator: str, record_id: str) -> str:
    (result,) = [r for r in report.results if r.indicator == indicator and r.record_id == record_id]
    return result.status
