"""Checking one input in columns: batches computed one ahead, hard rows to the record engine, results to the store."""

from __future__ import annotations

import json
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any

import polars as pl

from lifeservices_cli.engine.columnar.plan import Plan
from lifeservices_cli.engine.columnar.rationals import NotFast
from lifeservices_cli.engine.columnar.reader import _as_utf8, _Spans, batches, cells_at
from lifeservices_cli.engine.records import Engine
from lifeservices_cli.engine.results import path_text

# --------------------------------------------------------------------------- the driver

#: Batches computed ahead of the one being written (0: none). polars uses both cores on one
#: batch already; one ahead lets the spool's disk writes overlap the next batch's computing.
WORKERS = 1


def _ordered_map(compute: Any, items: Generator[tuple[pl.DataFrame, int]]) -> Generator[tuple[pl.DataFrame, int]]:
    """``(compute(batch), tag)`` for each item, in order, with ``WORKERS`` batches in flight."""
    from collections import deque
    from concurrent.futures import Future, ThreadPoolExecutor

    if not WORKERS:
        for batch, tag in items:
            yield compute(batch), tag
        return

    pool = ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="lifeservices-batch")
    pending: deque[tuple[Future[pl.DataFrame], int]] = deque()
    try:
        for batch, tag in items:
            pending.append((pool.submit(compute, batch), tag))
            if len(pending) > WORKERS:
                future, done_tag = pending.popleft()
                yield future.result(), done_tag
        while pending:
            future, done_tag = pending.popleft()
            yield future.result(), done_tag
    finally:  # interrupted or failed: drop what has not started, do not wait for it
        pool.shutdown(wait=False, cancel_futures=True)
        if hasattr(items, "close"):  # the reader's file is closed now, not in a finaliser
            items.close()


def run(
    binding: Any,
    engine: Engine,
    aggregator: Any,
    store: Any,
    report_dict: Any,
    progress: Callable[[float], None] | None = None,
    sink: Any = None,
) -> None:
    """Check one bound CSV input in columns, adding its results to ``store``.

    Raises ``NotFast`` (with everything it added rolled back) when the input turns out not to
    fit, e.g. a row with more cells than the header.

    ``sink``: a renderer's rows made while the check runs (``render.csvlines``): ``begin(binding,
    plan)`` gives the expression of a record's row over the batch's columns (or None: not this
    input), ``add(frame, text)`` takes each batch with it as ``_row`` (and its results' lines), ``mark`` and
    ``rollback`` go with the store's, ``end(binding)`` says the input is whole.
    """
    if binding.table.encoding in ("utf-8", "utf-8-sig"):
        _run(binding, engine, aggregator, store, report_dict, binding.path, progress, sink)
        return
    copy = _as_utf8(binding.path, binding.table.encoding)
    try:
        _run(binding, engine, aggregator, store, report_dict, copy, progress, sink)
    finally:
        copy.unlink(missing_ok=True)


def _run(
    binding: Any,
    engine: Engine,
    aggregator: Any,
    store: Any,
    report_dict: Any,
    data: Path,
    progress: Callable[[float], None] | None,
    sink: Any = None,
) -> None:
    from collections import Counter

    from lifeservices_cli.engine.results import SEPARATOR

    entity = binding.entity
    plan = Plan(
        engine,
        entity,
        binding.table.header,
        binding.info.source,
        binding.table.encoding,
        binding.table.delimiter,
        data,
        {index: (fname, conv) for index, fname, conv in binding.bound},
        binding.absent,
        {c.index: c.factor for c in binding.columns},
        sorted(set(binding.districts.values()) - {binding.districts.get("\0cities")}) if binding.districts else None,
    )
    plan.labels = binding.table.label_columns  # where 小计/合计 would be written
    plan.skip_lines = binding.table.skip_lines  # the lines before the first record
    row = sink.begin(binding, plan) if sink is not None else None  # the expression of the sink's rows
    plan.values = row is not None  # which reads each result's value and gap
    mark, saved, records = store.mark(), aggregator.snapshot(), binding.info.records
    sink_mark = sink.mark() if row is not None else None
    ids: list[pl.DataFrame] = []
    wanted = [(k, agg, by) for k, (ind, _) in enumerate(plan.indicators) for agg, by in aggregator.wants(ind.id)]

    def compute(batch: pl.DataFrame) -> pl.DataFrame:
        frame = plan.frame(batch)
        if wanted:
            frame = frame.with_columns(*(plan_group(plan, by).alias(f"_g_{by}") for _, _, by in wanted))
        if row is not None:  # the sink's row; the values and gaps it was made from are freed
            values = [f"_{kind}j{k}" for k in range(len(plan.indicators)) for kind in "vg"]
            frame = frame.with_columns(row.alias("_row")).drop(values)
        return frame

    # closed below, not left to the garbage collector: an interruption while the pool shuts
    # down in a finaliser is printed as "Exception ignored in ..." with a traceback
    work = _ordered_map(compute, batches(plan))
    try:
        size = max(data.stat().st_size, 1)
        for frame, done in work:
            hard_rows = frame.select(pl.arg_where(pl.col("hard"))).to_series().to_list()
            lines = frame["_line"]
            counts: Counter[str] = Counter()
            total = 0
            names = [f"c{i}" for i in range(len(plan.header))]
            slow_ids: list[tuple[str, int]] = []
            slow, slow_texts = [], []
            groups = {by: frame[f"_g_{by}"] for _, _, by in wanted}
            for i in hard_rows:
                cells = [frame[name][i] or "" for name in names]
                record = binding.build(lines[i], cells)
                if isinstance(record.values.get("id"), str):
                    slow_ids.append((record.values["id"], lines[i]))
                results = list(engine.check(record, entity.name))
                slow.append((record, results))
                slow_texts.append(SEPARATOR.join(json.dumps(report_dict(r), ensure_ascii=False) for r in results))
                for by in groups:
                    value = record.values.get(by)
                    groups[by][i] = value if isinstance(value, str) else None
            for _, agg, by in wanted:  # groups are reported in the order they first appear
                for group in groups[by].unique(maintain_order=True).to_list():
                    aggregator.register(agg, group)
            easy = frame.filter(~pl.col("hard"))
            for k in range(len(plan.indicators)):
                for status, n in easy[f"s{k}"].value_counts().iter_rows():
                    counts[status] += n
                    total += n
            for k, agg, by in wanted:
                for group, status, n in easy.group_by([f"_g_{by}", f"s{k}"], maintain_order=True).len().iter_rows():
                    aggregator.count(agg, group, status, n)
            for record, results in slow:
                for result in results:
                    aggregator.add(result, record)
                    counts[result.status] += 1
                total += len(results)
            binding.info.records += len(easy)
            text = frame["text"]
            if hard_rows:
                text = text.scatter(hard_rows, slow_texts)
            if len(text):  # polars writes the batch's entries straight into the spool, never as Python text
                entries = text.to_frame()
                store.add_entries(
                    lambda fh, entries=entries: entries.write_csv(
                        fh, include_header=False, quote_style="never", line_terminator=SEPARATOR
                    ),
                    total,
                    counts,
                    _tally(plan, frame, hard_rows, slow, store.total, store.tally),
                )
            if row is not None:
                sink.add(frame, text)
            if "id" in plan.columns:
                ids.append(easy.filter(pl.col("_id").is_not_null()).select(_ID_HASH, pl.col("_line").cast(pl.UInt32)))
                if slow_ids:
                    slow_frame = pl.DataFrame(slow_ids, schema={"_id": pl.Utf8, "_line": pl.UInt32}, orient="row")
                    ids.append(slow_frame.select(_ID_HASH, pl.col("_line")))
                if len(ids) >= 2 * _ID_FRAMES:  # the newest batches' ids as one frame: fewer, larger frames to sort
                    ids[-_ID_FRAMES:] = [pl.concat(ids[-_ID_FRAMES:], rechunk=True)]
            if progress is not None:
                progress(done / size)
    except (_Spans, NotFast, pl.exceptions.PolarsError) as exc:
        # e.g. a quoted cell spanning lines, a ragged row, a total row far down: the record reader
        # takes the whole file, so nothing of it stays (its first batches were stored already)
        store.rollback(mark)
        if sink_mark is not None:
            sink.rollback(sink_mark)
        aggregator.restore(saved)
        binding.info.records = records
        if isinstance(exc, NotFast):
            raise
        raise NotFast("a quoted cell spans lines" if isinstance(exc, _Spans) else str(exc).splitlines()[0]) from None
    finally:
        work.close()
    binding.finish(_duplicates(plan, ids))
    if row is not None:
        sink.end(binding)


def _tally(
    plan: Plan, frame: pl.DataFrame, hard_rows: list[int], slow: list[Any], base: int, tally: Any
) -> tuple[Any, ...]:
    """The batch's results as the store's ``tally`` takes them (``Tally.add_batch``): per indicator
    the easy rows counted by district and status with their first positions, the first positions
    of each status, and the hard rows' results."""
    first, first_all = tally.first, tally.first_all
    m = len(plan.indicators)
    sizes = pl.Series("size", [m] * frame.height, dtype=pl.Int64)
    if hard_rows:
        sizes = sizes.scatter(hard_rows, [len(results) for _, results in slow])
    start = sizes.cum_sum() - sizes + base
    district = pl.col("f.district") if "f.district" in frame.columns else pl.lit(None, dtype=pl.Utf8)
    easy = frame.select(start.alias("_start"), district.alias("district"), *(f"s{k}" for k in range(m)), "hard")
    if hard_rows:
        easy = easy.filter(~pl.col("hard"))
    parts = [
        (
            ind.id,
            easy.group_by(pl.col("district"), pl.col(f"s{k}").alias("status"), maintain_order=True).agg(
                pl.len(), (pl.col("_start") + k).head(first).alias("n")
            ),
            easy.group_by(pl.col(f"s{k}").alias("status"), maintain_order=True).agg(
                (pl.col("_start") + k).head(first_all).alias("n")
            ),
        )
        for k, (ind, _) in enumerate(plan.indicators)
    ]
    hard = [
        ((path_text(r.source), r.district, r.indicator, r.status), start[i] + j)
        for i, (_, results) in zip(hard_rows, slow, strict=True)
        for j, r in enumerate(results)
    ]
    return path_text(plan.source), parts, hard


def plan_group(plan: Plan, by: str) -> pl.Expr:
    if by in plan.env.texts:
        return pl.col(f"f.{by}")
    return pl.lit(None, dtype=pl.Utf8)


#: Batches' ids put together in one frame (memory unchanged; ``_duplicates`` filters each frame
#: sixteen times, and 125 small frames at 1M rows cost a second of filtering).
_ID_FRAMES = 32

#: 32 bits of an id's hash and the line (4 bytes each: 40 MB at 5M rows). Hashes that repeat by chance
#: (about 3,000 pairs among 5M ids) cost only their lines read again: ``_duplicates`` compares the ids.
_ID_HASH = (pl.col("_id").hash(seed=5) & 0xFFFFFFFF).cast(pl.UInt32).alias("h")


def _duplicates(plan: Plan, ids: list[pl.DataFrame]) -> dict[str, list[int]]:
    """Record ids that appear on more than one line, with their lines.

    Only a 64-bit hash and the line of each id are kept while checking (not a million texts);
    the lines whose hashes repeat are read again for their ids, so a hash collision is no duplicate.
    """
    if not ids:
        return {}
    # Sorted, a repeated hash stands next to itself. The hashes are sorted a sixteenth at a time (by
    # their top four bits): grouping them all at once (``is_duplicated``) decided the peak of a
    # large run, at its very end.
    parts = []
    for bucket in range(16):
        top = (pl.col("h") // (1 << 28)) == bucket
        hashes = pl.concat([frame.filter(top).get_column("h") for frame in ids])
        hashes = hashes.sort()
        parts.append(hashes.filter(hashes == hashes.shift(1)).unique())
    repeated = pl.concat(parts)
    if repeated.is_empty():
        return {}
    again = pl.col("h").is_in(repeated.implode())
    lines = {line for frame in ids for line in frame.filter(again).get_column("_line")}
    index = plan.columns["id"][0]
    convert = plan.converters[index]
    seen: dict[str, list[int]] = {}
    for line, raw in cells_at(plan, lines, index):  # those lines only, parsed as the check parsed them
        value = convert(raw or "", line)
        if isinstance(value, str):
            seen.setdefault(value, []).append(line)
    return {rid: sorted(found) for rid, found in seen.items() if len(found) > 1}
