"""The history store's tables and their forward migrations.

``SCHEMA_VERSION`` is the version this code writes; ``meta.schema_version`` the version of a
store. Opening a store applies the missing steps of ``MIGRATIONS`` in order, in one transaction
(a store written by an older version is upgraded, or left as it was if that fails); a store of
a newer version is refused. A step is only ever added at the end, never changed.

Numbers are stored as the JSON report writes them (text: ``46.120229``, ``true``, a date), so a
value reads back as the report showed it, and no database rounds it again.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

SCHEMA_VERSION = 2

metadata = sa.MetaData()

meta = sa.Table(
    "lifeservices_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("id", sa.Integer, sa.Identity(), primary_key=True, autoincrement=True),
    sa.Column("saved_at", sa.String(40), nullable=False),  # UTC, ISO 8601
    sa.Column("as_of", sa.String(10), nullable=False),
    sa.Column("period", sa.String(64), nullable=False),
    sa.Column("tool_version", sa.String(40), nullable=False),
    sa.Column("lang", sa.String(8), nullable=False),
    sa.Column("settings", sa.Text, nullable=False),  # JSON: --set as the report lists it
    sa.Column("options", sa.Text, nullable=False),  # JSON: --only, --skip, --entity, --sheet, --encoding
    sa.Column("summary", sa.Text, nullable=False),  # JSON: the report's summary
    sa.Column("results", sa.Integer, nullable=False),
    # SQLite: the rowids of the run's first and last result (a writer holds the store's write lock,
    # so one run's results are consecutive); the results then need no index of their own.
    sa.Column("first_result", sa.BigInteger),
    sa.Column("last_result", sa.BigInteger),
)

run_packs = sa.Table(
    "run_packs",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("pack_id", sa.Text, nullable=False),
    sa.Column("document", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("path", sa.Text),
    sa.Column("sha256", sa.String(64)),
)

run_inputs = sa.Table(
    "run_inputs",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("entity", sa.Text),
    sa.Column("sheet", sa.Text),
    sa.Column("encoding", sa.Text),
    sa.Column("records", sa.Integer),
    sa.Column("sha256", sa.String(64)),
)

run_indicators = sa.Table(
    "run_indicators",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("indicator", sa.Text, nullable=False),
    sa.Column("entity", sa.Text),
    sa.Column("kind", sa.Text),
    sa.Column("title", sa.Text),
    sa.Column("clause", sa.Text),
    sa.Column("quote", sa.Text),
    sa.Column("departments", sa.Text),  # JSON list
    sa.Column("unit", sa.Text),
    sa.Column("comparator", sa.Text),
)

#: One row per result, in the report's order (``n``). ``input`` is the position of its input in
#: ``run_inputs``; the record key (``keys``) is made from the indicator's entity, the id and the district.
results = sa.Table(
    "results",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("input", sa.Integer),
    sa.Column("line", sa.Integer),
    sa.Column("record_id", sa.Text),
    sa.Column("record_name", sa.Text),
    sa.Column("district", sa.Text),
    sa.Column("year", sa.Text),
    sa.Column("indicator", sa.Text, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("value", sa.Text),
    sa.Column("threshold", sa.Text),
    sa.Column("gap", sa.Text),
)

aggregates = sa.Table(
    "aggregates",
    metadata,
    sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    sa.Column("n", sa.Integer, nullable=False),
    sa.Column("indicator", sa.Text, nullable=False),
    sa.Column("grp", sa.Text),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("value", sa.Text),
    sa.Column("numerator", sa.Integer),
    sa.Column("denominator", sa.Integer),
    sa.Column("unknown", sa.Integer),
    sa.Column("threshold", sa.Text),
    sa.Column("gap", sa.Text),
)

RESULT_COLUMNS = [c.name for c in results.columns]

_TABLES_V1 = [meta, runs, run_packs, run_inputs, run_indicators, results, aggregates]

_INDEXES_V2 = [
    # PostgreSQL: a BRIN index (a run's results are appended together: a few pages of index, and
    # next to nothing to maintain while COPY adds 2M rows)
    sa.Index("ix_results_run", results.c.run_id, postgresql_using="brin"),
    sa.Index("ix_aggregates_run", aggregates.c.run_id),
    sa.Index("ix_runs_period", runs.c.period),
]


def _v1(conn: sa.Connection) -> None:
    """The tables."""
    for table in _TABLES_V1:  # CREATE TABLE alone: the indexes are step 2's
        conn.execute(sa.schema.CreateTable(table, if_not_exists=True))


def _v2(conn: sa.Connection) -> None:
    """Indexes for reading one run's results and aggregates and finding runs by period.

    Not on SQLite's results: a run's results are read by their rowids (``runs.first_result`` …
    ``last_result``), and an index there would make saving twice as slow."""
    for index in _INDEXES_V2:
        if not (conn.dialect.name == "sqlite" and index.table is results):
            index.create(conn, checkfirst=True)


#: ``MIGRATIONS[i]`` takes a store from version ``i`` to ``i + 1``.
MIGRATIONS: list[Callable[[sa.Connection], None]] = [_v1, _v2]
assert len(MIGRATIONS) == SCHEMA_VERSION
