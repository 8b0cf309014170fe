"""Save a check's run into the history store: one transaction, bounded memory.

The run's row, its packs (id and sha256 of the pack file), inputs (path, sheet, sha256), the
indicators as the report describes them, every result and every aggregate. A large run's results
are read back from the report's spool in polars blocks (``ResultStore.scan``), never all at once,
and handed to the driver's bulk path (``executemany`` for SQLite, ``COPY`` for PostgreSQL).
An interruption (Ctrl-C, SIGTERM) or an error rolls the transaction back: no partial run.
"""

from __future__ import annotations

import hashlib
import json
import queue
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl
import sqlalchemy as sa

from lifeservices_cli._version import __version__
from lifeservices_cli.history import schema
from lifeservices_cli.history.store import Store
from lifeservices_cli.semantics.numbers import to_json

if TYPE_CHECKING:
    from lifeservices_cli.report.model import Report

BATCH = 20_000
# A spooled entry's keys up to "shortfall" (report.result_dict's order: source … status, check when
# the indicator has several, value, threshold, gap), decoded as JSON; the rest of the line (the
# message) is not. Inside a JSON string '"' is escaped, so ', "shortfall": ' can only be the key.
_CUT = ', "shortfall": '
_HEAD = pl.Struct(
    {
        "source": pl.Utf8,
        "line": pl.Int64,
        "record_id": pl.Utf8,
        "record_name": pl.Utf8,
        "district": pl.Utf8,
        "indicator": pl.Utf8,
        "status": pl.Utf8,
        "value": pl.Utf8,
        "threshold": pl.Utf8,
        "gap": pl.Utf8,
    }
)


def save_run(
    store: Store, report: Report, *, period: str | None = None, options: Mapping[str, Any] | None = None
) -> int:
    """Store ``report`` as a new run; its id. ``period`` defaults to the ``as_of`` date."""
    label = period or report.as_of.isoformat()
    years = _years(report)
    run = {
        "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "as_of": report.as_of.isoformat(),
        "period": label,
        "tool_version": __version__,
        "lang": report.lang,
        "settings": _json(report.packset.settings),
        "options": _json({k: v for k, v in (options or {}).items() if v not in (None, [], ())}),
        "summary": _json(report.summary()),
        "results": report.store.total,
    }
    packs = [
        {"position": i, "pack_id": p.id, "document": p.document, "title": p.title.get(report.lang), "path": path,
         "sha256": _pack_hash(path)}
        for i, (p, path) in enumerate(report.packset.packs)
    ]
    inputs = [
        {"position": i, "path": info.path, "entity": info.entity, "sheet": info.sheet, "encoding": info.encoding,
         "records": info.records, "sha256": _file_hash(info.path)}
        for i, info in enumerate(report.inputs)
    ]
    indicators = [
        {"position": i, **d, "departments": _json(d["departments"])}
        for i, d in enumerate(indicator_rows(report))
    ]
    aggregates = [
        {"n": n, "indicator": a.indicator, "grp": a.group, "status": a.status, "value": text(a.value),
         "numerator": a.numerator, "denominator": a.denominator, "unknown": a.unknown,
         "threshold": text(a.threshold), "gap": text(a.gap)}
        for n, a in enumerate(report.aggregates)
    ]
    with store.write() as conn:
        run_id = int(conn.execute(schema.runs.insert().values(**run).returning(schema.runs.c.id)).scalar_one())
        for table, rows in ((schema.run_packs, packs), (schema.run_inputs, inputs),
                            (schema.run_indicators, indicators), (schema.aggregates, aggregates)):
            if rows:
                conn.execute(table.insert(), [{"run_id": run_id, **row} for row in rows])
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:  # under the write lock: nobody else adds results until this commits
            first = int(conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) + 1 FROM results").scalar_one())
        for batch in _ahead(result_batches(report, run_id, years, conn.dialect.name)):
            bulk_insert(conn, batch)
        if sqlite:
            last = int(conn.exec_driver_sql("SELECT coalesce(max(rowid), 0) FROM results").scalar_one())
            conn.execute(schema.runs.update().where(schema.runs.c.id == run_id).values(
                first_result=first, last_result=last))
    return run_id


_DONE = object()


def _ahead(batches: Iterator[Any], depth: int = 3) -> Iterator[Any]:
    """The batches, made by a second thread while this one inserts the previous ones.

    Decoding the spool (polars, without the GIL) and inserting (the driver) then overlap. At
    most ``depth`` batches wait in between, so memory stays bounded; an error in the maker is
    raised here, and stopping here (an interruption, an error) stops the maker.
    """
    waiting: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def make() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        waiting.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            waiting.put(_DONE)
        except BaseException as error:  # noqa: BLE001 - handed to the inserting thread
            waiting.put(error)

    maker = threading.Thread(target=make, name="lifeservices-save", daemon=True)
    maker.start()
    try:
        while (item := waiting.get()) is not _DONE:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while maker.is_alive():  # let it see the stop (it may be blocked on a full queue)
            try:
                waiting.get_nowait()
            except queue.Empty:
                pass
            maker.join(timeout=0.05)


def indicator_rows(report: Report) -> list[dict[str, Any]]:
    """The indicators as the JSON report describes them (title in the run's language, clause, …)."""
    return [
        {"indicator": d["id"], "entity": d["entity"], "kind": d["kind"], "title": d["title"],
         "clause": d["clause"]["ref"], "quote": d["clause"]["quote"], "departments": list(d["departments"]),
         "unit": d.get("unit"), "comparator": d.get("comparator")}
        for d in report.indicator_dicts()
    ]


def text(value: Any) -> str | None:
    """A value as the store keeps it: the JSON report's text of it (``46.12``, ``true``, a date)."""
    value = to_json(value) if not isinstance(value, str) else value
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _years(report: Report) -> dict[tuple[str, int], str]:
    """(source, line) → year, for rows that have a year column but no id (district rows)."""
    found: dict[tuple[str, int], str] = {}
    for info in report.inputs:
        fields = set(info.columns.values())
        if "year" not in fields or "id" in fields:
            continue
        header = next(h for h, f in info.columns.items() if f == "year")
        try:
            table = report.raw_table(info)
        except Exception:  # noqa: BLE001 - the input is gone or changed: its rows are matched without a year
            continue
        if header not in table.header:
            continue
        column = table.header.index(header)
        for line, cells, _problems in table.rows:
            if column < len(cells) and str(cells[column]).strip():
                found[(info.source, line)] = str(cells[column]).strip()
    return found


def result_batches(
    report: Report, run_id: int, years: Mapping[tuple[str, int], str], dialect: str = "sqlite"
) -> Iterator[Any]:
    """The results ready for ``bulk_insert``, a block at a time: CSV text for PostgreSQL's ``COPY``
    (written by polars, no Python per row), else rows of ``RESULT_COLUMNS``."""
    for frame in result_frames(report, years):
        frame = frame.with_columns(pl.lit(run_id).alias("run_id")).select(schema.RESULT_COLUMNS)
        if dialect == "postgresql":
            yield frame.write_csv(include_header=False)  # null: empty; empty text: "" (COPY's CSV rules)
            continue
        rows = frame.rows()
        for start in range(0, len(rows), BATCH):
            yield rows[start : start + BATCH]


FRAME_SCHEMA = {
    "n": pl.Int64, "input": pl.Int64, "line": pl.Int64, "record_id": pl.Utf8, "record_name": pl.Utf8,
    "district": pl.Utf8, "year": pl.Utf8, "indicator": pl.Utf8, "status": pl.Utf8, "value": pl.Utf8,
    "threshold": pl.Utf8, "gap": pl.Utf8,
}


def result_frames(report: Report, years: Mapping[tuple[str, int], str] | None = None) -> Iterator[pl.DataFrame]:
    """The report's results as polars frames (``FRAME_SCHEMA``), in order, a block at a time."""
    years = _years(report) if years is None else years
    inputs = {info.source: i for i, info in enumerate(report.inputs)}
    if report.store.spooled:
        yield from _spooled_frames(report, inputs, years)
        return
    batch: list[tuple[Any, ...]] = []
    for n, r in enumerate(report.iter_results()):
        batch.append((
            n, inputs.get(r.source), r.line, r.record_id, r.record_name, r.district,
            years.get((r.source, r.line)), r.indicator, r.status, text(r.value), text(r.threshold), text(r.gap),
        ))
        if len(batch) >= BATCH:
            yield pl.DataFrame(batch, schema=FRAME_SCHEMA, orient="row")
            batch = []
    if batch:
        yield pl.DataFrame(batch, schema=FRAME_SCHEMA, orient="row")


def _spooled_frames(
    report: Report, inputs: Mapping[str, int], years: Mapping[tuple[str, int], str]
) -> Iterator[pl.DataFrame]:
    year_frame = pl.DataFrame(
        {"source": [s for s, _ in years], "line": [n for _, n in years], "year": list(years.values())},
        schema={"source": pl.Utf8, "line": pl.Int64, "year": pl.Utf8},
    )
    for frame in report.store.scan():
        head = pl.col("entry").str.strip_chars_start().str.split_exact(_CUT, 1).struct.field("field_0")
        data = frame.select(pl.col("n"), pl.concat_str([head, pl.lit("}")]).str.json_decode(_HEAD).alias("e"))
        data = data.unnest("e")
        data = data.with_columns(
            pl.col("source").replace_strict(inputs, default=None, return_dtype=pl.Int64).alias("input"),
        )
        if years:
            data = data.join(year_frame, on=["source", "line"], how="left", maintain_order="left")
        else:
            data = data.with_columns(pl.lit(None, dtype=pl.Utf8).alias("year"))
        yield data.select(list(FRAME_SCHEMA))


def bulk_insert(conn: sa.Connection, rows: Any) -> None:
    """Insert results (``result_batches``) through the driver's bulk path, inside ``conn``'s transaction."""
    if conn.dialect.name == "postgresql":
        raw = conn.connection.driver_connection
        assert raw is not None
        columns = ", ".join(schema.RESULT_COLUMNS)
        with raw.cursor() as cursor, cursor.copy(f"COPY results ({columns}) FROM STDIN (FORMAT csv)") as copy:
            copy.write(rows.encode("utf-8") if isinstance(rows, str) else rows)
        return
    if conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        assert raw is not None
        cursor = raw.cursor()
        marks = ", ".join("?" * len(schema.RESULT_COLUMNS))
        cursor.executemany(f"INSERT INTO results ({', '.join(schema.RESULT_COLUMNS)}) VALUES ({marks})", rows)
        cursor.close()
        return
    conn.execute(schema.results.insert(), [dict(zip(schema.RESULT_COLUMNS, row, strict=True)) for row in rows])


def _pack_hash(path: str) -> str | None:
    from lifeservices_cli.packs.loader import bundled_path

    if path.startswith("(bundled) "):
        return _file_hash(str(bundled_path().parent / path.removeprefix("(bundled) ")))
    return _file_hash(path)


def _file_hash(path: str) -> str | None:
    digest = hashlib.sha256()
    try:
        with Path(path).open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError:
        return None  # records built in Python, or a file that is gone
    return digest.hexdigest()

