"""Interruptions and the file system: Ctrl-C (SIGINT) mid-run, a reader that closes the pipe,
``--output`` where it cannot be written. Run as real processes (``python -m lifeservices_cli``)
on generated inputs, on both engines: the record engine (files under 4 MiB) and the columnar
path (files from 4 MiB).

Nothing here measures time: processes are polled until they are demonstrably at work (their
input file is open, or their imports have reached the pack loader) and then signalled; the
generous timeouts only stop a hung test.
"""

from __future__ import annotations

import codecs
import os
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from lifeservices_cli.cli.check import SAVE_STOPPED, stopped_after
from lifeservices_cli.cli.interrupts import Interrupted
from lifeservices_cli.packs.loader import bundled_path
from lifeservices_cli.pipeline import COLUMNAR_MIN_BYTES

HEADER = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
TIMEOUT = 120  # seconds; only to stop a hung process, never a measure of speed
INTERRUPTED = "lifeservices: error: interrupted"
BIG_ROWS = 320_000


def _community_csv(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(HEADER + "\n")
        for i in range(rows):
            fh.write(f"C{i:06d},社区{i},洮北区,{'是' if i % 2 else '否'},是,{1000 + i % 900},{300 + i % 400}\n")
    return path


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("interrupt-inputs")
    made = {
        "records": _community_csv(folder / "small.csv", 70_000),  # ~3.3 MB: the record engine
        "columns": _community_csv(folder / "big.csv", BIG_ROWS),  # ~15 MB: the columnar path, 2.3 s and more of work
    }
    assert made["records"].stat().st_size < COLUMNAR_MIN_BYTES <= made["columns"].stat().st_size
    return made


def _start(
    *args: str | Path, cwd: Path, stdout: int = subprocess.DEVNULL, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "LIFESERVICES_LANG": "en", "COLUMNS": "120", **(env or {})}
    env.pop("GITHUB_ACTIONS", None)
    return subprocess.Popen(
        [sys.executable, "-m", "lifeservices_cli", *map(str, args)],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        # a test runner started in the background ignores SIGINT (under nohup SIGHUP too), and so
        # would its children, which rightly keep ignoring them
        preexec_fn=_signals_by_default,
    )


def _signals_by_default() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


def _run_script(script: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``python -c script`` in a real process with default signal handling, its output captured."""
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        preexec_fn=_signals_by_default,
    )

def _wait_for(proc: subprocess.Popen[bytes], found, what: str) -> None:
    """Poll ``/proc`` until ``found(pid)`` holds; the process must still be running."""
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the process ended before {what}: {proc.communicate()}"
        try:
            if found(proc.pid):
                return
        except OSError:  # a descriptor closed while we looked
            pass
        time.sleep(0.01)
    proc.kill()
    raise AssertionError(f"the process never got to {what}")


def _has_open(path: Path):
    target = str(path.resolve())

    def check(pid: int) -> bool:
        folder = f"/proc/{pid}/fd"
        return any(os.readlink(f"{folder}/{fd}") == target for fd in os.listdir(folder))

    return check


def _has_loaded(library: str):
    def check(pid: int) -> bool:
        with open(f"/proc/{pid}/maps", encoding="utf-8", errors="replace") as fh:
            return library in fh.read()

    return check


def _interrupt(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=TIMEOUT)
    return proc.returncode, err.decode("utf-8", "replace")


@pytest.mark.parametrize("engine", ["records", "columns"])
@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_ctrl_c_during_a_check_exits_130_and_leaves_no_file(inputs, tmp_path, engine, fmt):
    out = tmp_path / "out"
    out.mkdir()
    source = inputs[engine]
    before = source.read_bytes()
    proc = _start(
        "check", source, "-f", fmt, "-o", out / f"report.{fmt}", "--report", f"html={out / 'r.html'}", cwd=tmp_path
    )
    _wait_for(proc, _has_open(source), "reading its input")
    code, err = _interrupt(proc)
    assert code == 130, err
    assert err.strip() == INTERRUPTED  # one line, no traceback
    assert list(out.iterdir()) == []  # no report, no .report.json.tmp-PID
    assert source.read_bytes() == before


def test_ctrl_c_during_start_up_and_pack_loading_of_an_authoring_command(tmp_path):
    # `lifeservices test` on a pack whose cases hold many records: interrupted as soon as the
    # imports reach pydantic (long before the cases are read, let alone run).
    rows = "".join(
        f"    - {{id: C{i}, is_new: 是, households: 1000, service_facility_area: {i}}}\n" for i in range(20_000)
    )
    (tmp_path / "pack.yaml").write_bytes(bundled_path().read_bytes())
    (tmp_path / "pack.tests.yaml").write_text(
        f"- name: many\n  entity: community\n  as_of: '2024-01-01'\n  records:\n{rows}  expect: []\n", encoding="utf-8"
    )
    proc = _start("test", tmp_path / "pack.yaml", cwd=tmp_path, stdout=subprocess.PIPE)
    _wait_for(proc, _has_loaded("pydantic_core"), "importing pydantic")
    code, err = _interrupt(proc)
    assert (code, err.strip()) == (130, INTERRUPTED)


@pytest.mark.parametrize(
    ("engine", "fmt"),
    # Reports are rendered whole before the first byte is written, so the engine does not change
    # how the pipe is written: the columnar path once, the formats on a smaller input.
    [("columns", "json"), ("some", "json"), ("some", "csv"), ("some", "table")],
)
def test_a_reader_that_closes_the_pipe_gets_a_quiet_exit(inputs, tmp_path, engine, fmt):
    source = inputs[engine] if engine in inputs else _community_csv(tmp_path / "some.csv", 3000)
    proc = _start("check", source, "-f", fmt, cwd=tmp_path, stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    first = proc.stdout.readline()  # what `| head -1` reads before it goes away
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8", "replace")
    proc.wait(timeout=TIMEOUT)
    assert first
    assert "Traceback" not in err and "Exception ignored" not in err and "Error" not in err, err
    assert proc.returncode in (0, 1)


def test_a_closed_pipe_on_an_authoring_command_is_quiet(tmp_path):
    proc = _start("schema", "pack", cwd=tmp_path, stdout=subprocess.PIPE)
    assert proc.stdout is not None
    proc.stdout.close()  # gone before the command writes a byte
    err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    proc.wait(timeout=TIMEOUT)
    assert "Traceback" not in err and "Exception ignored" not in err, err


def test_an_interrupted_authoring_output_leaves_no_temporary_file(tmp_path, monkeypatch):
    from lifeservices_cli import files
    from lifeservices_cli.cli import common

    def interrupted(*_args):
        raise KeyboardInterrupt

    monkeypatch.setattr(files.os, "replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        common.emit("{}", tmp_path / "schema.json")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_c_on_a_large_gb18030_input_leaves_no_utf8_copy_behind(inputs, tmp_path):
    # the columnar path reads GB18030 through a UTF-8 copy in the temporary folder
    source = tmp_path / "gbk.csv"
    source.write_bytes(inputs["columns"].read_text(encoding="utf-8").encode("gb18030"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    proc = _start("check", source, "-f", "json", "-o", out / "r.json", cwd=tmp_path, env={"TMPDIR": str(scratch)})
    _wait_for(proc, _has_open(source), "reading its input")
    code, err = _interrupt(proc)
    assert (code, err.strip()) == (130, INTERRUPTED)
    assert list(out.iterdir()) == [] and list(scratch.iterdir()) == []


@pytest.mark.parametrize("stop", [KeyboardInterrupt, Interrupted, OSError(28, "No space left on device")])
def test_the_utf8_copy_is_removed_whatever_stops_it(tmp_path, monkeypatch, stop):
    from lifeservices_cli.engine import columnar
    from lifeservices_cli.engine.columnar import reader

    source = tmp_path / "gbk.csv"
    source.write_bytes(("社区编码,户数\n" + "C1,100\n" * 100).encode("gb18030"))
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    real = codecs.getincrementaldecoder

    class Stopping:
        def __init__(self, *args, **kwargs):
            self.inner = real("gb18030")(*args, **kwargs)

        def decode(self, data, final=False):
            if final:
                raise stop
            return self.inner.decode(data, final)

    monkeypatch.setattr(codecs, "getincrementaldecoder", lambda name: Stopping)
    expected = columnar.NotFast if isinstance(stop, OSError) else stop
    with pytest.raises(expected):
        reader._as_utf8(source, "gb18030")
    assert list(scratch.iterdir()) == []  # no partial copy of the user's data left in the temporary folder


@pytest.mark.parametrize(("name", "code"), [("SIGTERM", 143), ("SIGHUP", 129)])
def test_kill_during_a_large_check_removes_the_result_spool(inputs, tmp_path, name, code):
    out = tmp_path / "out"
    out.mkdir()
    # twice the columnar input: schema 2's shorter lines made 200k rows end before the signal under load
    proc = _start("check", inputs["columns"], inputs["columns"], "-f", "json", "-o", out / "report.json", cwd=tmp_path)
    _wait_for(proc, lambda pid: any(out.iterdir()), "spooling its results beside the report")
    proc.send_signal(getattr(signal, name))
    _, err = proc.communicate(timeout=TIMEOUT)
    assert proc.returncode == code, err
    assert err.decode().strip() == "lifeservices: error: terminated"
    assert list(out.iterdir()) == []  # the hidden spool is gone, no report


# --------------------------------------------------------------------------- signals at any phase


def test_a_signal_in_the_batch_pools_shutdown_reaches_the_caller(tmp_path, monkeypatch):
    # polars handles SIGINT too: it raises KeyboardInterrupt from the call it was in, and our
    # handler then raises Interrupted wherever the program is next, e.g. in the pool's shutdown
    # as the batch generator is closed. Left to the collector, that close ran in a finaliser and
    # its Interrupted was printed as "Exception ignored in <generator ...>" with a traceback.
    from concurrent.futures import ThreadPoolExecutor

    from lifeservices_cli.pipeline import check_files

    real = ThreadPoolExecutor.shutdown

    def shutdown(self, *args, **kwargs):
        real(self, *args, **kwargs)
        raise Interrupted(signal.SIGTERM)

    def progress(share: float) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(ThreadPoolExecutor, "shutdown", shutdown)
    source = _community_csv(tmp_path / "c.csv", 2000)
    with pytest.raises(BaseException) as stopped:  # not KeyboardInterrupt, which would stop pytest
        check_files([source], engine="columns", progress=progress)
    assert stopped.type is Interrupted


def test_a_signal_while_the_interpreter_joins_threads_prints_no_traceback(tmp_path):
    # The command is over; the interpreter waits for a thread (the batch pool's worker finishing
    # its batch) in threading._shutdown, where an exception is printed with a traceback.
    script = (
        "import threading, time\n"
        "from lifeservices_cli.cli import interrupts\n"
        "def main():\n"
        "    threading.Thread(target=time.sleep, args=(3,)).start()\n"
        "    print('done', flush=True)\n"
        "interrupts.run(main)\n"
    )
    for stop in (signal.SIGINT, signal.SIGTERM):
        proc = subprocess.Popen(
            [sys.executable, "-c", script],
            cwd=tmp_path,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            preexec_fn=_signals_by_default,
        )
        assert proc.stdout is not None and proc.stdout.readline() == b"done\n"
        _wait_for(proc, lambda pid: _thread_count(pid) == 2 and _state(pid) in "S", "waiting for its thread")
        proc.send_signal(stop)
        _, err = proc.communicate(timeout=TIMEOUT)
        assert err.decode() == "" and proc.returncode == 0, err.decode()


def _thread_count(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/task"))


def _state(pid: int) -> str:
    with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
        return fh.read().rsplit(")", 1)[1].split()[0]


def _handles_sigterm(pid: int) -> bool:
    """The program's handler is in place: SIGTERM is caught (Python itself leaves it alone)."""
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        caught = next(line for line in fh if line.startswith("SigCgt:")).split()[1]
    return bool(int(caught, 16) & (1 << (signal.SIGTERM - 1)))


#: When the signal comes, in seconds after the handler is in place: the rest of the start-up
#: (typer, the pack), reading, the columnar batches and the pool's shutdown, rendering, writing.
DELAYS = [0.0, 0.005, 0.01, 0.02, 0.035, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6, 0.7]
DELAYS += [0.8 + 0.1 * i for i in range(16)]  # ... up to 2.3 s


class _Target:
    def __init__(self, path: Path) -> None:
        self.path = path


def _whole(report: Path, fmt: str, rows: int) -> bool:
    """The report is complete: the end of its format is there (every record's line, for CSV)."""
    if fmt == "xlsx":
        with zipfile.ZipFile(report) as book:
            return book.testzip() is None
    data = report.read_bytes()
    if fmt == "csv":
        return data.count(b"\r\n") == rows + 1 and data.endswith(b"\r\n")
    return data.rstrip().endswith(b"</html>" if fmt == "html" else b"}")


def test_signals_at_many_moments_never_print_a_traceback(inputs, tmp_path):
    # A busy process shares the cores, as on a loaded machine: the windows between steps widen.
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    formats = ["json", "csv", "xlsx", "html"]
    seen = []
    try:
        for k, delay in enumerate(DELAYS):
            stop = signal.SIGINT if k % 2 == 0 else signal.SIGTERM
            fmt = formats[k % len(formats)]
            run = tmp_path / f"run{k}"
            out, scratch = run / "out", run / "tmp"
            out.mkdir(parents=True)
            scratch.mkdir()
            report = out / f"report.{fmt}"
            report.write_bytes(b"the previous report")
            extra = ["--save", "--period", "2024", "--history", str(run / "history.sqlite")] if k % 4 == 3 else []
            proc = _start(
                "check", inputs["columns"], "-f", fmt, "-o", report, *extra, cwd=run, env={"TMPDIR": str(scratch)}
            )
            _wait_for(proc, _handles_sigterm, "handling signals")
            time.sleep(delay)
            proc.send_signal(stop)
            _, raw = proc.communicate(timeout=TIMEOUT)
            err = raw.decode("utf-8", "replace")
            where = f"{stop.name} {delay:.3f} s in, -f {fmt} {' '.join(extra)}: exit {proc.returncode}\n{err}"
            assert "Traceback" not in err and "Exception ignored" not in err, where
            if proc.returncode in (0, 1):  # done before the signal came: a whole report
                assert report.read_bytes() != b"the previous report", where
                continue
            assert proc.returncode == (130 if stop == signal.SIGINT else 143), where
            stopped = INTERRUPTED if stop == signal.SIGINT else "lifeservices: error: terminated"
            if extra and SAVE_STOPPED in err:  # stopped while saving the run: the report was out already
                assert err.strip() == f"{SAVE_STOPPED}\n{stopped}", where
                assert report.read_bytes().endswith(b"</html>\n"), where  # whole, not cut
                assert [p.name for p in out.iterdir()] == [report.name], where
                assert list(scratch.iterdir()) == [], where
                seen.append(proc.returncode)
                continue
            if stopped_after([report], [_Target(report)]) in err:  # the report was in place before the stop came
                assert err.strip() == f"{stopped_after([report], [_Target(report)])}\n{stopped}", where
                assert _whole(report, fmt, BIG_ROWS), where
                assert [p.name for p in out.iterdir()] == [report.name], where
                assert list(scratch.iterdir()) == [], where
                seen.append(proc.returncode)
                continue
            assert err.strip() == stopped, where
            assert report.read_bytes() == b"the previous report", where  # untouched
            assert [p.name for p in out.iterdir()] == [report.name], where  # no spool, no temporary file
            assert list(scratch.iterdir()) == [], where
            seen.append(proc.returncode)
    finally:
        busy.kill()
        busy.wait()
    assert len(seen) >= len(DELAYS) - 2  # nearly every signal landed while the check was at work


@pytest.mark.parametrize("stop", ["SIGINT", "SIGTERM"])
def test_a_signal_handled_in_a_finaliser_still_stops_the_program(tmp_path, stop):
    # Python runs signal handlers wherever the program is, finalisers included (a thread pool's
    # weak-reference callback as it is freed, a generator closed by the collector, __del__).
    # An exception there is printed with a traceback and dropped: the program went on, signals
    # ignored, and wrote its report as if nobody had pressed Ctrl-C.
    script = (
        "import signal, time\n"
        "from lifeservices_cli.cli import interrupts\n"
        "class Finalised:\n"
        "    def __del__(self):\n"
        f"        signal.raise_signal(signal.{stop})  # the handler runs in here\n"
        "        time.sleep(0)\n"
        "def main():\n"
        "    Finalised()\n"
        "    for _ in range(100):\n"
        "        time.sleep(0.1)\n"
        "    print('went on', flush=True)\n"
        "interrupts.run(main)\n"
    )
    proc = _run_script(script, tmp_path)
    code, line = (130, INTERRUPTED) if stop == "SIGINT" else (143, "lifeservices: error: terminated")
    assert (proc.returncode, proc.stderr, proc.stdout) == (code, line + "\n", "")


def test_the_command_handles_signals_before_anything_slow_is_imported():
    # Until `interrupts.install` runs, Ctrl-C is Python's KeyboardInterrupt, with a traceback. The
    # package and the entry point come first: they must not import typing (30 ms) or enum.
    script = "import sys, lifeservices_cli.__main__; print(sorted({'typing', 'enum', 're'} & set(sys.modules)))"
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=TIMEOUT)
    assert (proc.stdout, proc.stderr) == ("[]\n", "")


def _check_with_a_stop(tmp_path: Path, when: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``lifeservices check`` in a real process where SIGINT is raised at ``when``: "second" as the
    second report is about to be written, "after" once the command has finished its work."""
    script = (
        "import signal, sys, runpy\n"
        "from lifeservices_cli import outputs\n"
        "from lifeservices_cli.cli import interrupts\n"
        "real_write, real_finished, calls = outputs.write_atomic, interrupts.finished, []\n"
        "def write(path, data):\n"
        "    calls.append(path)\n"
        f"    if {when!r} == 'second' and len(calls) == 2:\n"
        "        signal.raise_signal(signal.SIGINT)\n"
        "    real_write(path, data)\n"
        "def finished():\n"
        "    real_finished()\n"
        f"    if {when!r} == 'after':\n"
        "        signal.raise_signal(signal.SIGINT)  # ignored from now on\n"
        "import os\n"
        "from lifeservices_cli import files\n"
        "real_replace = os.replace\n"
        "def replace(a, b):\n"
        "    real_replace(a, b)\n"
        f"    if {when!r} == 'renamed':\n"
        "        signal.raise_signal(signal.SIGINT)  # the report is in place, deliver has not noted it\n"
        "files.os = type(os)('os'); files.os.__dict__.update(os.__dict__); files.os.replace = replace\n"
        "outputs.write_atomic, interrupts.finished = write, finished\n"
        f"sys.argv = ['lifeservices', 'check', {str(_community_csv(tmp_path / 'c.csv', 50))!r}, *{list(args)!r}]\n"
        "runpy.run_module('lifeservices_cli', run_name='__main__')\n"
    )
    return _run_script(script, tmp_path, env={**os.environ, "LIFESERVICES_LANG": "en"})


def test_a_stop_between_two_reports_says_which_one_was_written(tmp_path):
    proc = _check_with_a_stop(tmp_path, "second", "-f", "markdown", "-o", "a.md", "--report", "table=b.txt")
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == (
        "lifeservices: stopped while writing the reports: written: a.md; not written: b.txt\n" f"{INTERRUPTED}\n"
    )
    assert (tmp_path / "a.md").read_text(encoding="utf-8").startswith("#")  # whole, as it was said
    assert not (tmp_path / "b.txt").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.md", "c.csv"]  # no temporary file


def test_a_stop_once_every_report_is_out_changes_nothing(tmp_path):
    proc = _check_with_a_stop(tmp_path, "after", "-f", "markdown", "-o", "a.md")
    assert (proc.returncode, proc.stderr) == (1, "")  # the check's own exit code: 50 records, some fail
    assert "| 洮北区 |" in (tmp_path / "a.md").read_text(encoding="utf-8")


def test_a_stop_just_after_a_report_is_renamed_into_place_says_it_was_written(tmp_path):
    (tmp_path / "a.md").write_text("the previous report", encoding="utf-8")
    proc = _check_with_a_stop(tmp_path, "renamed", "-f", "markdown", "-o", "a.md")
    assert proc.returncode == 130, proc.stderr
    assert proc.stderr == f"lifeservices: stopped after the reports were written: a.md\n{INTERRUPTED}\n"
    assert "| 洮北区 |" in (tmp_path / "a.md").read_text(encoding="utf-8")  # the new report, whole
