"""Where reports go when it is not a plain new file: standard output named as a file
(``/dev/stdout``, ``/dev/fd/1``), ``/dev/null``, a named pipe, a full disk (``/dev/full``, and a
file-size limit: the kernel's EFBIG, the same failure path as ENOSPC), the temporary folder
full, two runs writing one report at once, reports that collide.

Real processes with real descriptors. The device targets are reached through links in the
test's folder, so a regression would replace the link there, never the machine's own devices.
"""

from __future__ import annotations

import io
import json
import os
import resource
import stat
import subprocess
import sys
import threading
from pathlib import Path

import openpyxl
import polars as pl
import pytest

from lifeservices_cli.packs.loader import bundled_path

HEADER = "社区编码,社区名称,县（市、区）,是否新建,是否城市社区,户数（户）,综合服务设施面积（平方米）"
TIMEOUT = 300  # only to stop a hung process
FORMATS = ["json", "ndjson", "csv", "xlsx", "parquet", "html", "junit", "sarif", "markdown"]


def _data(path: Path, rows: int) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(HEADER + "\n")
        for i in range(rows):
            fh.write(f"C{i:06d},社区{i},洮北区,{'是' if i % 2 else '否'},是,{1000 + i % 900},{300 + i % 400}\n")
    return path


def _run(*args, cwd: Path, stdout=subprocess.PIPE, limit: int | None = None, env: dict | None = None):
    def preexec():  # a file-size limit: writes past it fail with EFBIG (Python ignores SIGXFSZ)
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "lifeservices_cli", *map(str, args)],
        cwd=cwd,
        stdout=stdout,
        stderr=subprocess.PIPE,
        env={**os.environ, "LIFESERVICES_LANG": "en", "GITHUB_ACTIONS": "", **(env or {})},
        preexec_fn=preexec,
        timeout=TIMEOUT,
    )


def _valid(fmt: str, data: bytes, records: int) -> None:
    """``data`` is one whole report in ``fmt`` of ``records`` records."""
    if fmt == "json":
        assert json.loads(data)["summary"]["records"] == records
    elif fmt == "xlsx":
        openpyxl.load_workbook(io.BytesIO(data), read_only=True).close()
    elif fmt == "parquet":
        assert pl.read_parquet(io.BytesIO(data)).height > 0
    elif fmt == "html":
        assert data.rstrip().endswith(b"</html>")
    elif fmt == "csv":
        assert data.decode("utf-8-sig").count("\n") > records
    else:
        assert data


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    return _data(tmp_path_factory.mktemp("targets") / "communities.csv", 200)


@pytest.mark.parametrize("fmt", ["json", "csv", "xlsx", "parquet", "html"])
@pytest.mark.parametrize("how", ["link-to-dev-stdout", "dev-fd-1", "report-to-stdout-file"])
def test_standard_output_named_as_a_file_gets_the_report(source, tmp_path, fmt, how):
    link = tmp_path / "stdout"
    link.symlink_to("/proc/self/fd/1")  # what /dev/stdout is
    if how == "report-to-stdout-file":  # /dev/fd/1 while standard output is a regular file: no rename over it
        with (tmp_path / "captured").open("wb") as out:
            result = _run("check", source, "-f", fmt, "-o", "/dev/fd/1", cwd=tmp_path, stdout=out)
        assert result.returncode in (0, 1) and result.stderr == b"", result.stderr
        _valid(fmt, (tmp_path / "captured").read_bytes(), 200)
        assert sorted(p.name for p in tmp_path.iterdir()) == ["captured", "stdout"]
        return
    target = link if how == "link-to-dev-stdout" else "/dev/fd/1"
    result = _run("check", source, "-f", fmt, "-o", target, cwd=tmp_path)
    assert result.returncode in (0, 1), result.stderr
    assert result.stderr == b""
    _valid(fmt, result.stdout, 200)
    assert link.is_symlink() and os.readlink(link) == "/proc/self/fd/1"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["stdout"]  # no temporary file or spool beside it


@pytest.mark.parametrize("fmt", ["json", "xlsx", "parquet", "csv"])
def test_dev_null_takes_the_report_and_stays_a_device(source, tmp_path, fmt):
    link = tmp_path / "null"
    link.symlink_to(os.devnull)
    result = _run("check", source, "-f", fmt, "-o", link, cwd=tmp_path)
    assert result.returncode in (0, 1) and result.stderr == b"", result.stderr
    assert link.is_symlink() and stat.S_ISCHR(os.stat(link).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["null"]


@pytest.mark.parametrize("fmt", ["json", "xlsx", "html"])
def test_a_named_pipe_carries_the_report_and_stays_a_pipe(source, tmp_path, fmt):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()))
    reader.start()
    result = _run("check", source, "-f", fmt, "-o", fifo, cwd=tmp_path)
    reader.join(TIMEOUT)
    assert result.returncode in (0, 1) and result.stderr == b"", result.stderr
    _valid(fmt, got[0], 200)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_full_disk_exits_2_naming_the_report_and_leaves_no_partial_file(tmp_path, fmt):
    source = _data(tmp_path / "data.csv", 3000)
    out = tmp_path / "out"
    out.mkdir()
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    target = out / f"report.{fmt}"
    # a 2 KiB file-size limit: the report (or the temporary files it is made from) cannot be written
    result = _run("check", source, "-f", fmt, "-o", target, cwd=tmp_path, limit=2048, env={"TMPDIR": str(scratch)})
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err.count("\n") == 1 and "Traceback" not in err and "internal error" not in err, err
    assert f"{target}: cannot write" in err or f"{scratch}: cannot write a temporary file" in err, err
    assert "File too large" in err
    assert list(out.iterdir()) == [] and list(scratch.iterdir()) == []


@pytest.mark.parametrize("fmt", ["json", "xlsx", "parquet"])
def test_a_device_with_no_space_left_exits_2_naming_it(source, tmp_path, fmt):
    full = tmp_path / "full"
    full.symlink_to("/dev/full")  # every write: ENOSPC
    result = _run("check", source, "-f", fmt, "-o", full, cwd=tmp_path)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert err == f"lifeservices: error: {full}: cannot write the output: No space left on device\n"
    assert stat.S_ISCHR(os.stat(full).st_mode)


@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_two_runs_writing_one_report_at_once_leave_one_whole_report(tmp_path, fmt):
    first, second = _data(tmp_path / "a.csv", 20_000), _data(tmp_path / "b.csv", 30_000)
    target = tmp_path / f"report.{fmt}"
    env = {**os.environ, "LIFESERVICES_LANG": "en"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "lifeservices_cli", "check", src, "-f", fmt, "-o", target],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=tmp_path,
        )
        for src in (first, second) * 2
    ]  # fmt: skip
    for proc in procs:
        _, err = proc.communicate(timeout=TIMEOUT)
        assert proc.returncode in (0, 1), err
    data = target.read_bytes()
    if fmt == "json":
        assert json.loads(data)["summary"]["records"] in (20_000, 30_000)
    else:
        openpyxl.load_workbook(io.BytesIO(data), read_only=True).close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv", f"report.{fmt}"]


def test_reports_that_collide_with_each_other_or_an_input_exit_2(source, tmp_path):
    (tmp_path / "alias.json").symlink_to(tmp_path / "r.json")
    os.link(source, tmp_path / "hardlink.csv")
    pack = tmp_path / "pack.yaml"
    pack.write_bytes(bundled_path().read_bytes())
    cases = [
        (["-f", "json", "-o", "r.json", "--report", "json=./r.json"], "two reports would write the same file"),
        (["-f", "json", "-o", "r.json", "--report", "csv=alias.json"], "two reports would write the same file"),
        (["-f", "csv", "-o", "hardlink.csv"], "is one of the inputs"),
        (["-f", "json", "-o", "x.json", "--report", f"csv={pack}", "-i", pack], "is one of the inputs"),
    ]
    before = source.read_bytes()
    for args, words in cases:
        result = _run("check", source, *args, cwd=tmp_path)
        assert result.returncode == 2 and words in result.stderr.decode(), (args, result.stderr)
    assert source.read_bytes() == before and pack.read_bytes() == bundled_path().read_bytes()
    assert not (tmp_path / "r.json").exists() and not (tmp_path / "x.json").exists()
