"""Parquet: one row per result in typed columns, written by polars (zstd), for batch tools.

Columns: ``source``, ``line`` (Int64), ``record_id``, ``record_name``, ``district``, ``year``
(Int64: a district row's reporting year, else null), ``indicator``, ``status``, ``check``
(Int64; null for an indicator of one check), ``value``, ``threshold``, ``gap``, ``shortfall``
(Float64: the JSON report's numbers), ``value_text`` and ``threshold_text`` (a yes/no as
``true``/``false`` or a date as ``YYYY-MM-DD``, when the value is not a number), ``message``.
The rows are decoded from the result spool in polars, block by block, and written with
``sink_parquet``, so memory stays bounded at any size.
"""

from __future__ import annotations

import io
import json
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from lifeservices_cli.report.model import Report

_BLOCK = 50_000  # in-memory results per frame


def _schema() -> Any:
    import polars as pl

    text = pl.String
    return pl.Struct(
        {
            "source": text,
            "line": pl.Int64,
            "record_id": text,
            "record_name": text,
            "district": text,
            "year": pl.Int64,
            "indicator": text,
            "status": text,
            "check": pl.Int64,
            "value": text,
            "threshold": text,
            "gap": pl.Float64,
            "shortfall": pl.Float64,
            "message": text,
        }
    )


def _entries(report: Report) -> Iterator[Any]:
    """Frames of one column, ``entry``: each result's JSON line."""
    import polars as pl

    if report.store.spooled:
        listed = report.listed
        for frame in report.store.scan():  # its lines keep their indentation and separator comma
            if listed is not None:
                frame = frame.filter(pl.col("status").is_in(sorted(listed)))
            if frame.is_empty():
                continue
            yield frame.select(pl.col("entry").str.strip_chars().str.strip_chars_end(","))
        return
    batch: list[str] = []
    for r in report.iter_results():
        if not report.lists(r.status):
            continue
        batch.append(json.dumps(report.result_dict(r), ensure_ascii=False))
        if len(batch) >= _BLOCK:
            yield pl.DataFrame({"entry": batch})
            batch = []
    if batch:
        yield pl.DataFrame({"entry": batch})


def frame(entries: Any) -> Any:
    """Typed result columns from a frame of JSON lines."""
    import polars as pl

    rows = entries.select(pl.col("entry").str.json_decode(_schema()).struct.unnest())
    numbers = [pl.col(k).cast(pl.Float64, strict=False).alias(k) for k in ("value", "threshold")]
    texts = [
        pl.when(pl.col(k).cast(pl.Float64, strict=False).is_null()).then(pl.col(k)).alias(f"{k}_text")
        for k in ("value", "threshold")
    ]
    order = [
        "source", "line", "record_id", "record_name", "district", "year", "indicator", "status", "check",
        "value", "threshold", "gap", "shortfall", "value_text", "threshold_text", "message",
    ]  # fmt: skip
    return rows.with_columns(*texts).with_columns(*numbers).select(order)


def write_file(report: Report, path: Path) -> None:
    """Write the Parquet file ``path`` (through a temporary file beside it and a rename).

    Each block of results goes to a part file first; polars' streaming engine then joins the
    parts into one file, so no more than a block is decoded in memory at a time.
    """
    import polars as pl

    from lifeservices_cli import files
    from lifeservices_cli.errors import UsageError

    through = files.special(path)  # a pipe or a device: made in the temporary folder, then written through
    scratch = Path(tempfile.gettempdir()) if through else path.parent
    tmp = scratch / f".{path.name}.tmp-{os.getpid()}"
    try:
        with tempfile.TemporaryDirectory(prefix=".lifeservices-parquet-", dir=scratch) as folder:
            parts = []
            for n, block in enumerate(_entries(report)):
                part = Path(folder) / f"{n:06d}.parquet"
                frame(block).write_parquet(part, compression="lz4")
                parts.append(part)
            if not parts:
                frame(pl.DataFrame({"entry": []}, schema={"entry": pl.String})).write_parquet(tmp, compression="zstd")
            elif len(parts) == 1:
                pl.read_parquet(parts[0]).write_parquet(tmp, compression="zstd", statistics=True)
            else:
                pl.scan_parquet(parts).sink_parquet(tmp, compression="zstd", statistics=True)
        if through:
            files.write_through(path, tmp.read_bytes())
        else:
            os.replace(tmp, path)
    except OSError as exc:
        raise UsageError(f"cannot write the output: {exc.strerror or exc}", path) from None
    except pl.exceptions.PolarsError as exc:  # polars reports a failed write as a ComputeError
        text = str(exc)
        if "os error" not in text:
            raise
        why = text.rsplit("IO error: ", 1)[-1].split(" (os error", 1)[0]
        raise UsageError(f"cannot write the output: {why}", path) from None
    finally:
        tmp.unlink(missing_ok=True)


def render(report: Report) -> bytes:
    buffer = io.BytesIO()
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "report.parquet"
        write_file(report, target)
        buffer.write(target.read_bytes())
    return buffer.getvalue()
