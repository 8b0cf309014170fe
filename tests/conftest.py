"""A real PostgreSQL server for the history-store tests, started by the suite itself.

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
from collections.abc import Iterator
from pathlib import Path

import pytest

_counter = itertools.count()


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
