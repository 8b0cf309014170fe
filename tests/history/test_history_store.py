"""The history store: where it is, what a saved run holds, migrations, locks, interruptions,
concurrent saves — on SQLite and on a real PostgreSQL server (``conftest.postgres_server``)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from history_helpers import ROOT, as_json, period_files, save_all, save_period

from lifeservices_cli.history import schema
from lifeservices_cli.history.store import HistoryError, open_store, resolve_url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> str:
    if request.param == "postgresql":
        return request.getfixturevalue("postgres_url")
    return str(tmp_path / "h.sqlite")


def test_url_forms(tmp_path):
    assert resolve_url(None, {}) == "sqlite:///lifeservices-history.sqlite"
    assert resolve_url(None, {"LIFESERVICES_HISTORY": "x/h.db"}) == "sqlite:///x/h.db"
    assert resolve_url("sqlite:////abs/h.db", {}) == "sqlite:////abs/h.db"
    assert resolve_url("postgresql://u@h:5/db", {}) == "postgresql+psycopg://u@h:5/db"
    assert resolve_url("postgres://u@h/db", {}) == "postgresql+psycopg://u@h/db"
    with pytest.raises(HistoryError, match="use a file path"):
        resolve_url("mysql://u@h/db", {})


def test_default_store_is_in_the_working_directory(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("check", *period_files("2022"), "--save", "--fail-on", "never", "--format", "json")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "lifeservices-history.sqlite").is_file()
    assert "saved run 1 (period " in result.stderr
    listed = as_json(cli("history", "--format", "json"))
    assert [r["id"] for r in listed["runs"]] == [1]


def test_environment_names_the_store(cli, tmp_path):
    store = tmp_path / "env.sqlite"
    result = cli("check", *period_files("2022"), "--save", "--period", "2022", "--fail-on", "never",
                 env={"LIFESERVICES_HISTORY": f"sqlite:///{store}"})
    assert result.exit_code == 0, result.output
    assert as_json(cli("history", "--format", "json", env={"LIFESERVICES_HISTORY": str(store)}))["runs"][0][
        "period"] == "2022"


def test_a_saved_run_holds_everything_the_issue_lists(cli, store_url):
    save_period(cli, store_url, "2023", "--set", "new-community-facility-area.threshold=520", "--only",
                "new-community-facility-area", "--only", "basic-public-health-categories")
    (run_,) = as_json(cli("history", "--format", "json", "--history", store_url))["runs"]
    assert run_["period"] == "2023" and run_["as_of"] == "2023-12-31"
    assert run_["tool_version"]
    assert run_["packs"][0]["id"] == "baicheng-2022-323" and len(run_["packs"][0]["sha256"]) == 64
    paths = {Path(i["path"]).name: i for i in run_["inputs"]}
    data = (ROOT / "examples/monitoring/2023/communities.csv").read_bytes()
    assert paths["communities.csv"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert paths["communities.csv"]["entity"] == "community"
    assert run_["settings"] == [{"target": "new-community-facility-area.threshold", "value": "520", "was": "500"}]
    assert run_["options"]["only"] == ["new-community-facility-area", "basic-public-health-categories"]
    assert run_["summary"]["checks"] == 12 + 5
    store = open_store(store_url)
    with store.read() as conn:
        rows = conn.execute(sa.select(schema.results).order_by(schema.results.c.n)).mappings().all()
        district = [r for r in rows if r["district"] == "洮北区" and r["record_id"] is None]
    store.close()
    assert len(rows) == 17
    first = next(r for r in rows if r["record_id"] == "TB-003")
    assert (first["status"], first["value"], first["threshold"], first["gap"]) == ("pass", "520", "520", "0")
    assert district and district[0]["year"] == "2023"  # a district row: identified by district and year


def test_history_show_and_delete(cli, store_url):
    save_all(cli, store_url)
    shown = cli("history", "show", "2023", "--history", store_url)
    assert shown.exit_code == 0, shown.output
    assert shown.stdout.startswith("run 2: period 2023, as_of 2023-12-31")
    assert "sha256" in shown.stdout
    as_dict = as_json(cli("history", "show", "run:3", "--format", "json", "--history", store_url))
    assert as_dict["period"] == "2024"
    refused = cli("history", "delete", "2", "--history", store_url)
    assert refused.exit_code == 2 and "--yes" in refused.stderr
    asked = cli("history", "delete", "2", "--history", store_url, input="n\n")
    assert asked.exit_code == 2  # not a terminal: never deleted without --yes
    deleted = cli("history", "delete", "2", "--yes", "--history", store_url)
    assert deleted.exit_code == 0, deleted.output
    assert [r["id"] for r in as_json(cli("history", "-f", "json", "--history", store_url))["runs"]] == [1, 3]
    assert as_json(cli("trend", "-f", "json", "--history", store_url))["periods"] == ["2022", "2024"]
    after = as_json(cli("compare", "1", "3", "-f", "json", "--history", store_url))
    assert sum(after["summary"].values()) == 67 and after["summary"]["fixed"] == 19
    gone = cli("history", "show", "2", "--history", store_url)
    assert gone.exit_code == 2
    assert gone.stderr.startswith("lifeservices: error: no run or period '2'")


def test_table_listing(cli, tmp_path):
    store = save_all(cli, str(tmp_path / "h.sqlite"))
    listed = cli("history", "--history", store)
    assert listed.exit_code == 0
    for period in ("2022", "2023", "2024"):
        assert period in listed.stdout
    empty = cli("history", "--history", str(tmp_path / "none.sqlite"))
    assert empty.exit_code == 2 and "nothing saved yet" in empty.stderr


def test_period_needs_save(cli):
    result = cli("check", *period_files("2022"), "--period", "2022")
    assert result.exit_code == 2
    assert result.stderr.strip() == "lifeservices: error: --period labels a saved run: add --save"


@pytest.mark.parametrize("bad", ["mysql://h/db", "sqlite:////no/such/folder/h.sqlite"])
def test_a_store_that_cannot_be_opened(cli, bad):
    result = cli("check", *period_files("2022"), "--save", "--history", bad, "--fail-on", "never")
    assert result.exit_code == 2
    assert result.stderr.startswith("lifeservices: error: history store")
    assert "Traceback" not in result.output


def test_a_store_from_a_newer_version_is_refused(cli, store_url):
    save_period(cli, store_url, "2022")
    store = open_store(store_url)
    with store.write() as conn:
        conn.execute(schema.meta.update().values(value=str(schema.SCHEMA_VERSION + 1)))
    store.close()
    result = cli("history", "--history", store_url)
    assert result.exit_code == 2
    assert "written by a newer lifeservices" in result.stderr
    assert f"store schema {schema.SCHEMA_VERSION + 1}" in result.stderr


def test_an_older_store_is_migrated_forward(cli, store_url):
    """A store left at schema 1 (tables, no indexes) by an older version is upgraded and keeps its run."""
    url = resolve_url(store_url)
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        schema.MIGRATIONS[0](conn)
        conn.execute(schema.meta.insert().values(key="schema_version", value="1"))
        run_id = conn.execute(schema.runs.insert().values(
            saved_at="2023-01-01T00:00:00+00:00", as_of="2022-12-31", period="2022", tool_version="0.0.9",
            lang="zh", settings="[]", options="{}", summary=json.dumps({"records": 0}), results=0,
        ).returning(schema.runs.c.id)).scalar_one()
        indexes = sa.inspect(conn).get_indexes("aggregates")
    engine.dispose()
    assert indexes == []
    listed = as_json(cli("history", "-f", "json", "--history", store_url))
    assert [r["id"] for r in listed["runs"]] == [run_id]
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert {i["name"] for i in sa.inspect(conn).get_indexes("aggregates")} == {"ix_aggregates_run"}
        assert conn.execute(sa.select(schema.meta.c.value)).scalar() == str(schema.SCHEMA_VERSION)
    engine.dispose()


def test_a_locked_sqlite_store_is_reported(cli, tmp_path):
    store = str(tmp_path / "h.sqlite")
    save_period(cli, store, "2022")
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another program is writing
    try:
        result = cli("check", *period_files("2023"), "--save", "--history", store, "--fail-on", "never",
                     env={"LIFESERVICES_HISTORY_TIMEOUT": "0.3"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 2
    assert "is locked by another program (waited 0.3 s)" in result.stderr
    assert len(as_json(cli("history", "-f", "json", "--history", store))["runs"]) == 1


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "lifeservices_cli", *args],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "LIFESERVICES_HISTORY": "", **(env or {})},
    )


def test_two_runs_saving_at_once_both_land(cli, store_url):
    # a loaded CI machine can keep a writer longer than the default 15 s; what is tested is that
    # both land, one after the other (the timeout itself: test_a_locked_sqlite_store_is_reported)
    procs = [
        _cli("check", *period_files(p), "--as-of", f"{p}-12-31", "--save", "--period", p, "--history", store_url,
             "--fail-on", "never", "--format", "json", env={"LIFESERVICES_HISTORY_TIMEOUT": "90"})
        for p in ("2022", "2023")
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=200)
        assert proc.returncode == 0, err.decode()
    listed = as_json(cli("history", "-f", "json", "--history", store_url))
    assert sorted(r["period"] for r in listed["runs"]) == ["2022", "2023"]


def _big_input(tmp_path: Path, rows: int) -> Path:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as fh:
        fh.write("社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）\n")
        for i in range(rows):
            fh.write(f"C-{i:07d},社区{i},洮北区,{'是' if i % 3 else '否'},是,{1000 + i % 900},{300 + i % 400}\n")
    return path


@pytest.mark.parametrize("sig, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)])
def test_an_interrupted_save_leaves_no_partial_run(cli, tmp_path, sig, code):
    """Stopped while the results are being written: no run, and the store still reads."""
    store = tmp_path / "h.sqlite"
    save_period(cli, str(store), "2022")
    big = _big_input(tmp_path, 300_000)
    proc = _cli("check", str(big), "--save", "--period", "big", "--history", str(store), "--fail-on", "never",
                "--format", "json", "--output", str(tmp_path / "big.json"))
    wal = Path(f"{store}-wal")
    deadline = time.monotonic() + 120
    while not (wal.exists() and wal.stat().st_size > 8 << 20):  # the results are going in
        assert proc.poll() is None, "the save ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.02)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err.decode()
    listed = as_json(cli("history", "-f", "json", "--history", str(store)))
    assert [r["period"] for r in listed["runs"]] == ["2022"]
    with sqlite3.connect(store) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM results WHERE run_id <> 1").fetchone() == (0,)


def test_readers_do_not_wait_for_a_writer(cli, tmp_path):
    """WAL: history can be listed while another program holds the write lock."""
    store = str(tmp_path / "h.sqlite")
    save_period(cli, store, "2022")
    holder = sqlite3.connect(store, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        result = cli("history", "-f", "json", "--history", store, env={"LIFESERVICES_HISTORY_TIMEOUT": "0.2"})
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert result.exit_code == 0, result.output


def test_postgres_store_is_shared_by_threads(cli, postgres_url):
    """The same store opened by several savers at once in one process (first use migrates once)."""
    from lifeservices_cli import api
    from lifeservices_cli.history.save import save_run

    reports = [api.check_files(period_files(p), as_of=f"{p}-12-31") for p in ("2022", "2023", "2024")]
    errors: list[BaseException] = []

    def saver(report, label):
        try:
            store = open_store(postgres_url)
            save_run(store, report, period=label)
            store.close()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=saver, args=(r, p)) for r, p in zip(reports, ("a", "b", "c"), strict=True)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sorted(r["period"] for r in as_json(cli("history", "-f", "json", "--history", postgres_url))["runs"]) == [
        "a", "b", "c"]


def test_a_spooled_run_is_saved_as_the_report_has_it(store_url, tmp_path):
    """The large-input path (results spooled, decoded by polars, COPY on PostgreSQL) stores what the
    record path stores, text with commas, quotes and empty names included."""
    from lifeservices_cli.history.runs import load_run
    from lifeservices_cli.history.save import save_run
    from lifeservices_cli.pipeline import check_files

    data = tmp_path / "c.csv"
    data.write_text(
        "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）\n"
        'A-1,"甲,""社区""",洮北区,是,是,1000,520\nA-2,,洮北区,是,是,1000,480\n'
        ",无编号,,否,是,1000,300\n"
        'A-4,"x, ""comparator"": ""gap"": 1",洮南市,否,是,1000,abc\nA-5,戊,洮南市,是,是,1000,\n',
        encoding="utf-8",
    )
    columns = check_files([data], as_of=date(2024, 6, 30), engine="columns")  # type: ignore[arg-type]
    records = check_files([data], as_of=date(2024, 6, 30), engine="records")  # type: ignore[arg-type]
    assert columns.store.spooled and not records.store.spooled
    store = open_store(store_url)
    saved = [load_run(store, save_run(store, r)) for r in (columns, records)]
    store.close()
    fields = ["record_id", "record_name", "district", "year", "indicator", "status", "value", "threshold", "gap"]
    spooled, plain = (s.results.select(fields).to_dicts() for s in saved)
    assert spooled == plain
    assert plain[0]["record_name"] == '甲,"社区"'
    assert {r["record_name"] for r in plain if r["record_id"] == "A-2"} == {None}
    assert {r["record_name"] for r in plain if r["record_id"] == "A-4"} == {'x, "comparator": "gap": 1'}


def test_an_unreachable_postgresql_store_is_one_line_without_its_password(cli, postgres_server):
    port = int(postgres_server.rsplit(":", 1)[1])
    url = f"postgresql://someone:s3cret@127.0.0.1:{port + 1 if port < 65535 else port - 1}/nothing"
    result = cli("history", "--history", url, env={"LIFESERVICES_HISTORY_TIMEOUT": "2"})
    assert result.exit_code == 2
    assert result.stderr.startswith("lifeservices: error: history store postgresql+psycopg://someone:***@127.0.0.1:")
    assert "s3cret" not in result.output and len(result.stderr.strip().splitlines()) == 1


def test_sqlite_saying_locked_at_once_is_asked_again_until_the_timeout():
    from lifeservices_cli.history.store import _patiently

    answers = iter([sqlite3.OperationalError("database is locked")] * 2 + [None])
    calls = []

    def step() -> None:
        calls.append(1)
        answer = next(answers)
        if answer is not None:
            raise answer

    _patiently(step, 5.0)
    assert len(calls) == 3
    started = time.monotonic()
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        _patiently(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("database is locked")), 0.2)
    assert time.monotonic() - started >= 0.2
    with pytest.raises(sqlite3.OperationalError, match="no such table"):  # not a lock: raised at once
        _patiently(lambda: (_ for _ in ()).throw(sqlite3.OperationalError("no such table: x")), 60.0)
