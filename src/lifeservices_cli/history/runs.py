"""A run read back: from the history store (by id or period label) or from a JSON report file.

``Run`` holds what ``compare``, ``trend`` and ``--baseline`` need: the period, the packs, the
indicators (title, clause, departments), the results as a polars frame (``RESULT_FIELDS``, with
the record key and the key results are matched by) and the aggregates. JSON reports of
``schema_version`` 1 and 2 are read; 2 may leave the entity out of ``indicators[]``, and it is
then taken from the input each result came from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl
import sqlalchemy as sa

from lifeservices_cli.history import keys, schema
from lifeservices_cli.history.store import HistoryError, Store

REPORT_SCHEMAS = (1, 2)
RESULT_FIELDS = {
    "entity": pl.Utf8,
    "record_id": pl.Utf8,
    "record_name": pl.Utf8,
    "district": pl.Utf8,
    "year": pl.Utf8,
    "indicator": pl.Utf8,
    "status": pl.Utf8,
    "value": pl.Utf8,
    "threshold": pl.Utf8,
    "gap": pl.Utf8,
}


@dataclass
class Aggregate:
    indicator: str
    group: str | None
    status: str
    value: float | None
    numerator: int | None
    denominator: int | None


@dataclass
class Run:
    label: str  # how messages name it: "run 3 (2023)" or the report file's name
    period: str
    as_of: str
    packs: list[tuple[str, str | None]]  # (pack id, sha256 or None)
    indicators: dict[str, dict[str, Any]]  # id -> {entity, kind, title, clause, quote, departments, unit}
    results: pl.DataFrame
    aggregates: list[Aggregate] = field(default_factory=list)
    run_id: int | None = None
    summary: dict[str, Any] = field(default_factory=dict)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    """Results as a frame with their record key and the key they are matched by."""
    frame = pl.DataFrame(rows, schema=RESULT_FIELDS)
    return keys.match_keys(frame.with_columns(keys.key_expr().alias("record_key")))


def _number(text: Any) -> float | None:
    if text is None or isinstance(text, bool):
        return None
    try:
        return float(text)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------- from the store


def list_runs(store: Store) -> list[dict[str, Any]]:
    """Every run, oldest first: id, saved_at, period, as_of, tool version, inputs, summary."""
    with store.read() as conn:
        runs = conn.execute(sa.select(schema.runs).order_by(schema.runs.c.id)).mappings().all()
        inputs = conn.execute(
            sa.select(schema.run_inputs).order_by(schema.run_inputs.c.run_id, schema.run_inputs.c.position)
        ).mappings().all()
        packs = conn.execute(
            sa.select(schema.run_packs).order_by(schema.run_packs.c.run_id, schema.run_packs.c.position)
        ).mappings().all()
    by_run: dict[int, list[dict[str, Any]]] = {}
    for row in inputs:
        by_run.setdefault(row["run_id"], []).append(
            {"path": row["path"], "entity": row["entity"], "sheet": row["sheet"], "records": row["records"],
             "sha256": row["sha256"]}
        )
    packs_by_run: dict[int, list[dict[str, Any]]] = {}
    for row in packs:
        packs_by_run.setdefault(row["run_id"], []).append({"id": row["pack_id"], "sha256": row["sha256"]})
    return [
        {
            "id": r["id"],
            "period": r["period"],
            "as_of": r["as_of"],
            "saved_at": r["saved_at"],
            "tool_version": r["tool_version"],
            "lang": r["lang"],
            "settings": json.loads(r["settings"]),
            "options": json.loads(r["options"]),
            "packs": packs_by_run.get(r["id"], []),
            "inputs": by_run.get(r["id"], []),
            "summary": json.loads(r["summary"]),
        }
        for r in runs
    ]


def resolve(store: Store, ref: str) -> int:
    """The run id that ``ref`` names: ``run:N``, ``period:LABEL``, a period label (its latest run) or an id."""
    text = ref.strip()
    with store.read() as conn:
        def by_period(label: str) -> int | None:
            found = conn.execute(
                sa.select(sa.func.max(schema.runs.c.id)).where(schema.runs.c.period == label)
            ).scalar()
            return int(found) if found is not None else None

        def by_id(number: str) -> int | None:
            if not number.isdigit():
                return None
            found = conn.execute(sa.select(schema.runs.c.id).where(schema.runs.c.id == int(number))).scalar()
            return int(found) if found is not None else None

        if text.startswith("run:"):
            found = by_id(text[4:])
        elif text.startswith("period:"):
            found = by_period(text[7:])
        else:
            period, run = by_period(text), by_id(text)
            if period is not None and run is not None and period != run:
                raise HistoryError(
                    f"{text!r} is both run {run} and the period {text} (run {period}); say run:{text} or period:{text}"
                )
            found = period if period is not None else run
    if found is None:
        raise HistoryError(f"no run or period {text!r} in history store {store.label} (see lifeservices history)")
    return found


def load_run(store: Store, run_id: int) -> Run:
    with store.read() as conn:
        row = conn.execute(sa.select(schema.runs).where(schema.runs.c.id == run_id)).mappings().first()
        if row is None:
            raise HistoryError(f"no run {run_id} in history store {store.label}")
        packs = conn.execute(
            sa.select(schema.run_packs.c.pack_id, schema.run_packs.c.sha256)
            .where(schema.run_packs.c.run_id == run_id)
            .order_by(schema.run_packs.c.position)
        ).all()
        indicators = {
            r["indicator"]: {**r, "departments": json.loads(r["departments"] or "[]")}
            for r in conn.execute(
                sa.select(schema.run_indicators)
                .where(schema.run_indicators.c.run_id == run_id)
                .order_by(schema.run_indicators.c.position)
            ).mappings()
        }
        query = _results_of(conn, row)
        entities = {k: v["entity"] for k, v in indicators.items()}
        frames = []
        result = conn.execute(query)
        while chunk := result.fetchmany(200_000):
            frames.append(pl.DataFrame(
                [(entities.get(r[4]), *r) for r in chunk], schema=RESULT_FIELDS, orient="row"
            ))
        agg = schema.aggregates.c
        aggregates = [
            Aggregate(a.indicator, a.grp, a.status, _number(a.value), a.numerator, a.denominator)
            for a in conn.execute(sa.select(schema.aggregates).where(agg.run_id == run_id).order_by(agg.n))
        ]
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=RESULT_FIELDS)
    frame = keys.match_keys(frame.with_columns(keys.key_expr().alias("record_key")))  # as _frame, in blocks
    return Run(
        label=f"run {run_id} ({row['period']})",
        period=row["period"],
        as_of=row["as_of"],
        packs=[(p, h) for p, h in packs],
        indicators=indicators,
        results=frame,
        aggregates=aggregates,
        run_id=run_id,
        summary=json.loads(row["summary"]),
    )


def _results_of(conn: sa.Connection, run: Any) -> sa.Select[Any]:
    """The query of a run's results in order: on SQLite by their rowids (see ``schema.runs``)."""
    res = schema.results.c
    query = sa.select(res.record_id, res.record_name, res.district, res.year, res.indicator, res.status, res.value,
                      res.threshold, res.gap).where(res.run_id == run["id"])
    if conn.dialect.name == "sqlite" and run["first_result"] is not None:
        rowid: sa.ColumnElement[int] = sa.literal_column("rowid", sa.Integer)
        return query.where(rowid.between(run["first_result"], run["last_result"])).order_by(rowid)
    return query.order_by(res.n)


def delete_run(store: Store, run_id: int) -> None:
    with store.write() as conn:
        run = conn.execute(sa.select(schema.runs).where(schema.runs.c.id == run_id)).mappings().first()
        results = schema.results.delete().where(schema.results.c.run_id == run_id)
        if conn.dialect.name == "sqlite" and run is not None and run["first_result"] is not None:
            results = results.where(sa.literal_column("rowid").between(run["first_result"], run["last_result"]))
        conn.execute(results)
        for table in (schema.aggregates, schema.run_indicators, schema.run_inputs, schema.run_packs):
            conn.execute(table.delete().where(table.c.run_id == run_id))
        conn.execute(schema.runs.delete().where(schema.runs.c.id == run_id))


# --------------------------------------------------------------------------- from a JSON report


def is_report_file(ref: str) -> bool:
    return ref.lower().endswith(".json") or Path(ref).is_file()


def load_report(path: str | Path) -> Run:
    """A JSON report (``schema_version`` 1 or 2) as a run; a bad file is a ``HistoryError``."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            data = json.load(fh)
    except FileNotFoundError:
        raise HistoryError(f"{path}: no such report file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise HistoryError(f"{path}: not a readable JSON report ({_reason(error)})") from None
    if not isinstance(data, dict) or "schema_version" not in data:
        raise HistoryError(f"{path}: not a lifeservices JSON report (no schema_version)")
    version = data.get("schema_version")
    if version not in REPORT_SCHEMAS:
        raise HistoryError(
            f"{path}: report schema_version {version!r} is not one this version reads "
            f"({', '.join(map(str, REPORT_SCHEMAS))})"
        )
    try:
        return _from_report(path, data)
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise HistoryError(f"{path}: not a complete JSON report (bad or missing {_reason(error)})") from None


def _reason(error: BaseException) -> str:
    return str(error).splitlines()[0] if str(error) else type(error).__name__


def _from_report(path: Path, data: dict[str, Any]) -> Run:
    by_input = {i.get("source") or i["path"]: i.get("entity") for i in data.get("inputs", [])}
    indicators: dict[str, dict[str, Any]] = {}
    for ind in data.get("indicators", []):
        clause = ind.get("clause") or {}
        indicators[ind["id"]] = {
            "indicator": ind["id"],
            "entity": ind.get("entity"),
            "kind": ind.get("kind"),
            "title": ind.get("title"),
            "clause": clause.get("ref") if isinstance(clause, dict) else clause,
            "quote": clause.get("quote") if isinstance(clause, dict) else ind.get("quote"),
            "departments": list(ind.get("departments") or []),
            "unit": ind.get("unit"),
            "comparator": ind.get("comparator"),
        }
    rows = []
    for r in data["results"]:
        meta = indicators.get(r["indicator"])
        entity = (meta or {}).get("entity") or by_input.get(r.get("source"))
        if meta is not None and meta.get("entity") is None:
            meta["entity"] = entity
        rows.append({
            "entity": entity,
            "record_id": _str(r.get("record_id")),
            "record_name": _str(r.get("record_name")),
            "district": _str(r.get("district")),
            "year": None,
            "indicator": r["indicator"],
            "status": r["status"],
            "value": _text(r.get("value")),
            "threshold": _text(r.get("threshold")),
            "gap": _text(r.get("gap")),
        })
    aggregates = [
        Aggregate(a["indicator"], a.get("group"), a["status"], _number(a.get("value")), a.get("numerator"),
                  a.get("denominator"))
        for a in data.get("aggregates", [])
    ]
    return Run(
        label=path.name,
        period=str(data.get("period") or data.get("as_of") or path.stem),
        as_of=str(data.get("as_of") or ""),
        packs=[(p["id"], None) for p in data.get("packs", [])],
        indicators=indicators,
        results=_frame(rows),
        aggregates=aggregates,
        summary=data.get("summary") or {},
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def _text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value)


def load(ref: str, store_opener: Any) -> Run:
    """OLD/NEW of ``compare`` and ``--baseline``: a JSON report file, else a run of the store."""
    if is_report_file(ref):
        return load_report(ref)
    store = store_opener()
    return load_run(store, resolve(store, ref))
