"""The history store: where it is, opening it (migrating it forward), and its errors.

Where: ``--history URL``, else ``$LIFESERVICES_HISTORY``, else ``lifeservices-history.sqlite`` in
the working directory. A URL is a path or ``sqlite:///path`` (a SQLite file, created when
missing), or ``postgresql://user:password@host:port/database`` for a shared store (the driver,
psycopg, comes with the ``postgresql`` extra: ``pip install 'lifeservices-cli[postgresql]'``).

SQLite runs in WAL mode (readers never wait for a writer), and a writer takes the write lock at
the start of its transaction (``BEGIN IMMEDIATE``), waiting up to ``LIFESERVICES_HISTORY_TIMEOUT``
seconds (default 15) for another writer to finish before saying that the store is locked.
SQLite answers "locked" at once, without waiting, in a few cases (a new file switched to WAL
while another program opens it; a lock it judges could deadlock): those answers are tried
again until the timeout has passed, so "waited N s" is always true.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event, exc

from lifeservices_cli.errors import UsageError
from lifeservices_cli.history import schema

DEFAULT_FILE = "lifeservices-history.sqlite"
ENV_URL = "LIFESERVICES_HISTORY"
ENV_TIMEOUT = "LIFESERVICES_HISTORY_TIMEOUT"


class HistoryError(UsageError):
    """The store cannot be used (exit 2): cannot be opened, is locked, is from a newer version, unknown run."""


def resolve_url(url: str | None, environ: Mapping[str, str] | None = None) -> str:
    """The SQLAlchemy URL of the store that ``--history URL`` (or the environment) names."""
    environ = os.environ if environ is None else environ
    text = url or environ.get(ENV_URL) or DEFAULT_FILE
    if text.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + text.split("://", 1)[1]
    if text.startswith(("postgresql+", "sqlite://")):
        return text
    if "://" in text:
        raise HistoryError(f"history store {text!r}: use a file path, sqlite:///PATH or postgresql://…")
    return "sqlite:///" + text


def describe(url: str) -> str:
    """The URL as messages show it: without a password."""
    try:
        return sa.make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return url


def _timeout(environ: Mapping[str, str]) -> float:
    text = environ.get(ENV_TIMEOUT, "")
    try:
        return max(0.0, float(text)) if text else 15.0
    except ValueError:
        raise HistoryError(f"{ENV_TIMEOUT}={text!r} is not a number of seconds") from None


class Store:
    """An open history store: ``read()`` and ``write()`` give connections inside one transaction."""

    def __init__(self, engine: sa.Engine, label: str, timeout: float):
        self.engine, self.label, self.timeout = engine, label, timeout
        self.sqlite = engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        with self._errors(), self.engine.connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[sa.Connection]:
        """One transaction: everything done inside lands together, or nothing does."""
        with self._errors(), self.engine.connect() as conn:
            conn.info["write"] = True
            with conn.begin():
                yield conn

    @contextmanager
    def _errors(self) -> Iterator[None]:
        try:
            yield
        except (exc.OperationalError, sqlite3.OperationalError) as error:  # the driver's own: from _patiently
            text = str(getattr(error, "orig", error))
            if "locked" in text or "busy" in text:
                raise HistoryError(
                    f"history store {self.label} is locked by another program (waited {self.timeout:g} s); "
                    f"try again, or set {ENV_TIMEOUT}"
                ) from None
            raise HistoryError(f"history store {self.label}: {_first_line(text)}") from None
        except exc.DatabaseError as error:
            raise HistoryError(f"history store {self.label}: {_first_line(str(error.orig))}") from None

    def close(self) -> None:
        self.engine.dispose()


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "database error"


def open_store(url: str | None = None, *, create: bool = True, environ: Mapping[str, str] | None = None) -> Store:
    """Open (and migrate forward) the store; ``create=False``: a missing SQLite file is an error."""
    environ = os.environ if environ is None else environ
    full = resolve_url(url, environ)
    label = describe(full)
    timeout = _timeout(environ)
    try:
        parsed = sa.make_url(full)
    except exc.ArgumentError:
        raise HistoryError(f"history store {label!r} is not a valid URL") from None
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, label, timeout, create)
    elif parsed.get_backend_name() == "postgresql":
        engine = _postgresql_engine(parsed, label, timeout)
    else:
        raise HistoryError(f"history store {label}: only SQLite and PostgreSQL stores are supported")
    store = Store(engine, label, timeout)
    try:
        _migrate(store)
    except BaseException:
        store.close()
        raise
    return store


def _sqlite_engine(url: sa.URL, label: str, timeout: float, create: bool) -> sa.Engine:
    database = url.database or ""
    if database and database != ":memory:":
        path = Path(database)
        if path.is_dir():
            raise HistoryError(f"history store {label}: {path} is a folder, not a SQLite file")
        if not path.exists():
            if not create:
                raise HistoryError(f"history store {label}: no such file (nothing saved yet; see check --save)")
            if not path.parent.exists():
                raise HistoryError(f"history store {label}: folder {path.parent} does not exist")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args={"timeout": timeout})

    @event.listens_for(engine, "connect")
    def _connect(dbapi: Any, _record: Any) -> None:
        dbapi.isolation_level = None  # transactions are begun below, not by the driver
        cursor = dbapi.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
        cursor.execute("PRAGMA foreign_keys = ON")
        _patiently(lambda: cursor.execute("PRAGMA journal_mode = WAL"), timeout)
        cursor.execute("PRAGMA synchronous = NORMAL")  # with WAL: still atomic, one fsync less per commit
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: sa.Connection) -> None:
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        _patiently(lambda: dbapi.execute("BEGIN IMMEDIATE" if conn.info.get("write") else "BEGIN"), timeout)

    return engine


def _patiently(step: Any, timeout: float) -> None:
    """``step()``, tried again while SQLite says "locked" sooner than ``timeout`` seconds after the first try."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            step()
            return
        except sqlite3.OperationalError as error:
            text = str(error)
            if ("locked" not in text and "busy" not in text) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _postgresql_engine(url: sa.URL, label: str, timeout: float) -> sa.Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError:
        raise HistoryError(
            f"history store {label}: the PostgreSQL driver is not installed; "
            "pip install 'lifeservices-cli[postgresql]'"
        ) from None
    if url.drivername == "postgresql":
        url = url.set(drivername="postgresql+psycopg")
    return sa.create_engine(
        url,
        poolclass=sa.pool.NullPool,
        connect_args={"connect_timeout": max(1, int(timeout)), "application_name": "lifeservices-cli"},
    )


def version_of(conn: sa.Connection) -> int:
    """The schema version of the store (0: empty)."""
    if not sa.inspect(conn).has_table(schema.meta.name):
        return 0
    row = conn.execute(sa.select(schema.meta.c.value).where(schema.meta.c.key == "schema_version")).first()
    if row is None:
        return 0
    try:
        return int(row[0])
    except ValueError:
        raise HistoryError(f"schema_version {row[0]!r} is not a number") from None


def _migrate(store: Store) -> None:
    with store.read() as conn:
        found = version_of(conn)
    if found == schema.SCHEMA_VERSION:
        return
    if found > schema.SCHEMA_VERSION:
        raise HistoryError(
            f"history store {store.label} was written by a newer lifeservices (store schema {found}, "
            f"this version reads up to {schema.SCHEMA_VERSION}); upgrade lifeservices-cli"
        )
    with store.write() as conn:
        if conn.dialect.name == "postgresql":  # two first runs at once: one migrates, the other waits
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(7140214)"))
        found = version_of(conn)  # again, inside the lock
        for step in schema.MIGRATIONS[found:]:
            step(conn)
        if found < schema.SCHEMA_VERSION:
            _set_version(conn, schema.SCHEMA_VERSION, insert=found == 0)


def _set_version(conn: sa.Connection, version: int, insert: bool) -> None:
    table = schema.meta
    if insert:
        conn.execute(table.insert().values(key="schema_version", value=str(version)))
    else:
        conn.execute(table.update().where(table.c.key == "schema_version").values(value=str(version)))
