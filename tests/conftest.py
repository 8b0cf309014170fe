"""Shared fixtures: the CLI as the tests run it, the tiny pack, and a real PostgreSQL server.

``cli`` runs the command line in-process with a fixed terminal width and language, off GitHub Actions
and without a history store from the environment, so that no test depends on the shell it runs in;
a module that needs another width or language overrides the fixture with ``cli.using(...)``.
``tiny_pack`` is ``tests/data/packs/tiny.yaml`` (one entity, one indicator) copied into the test's
folder; ``helpers.pack_text`` reads the packs there as text for the tests that edit them.

A real PostgreSQL server for the history-store tests, started by the suite itself.

Debian's ``postgresql`` package (``make test`` installs it when missing): ``initdb`` into a
throwaway data directory and ``postgres`` listening on 127.0.0.1 at a free port, with trust
authentication for the one user ``lifeservices``. PostgreSQL refuses to run as root, so as root
the server runs as ``nobody``. No skipping: without the server binaries the tests fail.
Each test that asks for ``postgres_url`` gets a database of its own.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

PACKS = Path(__file__).resolve().parent / "data" / "packs"

_counter = itertools.count()


class Cli:
    """``lifeservices ARGS`` in-process, as a terminal ``width`` columns wide in language ``lang``.

    The environment the command sees: ``COLUMNS`` and ``LIFESERVICES_LANG`` from these settings,
    ``GITHUB_ACTIONS`` and ``LIFESERVICES_HISTORY`` empty, then ``env`` (the runner's, then the call's).
    Arguments may be paths; standard output and standard error stay apart (``result.stderr``).
    """

    def __init__(self, lang: str = "zh", width: int = 160, env: Mapping[str, str] | None = None,
                 catch_exceptions: bool = True) -> None:
        self.lang, self.width, self.env, self.catch_exceptions = lang, width, dict(env or {}), catch_exceptions

    def using(self, lang: str | None = None, width: int | None = None, env: Mapping[str, str] | None = None,
              catch_exceptions: bool | None = None) -> Cli:
        """The same runner with another language, width, environment or handling of exceptions."""
        return Cli(lang or self.lang, width or self.width, {**self.env, **(env or {})},
                   self.catch_exceptions if catch_exceptions is None else catch_exceptions)

    def __call__(self, *args: Any, lang: str | None = None, env: Mapping[str, str] | None = None,
                 input: str | bytes | None = None) -> Result:
        from lifeservices_cli.cli.app import app

        environ = {"COLUMNS": str(self.width), "LIFESERVICES_LANG": lang or self.lang, "GITHUB_ACTIONS": "",
                   "LIFESERVICES_HISTORY": "", **self.env, **(env or {})}
        return CliRunner().invoke(app, [str(a) for a in args], env=environ, input=input,
                                  catch_exceptions=self.catch_exceptions)


@pytest.fixture(scope="session")
def cli() -> Cli:
    """The CLI in Chinese on a terminal 160 columns wide (the tool's own width off a terminal)."""
    return Cli()


@pytest.fixture
def tiny_pack(tmp_path: Path) -> Path:
    """``tests/data/packs/tiny.yaml`` as ``pack.yaml`` in the test's own folder."""
    path = tmp_path / "pack.yaml"
    path.write_bytes((PACKS / "tiny.yaml").read_bytes())
    return path


def _bindir() -> Path:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(Path(p).parts[-3]))
    if found:
        return Path(found[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    pytest.fail("PostgreSQL is needed for the history-store tests: run `make test` (apt-get install postgresql)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The server's base URL (no database): ``postgresql://lifeservices@127.0.0.1:PORT``."""
    bindir = _bindir()
    root = Path(tempfile.mkdtemp(prefix="lifeservices-pg-"))  # not under pytest's private (0700) folder
    user: dict[str, str] = {}
    if os.geteuid() == 0:
        user = {"user": "nobody"}
        os.chmod(root, 0o777)
    data = root / "data"
    initdb = subprocess.run(
        [str(bindir / "initdb"), "-D", str(data), "-U", "lifeservices", "--auth=trust", "-E", "UTF8",
         "--locale=C.UTF-8"],
        capture_output=True, text=True, **user,  # type: ignore[call-overload]
    )
    assert initdb.returncode == 0, initdb.stderr
    port = _free_port()
    log = (root / "server.log").open("wb")
    server = subprocess.Popen(
        [str(bindir / "postgres"), "-D", str(data), "-p", str(port), "-k", str(root),
         "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off"],
        stdout=log, stderr=subprocess.STDOUT, **user,  # type: ignore[call-overload]
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            ready = subprocess.run([str(bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(port)],
                                   capture_output=True)
            if ready.returncode == 0:
                break
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"PostgreSQL did not start: {(root / 'server.log').read_text(errors='replace')[-2000:]}")
            time.sleep(0.1)
        yield f"postgresql://lifeservices@127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    """A fresh, empty database on the test server."""
    import psycopg

    name = f"history_{os.getpid()}_{next(_counter)}"
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{postgres_server}/{name}"
